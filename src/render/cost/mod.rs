//! The cost report, one file per format: `cost-report.csv` (one row per customer, `csv`),
//! `cost-report.xlsx` (summary, per customer, per grouping, every line, native charts, `xlsx`)
//! and `cost-report.html` (one self-contained page with inline SVG charts, `html`). All three
//! read the costs and totals the price stage put in the plan; none adds money up itself.

mod csv;
mod html;
mod xlsx;

pub use self::csv::{write_csv, CSV_HEADER};
pub use self::html::{grouped, html};
pub use self::xlsx::xlsx;

/// What a report calls a customer no source gives a currency for.
pub const NO_CURRENCY: &str = "no currency";
