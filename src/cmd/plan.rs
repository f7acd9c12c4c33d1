//! `plan`: write the plan and its deliverables into `--out`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cli::{OutputKind, Settings};
use kaizala_migrate::error::{Error, ExitCode, Result};
use kaizala_migrate::plan::{CustomerPlan, Plan};
use kaizala_migrate::render::{cost, csv_out, json, runbook, summary, workbook};

/// Writes one output file through a buffer.
pub fn write_file(path: &Path, render: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let werr = |source| Error::Write { path: path.to_path_buf(), source };
    let mut w = BufWriter::new(File::create(path).map_err(werr)?);
    render(&mut w)?;
    w.flush().map_err(werr)
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Write { path: path.to_path_buf(), source })
}

/// Creates a folder of generated files, removing files with `ext` left from an earlier run (the
/// folder is the tool's own), so that it holds exactly this plan's files.
fn fresh_dir(dir: &Path, ext: &str) -> Result<()> {
    let werr = |source| Error::Write { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(werr)?;
    for entry in std::fs::read_dir(dir).map_err(werr)? {
        let path = entry.map_err(werr)?.path();
        if path.extension().is_some_and(|e| e == ext) && path.is_file() {
            std::fs::remove_file(&path).map_err(|source| Error::Write { path, source })?;
        }
    }
    Ok(())
}

/// Runs `plan`.
pub fn run(
    settings: &Settings,
    out_dir: &Path,
    outputs: &[OutputKind],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode> {
    let want = |k: OutputKind| outputs.is_empty() || outputs.contains(&k);
    let (ing, plan) = super::pipeline(settings)?;
    std::fs::create_dir_all(out_dir)
        .map_err(|source| Error::Write { path: out_dir.to_path_buf(), source })?;
    let mut written: Vec<String> = Vec::new();
    let mut file = |name: &str, render: &dyn Fn(&mut dyn Write) -> Result<()>| -> Result<()> {
        write_file(&out_dir.join(name), render)?;
        written.push(name.to_string());
        Ok(())
    };
    if want(OutputKind::Plan) {
        file("plan.json", &|w| json::write(&plan, w))?;
    }
    if want(OutputKind::Csv) {
        file("worksheet.csv", &|w| csv_out::write_worksheet(&plan, w))?;
        file("users.csv", &|w| csv_out::write_users(&plan, w))?;
        file("rejected.csv", &|w| csv_out::write_rejected(&ing.ledger.rejections, w))?;
        file("filtered.csv", &|w| csv_out::write_filtered(&ing.ledger.filtered_rows, w))?;
    }
    if want(OutputKind::Report) {
        file("cost-report.csv", &|w| cost::write_csv(&plan, w))?;
        file("cost-report.html", &|w| {
            w.write_all(cost::html(&plan).as_bytes())
                .map_err(|source| Error::Write { path: out_dir.join("cost-report.html"), source })
        })?;
        write_bytes(&out_dir.join("cost-report.xlsx"), &cost::xlsx(&plan)?)?;
        written.push("cost-report.xlsx".into());
    }
    if want(OutputKind::Worksheets) || want(OutputKind::Runbooks) {
        write_per_customer(
            &plan,
            &ing,
            out_dir,
            want(OutputKind::Worksheets),
            want(OutputKind::Runbooks),
            &mut written,
        )?;
    }
    super::report_problems(&ing, &plan, err);
    let _ = out.write_all(summary::files(&ing.ledger, false).as_bytes());
    let _ = out
        .write_all(summary::unrecognised_licences(&ing.unrecognised_licences, Some(10)).as_bytes());
    let _ = out.write_all(summary::plan(&plan).as_bytes());
    let _ = writeln!(out, "wrote into {}: {}", out_dir.display(), written.join(", "));
    let outcome = super::outcome(settings, &ing);
    // The process ends here: freeing every record one by one would only delay the exit.
    std::mem::forget((ing, plan));
    Ok(outcome)
}

/// The workbooks and runbooks: consolidated, per customer (in parallel) and per account manager.
fn write_per_customer(
    plan: &Plan,
    ing: &kaizala_migrate::ingest::Ingested,
    out_dir: &Path,
    sheets: bool,
    books: bool,
    written: &mut Vec<String>,
) -> Result<()> {
    // The consolidated workbook (one large file) is rendered beside the per-customer files,
    // so that both cores stay busy.
    let (consolidated, each) = rayon::join(
        || {
            let all: Vec<&CustomerPlan> = plan.customers.iter().collect();
            sheets.then(|| workbook::render(plan, &all, Some(&ing.ledger.rejections)))
        },
        || each_customer(plan, out_dir, sheets, books),
    );
    if let Some(bytes) = consolidated {
        write_bytes(&out_dir.join("worksheet.xlsx"), &bytes?)?;
        written.push("worksheet.xlsx".into());
    }
    each?;
    if books {
        let dir = out_dir.join("runbooks");
        write_bytes(&dir.join("README.md"), runbook::index(plan).as_bytes())?;
        written.push(format!("runbooks/ ({} files and README.md)", plan.customers.len()));
    }
    if !sheets {
        return Ok(());
    }
    written.push(format!("worksheets/ ({} files)", plan.customers.len()));
    let groups = workbook::by_account_manager(plan);
    if !groups.is_empty() {
        let am_dir = out_dir.join("by-account-manager");
        fresh_dir(&am_dir, "xlsx")?;
        let rendered: Vec<Result<(PathBuf, Vec<u8>)>> = groups
            .par_iter()
            .map(|(slug, customers)| {
                Ok((am_dir.join(format!("{slug}.xlsx")), workbook::render(plan, customers, None)?))
            })
            .collect();
        for r in rendered {
            let (path, bytes) = r?;
            write_bytes(&path, &bytes)?;
        }
        written.push(format!("by-account-manager/ ({} files)", groups.len()));
    }
    Ok(())
}

/// Each customer's workbook and runbook, rendered in parallel.
fn each_customer(plan: &Plan, out_dir: &Path, sheets: bool, books: bool) -> Result<()> {
    // Per-customer deliverables, rendered in parallel, written in order.
    let sheets_dir = out_dir.join("worksheets");
    let runbooks_dir = out_dir.join("runbooks");
    if sheets {
        fresh_dir(&sheets_dir, "xlsx")?;
    }
    if books {
        fresh_dir(&runbooks_dir, "md")?;
    }
    let bar = kaizala_migrate::progress::items("rendering customers", plan.customers.len() as u64);
    // Each customer's files are written as soon as they are rendered (distinct paths), so
    // memory holds a few customers' files at a time.
    let written_each: Vec<Result<()>> = plan
        .customers
        .par_iter()
        .map(|c| {
            if sheets {
                let path = sheets_dir.join(format!("{}.xlsx", c.slug));
                write_bytes(&path, &workbook::render(plan, &[c], None)?)?;
            }
            if books {
                let path = runbooks_dir.join(format!("{}.md", c.slug));
                write_bytes(&path, runbook::customer(plan, c).as_bytes())?;
            }
            bar.inc(1);
            Ok(())
        })
        .collect();
    bar.finish_and_clear();
    written_each.into_iter().collect::<Result<()>>()
}
