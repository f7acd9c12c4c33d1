//! `plan`: write the plan and its worksheets into `--out`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::cli::Settings;
use crate::error::{Error, ExitCode, Result};
use crate::render::{csv_out, json, summary};

/// The files `plan` writes, in the order they are written.
pub const OUTPUTS: [&str; 5] =
    ["plan.json", "worksheet.csv", "users.csv", "rejected.csv", "filtered.csv"];

/// Writes one output file through a buffer.
pub fn write_file(path: &Path, render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let werr = |source| Error::Write { path: path.to_path_buf(), source };
    let mut w = BufWriter::new(File::create(path).map_err(werr)?);
    render(&mut w)?;
    w.flush().map_err(werr)
}

/// Runs `plan`.
pub fn run(
    settings: &Settings,
    out_dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode> {
    let (ing, plan) = super::pipeline(settings)?;
    std::fs::create_dir_all(out_dir)
        .map_err(|source| Error::Write { path: out_dir.to_path_buf(), source })?;
    write_file(&out_dir.join("plan.json"), |w| json::write(&plan, w))?;
    write_file(&out_dir.join("worksheet.csv"), |w| csv_out::write_worksheet(&plan, w))?;
    write_file(&out_dir.join("users.csv"), |w| csv_out::write_users(&plan, w))?;
    write_file(&out_dir.join("rejected.csv"), |w| {
        csv_out::write_rejected(&ing.ledger.rejections, w)
    })?;
    write_file(&out_dir.join("filtered.csv"), |w| {
        csv_out::write_filtered(&ing.ledger.filtered_rows, w)
    })?;
    super::report_problems(&ing, &plan, err);
    let _ = out.write_all(summary::files(&ing.ledger, false).as_bytes());
    let _ = out
        .write_all(summary::unrecognised_licences(&ing.unrecognised_licences, Some(10)).as_bytes());
    let _ = out.write_all(summary::plan(&plan).as_bytes());
    let _ = writeln!(out, "wrote {} into {}", OUTPUTS.join(", "), out_dir.display());
    Ok(super::outcome(settings, &ing))
}
