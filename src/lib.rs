//! kaizala-migrate: find expiring Kaizala Pro subscriptions in the exports a Microsoft CSP
//! partner has, and plan each customer's move to a supported plan.
//!
//! The library is the pipeline, one module per stage, each reading the typed output of the one
//! before: [`source`] and [`ingest`] read files into typed, validated records with every row
//! accounted for; [`detect`] gives each subscription its verdict, once; [`plan`] builds one plan
//! per customer ([`plan::model`] is also what `plan.json` is read back into); [`price`] prices
//! it; [`render`] writes each output as a function of the plan; [`scripts`] turns a plan into
//! bash and PowerShell. Leaf modules ([`error`], [`guid`], [`money`], [`escape`], [`catalog`])
//! serve them all. The command line lives in the binary. ARCHITECTURE.md has the map.
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
pub mod profile;
pub mod progress;
pub mod render;
pub mod scripts;
pub mod source;
pub mod worksheet_layout;
