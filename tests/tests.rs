//! Integration tests: the built binary on the fixtures.

mod util;

mod check;
mod cost;
mod deliverables;
mod errors;
mod plan;
mod properties;
mod real_world;
mod regression;
mod scan;
mod targets;
mod variants;
