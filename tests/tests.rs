//! Integration tests: the built binary on the fixtures.

// A test reads best as one scenario, and a fake server as one routing table: the length limit
// (clippy.toml) is for the tool's own functions.
#![allow(clippy::too_many_lines)]

mod util;

mod check;
mod cost;
mod deliverables;
mod errors;
mod fake_pc;
mod model;
mod plan;
mod profiles;
mod properties;
mod real_world;
mod regression;
mod scan;
mod scripts;
mod targets;
mod variants;
