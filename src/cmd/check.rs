//! `check`: read and validate only; report per file how columns were mapped and where every
//! row went.

use std::io::Write;

use crate::cli::Settings;
use kaizala_migrate::error::{ExitCode, Result};
use kaizala_migrate::render::summary;

/// Runs `check`.
pub fn run(settings: &Settings, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitCode> {
    let (ing, plan) = super::pipeline(settings, super::Customers::Drop)?;
    super::report_problems(&ing, &plan, err);
    let _ = out.write_all(summary::files(&ing.ledger, true, settings.catalog.product()).as_bytes());
    let _ = out.write_all(
        summary::unrecognised_licences(
            &ing.unrecognised_licences,
            None,
            (settings.catalog.product(), settings.catalog.service()),
        )
        .as_bytes(),
    );
    Ok(super::outcome(settings, &ing))
}
