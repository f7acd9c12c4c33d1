//! Subcommands: short glue that runs the library's stages in order (the binary's side, with
//! the command line in `cli`).

pub mod check;
pub mod output;
pub mod plan;
pub mod scan;
pub mod scripts;

use crate::cli::Settings;
use kaizala_migrate::detect::{self, Window};
use kaizala_migrate::error::{ExitCode, Result};
use kaizala_migrate::ingest::{self, Ingested};
use kaizala_migrate::plan::{Plan, PlanOptions};
use kaizala_migrate::price;

/// Ingest, detect, plan and price: the stages every subcommand shares, each run once.
pub fn pipeline(settings: &Settings) -> Result<(Ingested, Plan)> {
    let catalog = &settings.catalog;
    // Subscriptions first: detection on them tells whose users rows matter.
    let mut ing =
        ingest::read_subscription_files(&settings.subscriptions, catalog, &settings.ingest)?;
    let window = Window { as_of: settings.as_of, horizon_end: settings.horizon_end };
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
    };
    let mut plan = kaizala_migrate::plan::build(&mut ing, &detection, catalog, options);
    if let Some(input) = &settings.overrides {
        let edits = ingest::overrides::read(input)?;
        let warnings = kaizala_migrate::plan::overrides::apply(&mut plan, &edits, catalog)?;
        plan.warnings.extend(warnings);
    }
    price::apply(&mut plan, &ing.prices, &ing.ledger, catalog, &settings.price)?;
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
