//! Integration tests: the built binary on the fixtures.

mod util;

mod check;
mod cost;
mod deliverables;
mod errors;
mod fake_pc;
mod plan;
mod properties;
mod real_world;
mod regression;
mod scan;
mod scripts;
mod targets;
mod variants;
