//! Plan: one migration plan per affected customer.
//!
//! `model` is the data every renderer reads; `build` makes it from ingested records;
//! `target` holds the rule that picks the plan to move to.

pub mod build;
pub mod model;
pub mod overrides;
pub mod purchase;
pub mod slug;
pub mod target;

pub use build::{build, PlanOptions, Planning};
pub use model::*;
