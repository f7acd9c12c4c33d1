//! Subcommands: short glue that runs the library's stages in order (the binary's side, with
//! the command line in `cli`).

pub mod check;
pub mod output;
pub mod plan;
pub mod profiles;
pub mod scan;
pub mod scripts;

use crate::cli::Settings;
use kaizala_migrate::detect::{self, Window};
use kaizala_migrate::error::{ExitCode, Result};
use kaizala_migrate::ingest::{self, Ingested};
use kaizala_migrate::plan::overrides::Edits;
use kaizala_migrate::plan::{Plan, PlanOptions, Planning};
use kaizala_migrate::price::{book::PriceBook, Pricer};

/// Whether the pipeline keeps each customer's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Customers {
    /// Every customer's plan is kept, for the outputs.
    Keep,
    /// Each customer is planned, edited and priced, then dropped: what `check` needs (the
    /// ledger and the warnings), in memory that does not grow with the affected customers.
    Drop,
}

/// Ingest, detect, plan and price: the stages every subcommand shares, each run once.
pub fn pipeline(settings: &Settings, customers: Customers) -> Result<(Ingested, Plan)> {
    let catalog = &settings.catalog;
    // Subscriptions first: detection on them tells whose users rows matter.
    let mut ing =
        ingest::read_subscription_files(&settings.subscriptions, catalog, &settings.ingest)?;
    let window = Window {
        as_of: settings.as_of,
        horizon_end: settings.horizon_end,
        auto_renew_off_only: catalog.profile().selection.auto_renew_off_only,
    };
    let detection = detect::detect(&ing.subscriptions, window);
    ingest::read_user_files(
        &mut ing,
        &settings.users,
        catalog,
        &settings.ingest,
        Some(&detection.affected),
    )?;
    ingest::read_price_files(&mut ing, &settings.prices, &settings.ingest)?;
    let options = PlanOptions {
        window,
        horizon_days: settings.horizon_days,
        forced_target: settings.target.clone(),
        frontline_customers: settings.frontline.clone(),
        term: settings.price.term,
        billing: settings.price.billing,
    };
    let edits = match &settings.overrides {
        Some(input) => ingest::overrides::read(input)?,
        None => Default::default(),
    };
    let mut planning = Planning::new(&mut ing, &detection, catalog);
    let mut edited = Edits::new(&edits);
    let book = PriceBook::new(&ing.prices, &ing.ledger);
    let mut pricer = Pricer::new(&book, &ing.prices, catalog, &settings.price, settings.as_of);
    let keep = customers == Customers::Keep;
    let (mut kept, mut excluded) = (Vec::new(), Vec::new());
    while let Some(mut c) = planning.next_customer(&ing, catalog, &options) {
        match edited.apply_to(&mut c, catalog)? {
            Some(mut out) if keep => {
                // Kept whole, so that the next workbook shows the row with Include = No.
                out.plan = Some(Box::new(c));
                excluded.push(out);
            }
            Some(_) => {}
            None => {
                pricer.price(&mut c)?;
                if keep {
                    kept.push(c);
                }
            }
        }
    }
    let mut plan = planning.finish(kept, excluded, catalog, &options);
    plan.warnings.extend(edited.unmatched(catalog.product()));
    pricer.finish(&mut plan, &ing.ledger)?;
    drop(book);
    Ok((ing, plan))
}

/// The exit code once the work is done: rejected rows fail the run under `--strict`.
pub fn outcome(settings: &Settings, ing: &Ingested) -> ExitCode {
    if settings.strict && !ing.ledger.rejections.is_empty() {
        ExitCode::BadInput
    } else {
        ExitCode::Success
    }
}

/// Prints rejections and warnings to standard error.
pub fn report_problems(ing: &Ingested, plan: &Plan, err: &mut dyn std::io::Write) {
    for r in &ing.ledger.rejections {
        let _ = writeln!(err, "rejected: {r}");
    }
    for w in &plan.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}
