//! Subcommands: short glue that runs the stages in order.

pub mod check;
pub mod plan;
pub mod scan;
pub mod scripts;

use crate::cli::Settings;
use crate::detect::Window;
use crate::error::{ExitCode, Result};
use crate::ingest::{self, Ingested};
use crate::plan::{self as planner, Plan, PlanOptions};

/// Ingest, detect and plan: the stages every subcommand shares.
pub fn pipeline(settings: &Settings) -> Result<(Ingested, Plan)> {
    // Subscriptions first: detection on them tells whose users rows matter.
    let mut ing = ingest::read_subscription_files(
        &settings.subscriptions,
        &settings.catalog,
        &settings.ingest,
    )?;
    let window = Window { as_of: settings.as_of, horizon_end: settings.horizon_end };
    ing.affected =
        Some(crate::detect::affected_customers(&ing.subscriptions, &settings.catalog, window));
    ingest::read_user_files(&mut ing, &settings.users, &settings.catalog, &settings.ingest)?;
    ingest::read_price_files(&mut ing, &settings.prices, &settings.ingest)?;
    let mut plan = planner::build(
        &mut ing,
        &settings.catalog,
        PlanOptions {
            window,
            horizon_days: settings.horizon_days,
            forced_target: settings.target.clone(),
            frontline_customers: settings.frontline.clone(),
        },
    );
    if let Some(input) = &settings.overrides {
        let edits = ingest::overrides::read(input)?;
        let warnings = planner::overrides::apply(&mut plan, &edits, &settings.catalog)?;
        plan.warnings.extend(warnings);
    }
    crate::price::apply(&mut plan, &ing, &settings.catalog, &settings.price)?;
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
