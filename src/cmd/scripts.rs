//! `scripts` and `status`: write the migration scripts from a plan.json, and report progress
//! from their results files.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{LicenceApiArg, PurchaseApiArg, ScriptFormat};
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::error::{Error, ExitCode, Result};
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
    }
}

/// Runs `scripts`.
pub fn run(
    plan_path: &Path,
    out_dir: &Path,
    opts: ScriptOptions,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let plan = scripts::load(plan_path)?;
    let jobs = scripts::resolve(&plan, &Catalog::builtin(&[]), &opts)?;
    let files = scripts::render(&plan, &jobs, &opts);
    for dir in ["bash", "powershell"] {
        let d = out_dir.join(dir);
        if d.is_dir() {
            // The tool's own folder: drop scripts of customers no longer in the plan.
            for entry in
                std::fs::read_dir(&d).map_err(|source| Error::Write { path: d.clone(), source })?
            {
                let p = entry.map_err(|source| Error::Write { path: d.clone(), source })?.path();
                if p.extension().is_some_and(|e| e == "sh" || e == "ps1") {
                    std::fs::remove_file(&p)
                        .map_err(|source| Error::Write { path: p.clone(), source })?;
                }
            }
        }
    }
    for (rel, text, executable) in &files {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|source| Error::Write { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, text)
            .map_err(|source| Error::Write { path: path.clone(), source })?;
        set_executable(&path, *executable)?;
    }
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

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|source| Error::Write { path: path.to_path_buf(), source })
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> Result<()> {
    Ok(())
}

/// Runs `status`.
pub fn status(plan_path: &Path, results: &[PathBuf], out: &mut dyn Write) -> Result<ExitCode> {
    let plan = scripts::load(plan_path)?;
    let rows = scripts::status::read(results)?;
    let _ = out.write_all(scripts::status::report(&plan, &rows).as_bytes());
    Ok(ExitCode::Success)
}
