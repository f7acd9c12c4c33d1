//! kaizala-migrate: find expiring Kaizala Pro subscriptions in the exports a Microsoft CSP
//! partner has, and plan each customer's move to a supported plan.
//!
//! The pipeline is one module per stage: [`source`] and [`ingest`] read files into typed,
//! validated records with every row accounted for; [`detect`] finds the expiring Kaizala Pro
//! subscriptions; [`plan`] builds one plan per customer; [`render`] writes each output as a
//! function of the plan. [`cmd`] holds the subcommands that run the stages in order.
//!
//! ```
//! use kaizala_migrate::catalog::{Catalog, Licence};
//! let catalog = Catalog::builtin(&[]);
//! assert!(catalog.is_kaizala_pro_offer(Some("Microsoft Kaizala Pro"), None));
//! assert_eq!(catalog.licence("Office 365 E1"), Licence::Covering("Office 365 E1".into()));
//! ```

#![deny(missing_docs)]

pub mod catalog;
pub mod detect;
pub mod error;
pub mod escape;
pub mod guid;
pub mod ingest;
pub mod money;
pub mod plan;
pub mod price;
pub mod progress;
pub mod render;
pub mod scripts;
pub mod source;
pub mod worksheet_layout;
