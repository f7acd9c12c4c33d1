//! Render: the outputs, each a pure function of the plan (or, for the input reports, of the
//! ledger). No renderer reads the clock, the environment or the input files.

pub mod cost;
pub mod csv_out;
pub mod json;
pub mod runbook;
pub mod scan;
pub mod summary;
pub mod workbook;
