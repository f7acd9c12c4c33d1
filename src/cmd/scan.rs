//! `scan`: print the expiring Kaizala Pro subscriptions.

use std::io::Write;

use crate::cli::{Format, Settings};
use kaizala_migrate::error::{ExitCode, Result};
use kaizala_migrate::render::scan;

/// Runs `scan`, writing the listing to `out` and problems to `err`.
pub fn run(
    settings: &Settings,
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode> {
    let (ing, plan) = super::pipeline(settings, super::Customers::Keep)?;
    super::report_problems(&ing, &plan, err);
    match format {
        Format::Table => scan::write_table(&plan, out, terminal_width())?,
        Format::Csv => scan::write_csv(&plan, out)?,
        Format::Json => scan::write_json(&plan, out)?,
    }
    Ok(super::outcome(settings, &ing))
}

/// The width the table may take: `COLUMNS` when the shell sets it, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(100)
}
