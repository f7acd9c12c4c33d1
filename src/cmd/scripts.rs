//! `scripts` and `status`: write the migration scripts from a plan.json, and report progress
//! from their results files.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::output::OutputDir;
use crate::cli::{LicenceApiArg, PurchaseApiArg, ScriptFormat};
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::error::{ExitCode, Result};
use kaizala_migrate::scripts::{self, LicenceApi, PurchaseApi, ScriptOptions};

/// Script options from the command line.
pub fn options(
    format: ScriptFormat,
    licence_api: LicenceApiArg,
    purchase_api: PurchaseApiArg,
    batch_size: u32,
) -> ScriptOptions {
    ScriptOptions {
        bash: matches!(format, ScriptFormat::Bash | ScriptFormat::Both),
        powershell: matches!(format, ScriptFormat::Powershell | ScriptFormat::Both),
        licence_api: match licence_api {
            LicenceApiArg::PartnerCenter => LicenceApi::PartnerCenter,
            LicenceApiArg::Graph => LicenceApi::Graph,
        },
        purchase_api: match purchase_api {
            PurchaseApiArg::Cart => PurchaseApi::Cart,
            PurchaseApiArg::Order => PurchaseApi::Order,
        },
        batch_size,
        plan_file: String::new(),
    }
}

/// Runs `scripts`.
pub fn run(
    plan_path: &Path,
    out_dir: &Path,
    opts: ScriptOptions,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let opts = ScriptOptions { plan_file: plan_path.display().to_string(), ..opts };
    let plan = scripts::load(plan_path)?;
    let jobs = scripts::resolve(&plan, &Catalog::builtin(&[]), &opts)?;
    let files = scripts::render(&plan, &jobs, &opts);
    // Nothing reaches the folder until every file is written; scripts an earlier run wrote
    // for customers no longer in the plan are removed, and nothing the tool did not write.
    let dir = OutputDir::begin(out_dir)?;
    for (rel, text, executable) in &files {
        dir.write_as(rel, text.as_bytes(), *executable)?;
    }
    dir.commit(&["bash/", "powershell/", "rollback/", "README.md"])?;
    let _ = writeln!(
        out,
        "wrote {} file(s) into {} for {} customer(s); dry run by default: read {}/README.md, then run with --apply",
        files.len(),
        out_dir.display(),
        jobs.len(),
        out_dir.display()
    );
    Ok(ExitCode::Success)
}

/// Runs `status`.
pub fn status(plan_path: &Path, results: &[PathBuf], out: &mut dyn Write) -> Result<ExitCode> {
    let plan = scripts::load(plan_path)?;
    let rows = scripts::status::read(results)?;
    let _ = out.write_all(scripts::status::report(&plan, &rows).as_bytes());
    Ok(ExitCode::Success)
}
