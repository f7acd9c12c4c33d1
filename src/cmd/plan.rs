//! `plan`: write the plan and its deliverables into `--out`.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::output::OutputDir;
use crate::cli::{OutputKind, Settings};
use kaizala_migrate::error::{Error, ExitCode, Result};
use kaizala_migrate::plan::{overrides, Plan};
use kaizala_migrate::render::{cost, csv_out, json, runbook, summary, workbook};

/// Runs `plan`.
pub fn run(
    settings: &Settings,
    out_dir: &Path,
    outputs: &[OutputKind],
    force: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitCode> {
    let want = |k: OutputKind| outputs.is_empty() || outputs.contains(&k);
    let (ing, plan) = super::pipeline(settings, super::Customers::Keep)?;
    // Nothing reaches `--out` until every file is written (see `OutputDir`).
    let dir = OutputDir::begin(out_dir)?;
    let mut written: Vec<String> = Vec::new();
    let mut file = |name: &str, render: &dyn Fn(&mut dyn Write) -> Result<()>| -> Result<()> {
        dir.write_file(name, render)?;
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
        file("filtered.csv", &|w| {
            csv_out::write_filtered(&ing.ledger.filtered_rows, settings.catalog.product(), w)
        })?;
    }
    if want(OutputKind::Report) {
        file("cost-report.csv", &|w| cost::write_csv(&plan, w))?;
        file("cost-report.html", &|w| {
            w.write_all(cost::html(&plan).as_bytes())
                .map_err(|source| Error::Write { path: dir.final_path("cost-report.html"), source })
        })?;
        dir.write_bytes("cost-report.xlsx", &cost::xlsx(&plan)?)?;
        written.push("cost-report.xlsx".into());
    }
    if want(OutputKind::Worksheets) || want(OutputKind::Runbooks) {
        write_per_customer(
            &plan,
            &ing,
            &dir,
            want(OutputKind::Worksheets),
            want(OutputKind::Runbooks),
            &mut written,
        )?;
    }
    if want(OutputKind::Worksheets) && !force {
        keep_edits(settings, &dir, out_dir, &plan)?;
    }
    let owned: Vec<&str> = [
        (OutputKind::Plan, &["plan.json"][..]),
        (OutputKind::Csv, &["worksheet.csv", "users.csv", "rejected.csv", "filtered.csv"]),
        (OutputKind::Report, &["cost-report.csv", "cost-report.html", "cost-report.xlsx"]),
        (OutputKind::Worksheets, &["worksheet.xlsx", "worksheets/", "by-account-manager/"]),
        (OutputKind::Runbooks, &["runbooks/"]),
    ]
    .into_iter()
    .filter(|(k, _)| want(*k))
    .flat_map(|(_, names)| names.iter().copied())
    .collect();
    dir.commit(&owned)?;
    super::report_problems(&ing, &plan, err);
    let product = settings.catalog.product();
    let _ = out.write_all(summary::files(&ing.ledger, false, product).as_bytes());
    let _ = out.write_all(
        summary::unrecognised_licences(
            &ing.unrecognised_licences,
            Some(10),
            (product, settings.catalog.service()),
        )
        .as_bytes(),
    );
    let _ = out.write_all(summary::plan(&plan).as_bytes());
    let _ = out.write_all(summary::costs_and_estimates(&plan).as_bytes());
    let _ = writeln!(out, "wrote into {}: {}", out_dir.display(), written.join(", "));
    let _ = out.write_all(next_steps(out_dir, &want).as_bytes());
    let outcome = super::outcome(settings, &ing);
    // The process ends here: freeing every record one by one would only delay the exit.
    std::mem::forget((ing, plan));
    Ok(outcome)
}

/// Cells listed in the error at most.
const LOST_SHOWN: usize = 20;

/// Stops before a person's work is overwritten: the workbooks an earlier run wrote into
/// `--out` that this run would replace with other bytes or remove (but the one `--overrides`
/// hands back, whose edits this run applied) are read back, and any edited cell whose value
/// this plan would not write again is named in an error. Runs once every file is staged, so
/// that a workbook written again byte for byte (output is deterministic) is not read.
fn keep_edits(settings: &Settings, dir: &OutputDir, out_dir: &Path, plan: &Plan) -> Result<()> {
    let handed_back = settings.overrides.as_ref().and_then(|i| std::fs::canonicalize(&i.path).ok());
    let workbooks: Vec<std::path::PathBuf> = super::output::written_before(out_dir)
        .into_iter()
        .filter(|rel| {
            rel.ends_with(".xlsx")
                && (rel == "worksheet.xlsx"
                    || rel.starts_with("worksheets/")
                    || rel.starts_with("by-account-manager/"))
                && !dir.unchanged(rel)
        })
        .map(|rel| out_dir.join(rel))
        .filter(|p| handed_back.is_none() || std::fs::canonicalize(p).ok() != handed_back)
        .collect();
    let found: Vec<Vec<String>> = workbooks
        .par_iter()
        .map(|path| {
            // Built whole: a folder name holding `#` or `=` is not a sheet or customer suffix.
            let input = kaizala_migrate::source::Input {
                path: path.clone(),
                name: path.display().to_string(),
                sheet: None,
                customer: None,
            };
            match kaizala_migrate::ingest::overrides::read(&input) {
                Ok(sheet) => overrides::lost(&sheet, plan, &settings.catalog),
                Err(e) => vec![format!("{e} (so whether it holds edits cannot be told)")],
            }
        })
        .collect();
    let lost: Vec<String> = found.into_iter().flatten().collect();
    if lost.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = lost.iter().take(LOST_SHOWN).map(String::as_str).collect();
    let more = lost.len().saturating_sub(LOST_SHOWN);
    Err(Error::File {
        path: out_dir.display().to_string(),
        message: format!(
            "this run would overwrite edits in workbooks an earlier run wrote here:\n  {}{}\nhand the edited workbook back with --overrides FILE (its edits are kept), write into another --out folder, or give --force to overwrite them",
            shown.join("\n  "),
            if more > 0 { format!("\n  and {more} more cell(s)") } else { String::new() }
        ),
    })
}

/// What to do with what was written.
fn next_steps(out_dir: &Path, want: &dyn Fn(OutputKind) -> bool) -> String {
    let at = |name: &str| out_dir.join(name).display().to_string();
    let mut steps = Vec::new();
    if want(OutputKind::Worksheets) {
        steps.push(format!(
            "account managers review {} (or worksheets/, by-account-manager/) and hand it back with --overrides",
            at("worksheet.xlsx")
        ));
    }
    if want(OutputKind::Report) {
        steps.push(format!("the costs are in {}", at("cost-report.html")));
    }
    if want(OutputKind::Plan) {
        steps.push(format!(
            "scripts that carry the plan out (dry run unless --apply): kaizala-migrate scripts --plan {} --out {}",
            at("plan.json"),
            at("scripts")
        ));
    }
    steps.iter().map(|s| format!("next: {s}\n")).collect()
}

/// The workbooks and runbooks: consolidated, per customer (in parallel) and per account manager.
fn write_per_customer(
    plan: &Plan,
    ing: &kaizala_migrate::ingest::Ingested,
    dir: &OutputDir,
    sheets: bool,
    books: bool,
    written: &mut Vec<String>,
) -> Result<()> {
    // The consolidated workbook (one large file) is rendered beside the per-customer files,
    // so that both cores stay busy.
    let (consolidated, each) = rayon::join(
        || {
            let all = workbook::rows(plan);
            sheets.then(|| workbook::render(plan, &all, Some(&ing.ledger.rejections)))
        },
        || each_customer(plan, dir, sheets, books),
    );
    if let Some(bytes) = consolidated {
        dir.write_bytes("worksheet.xlsx", &bytes?)?;
        written.push("worksheet.xlsx".into());
    }
    each?;
    if books {
        dir.write_bytes("runbooks/README.md", runbook::index(plan).as_bytes())?;
        written.push(format!("runbooks/ ({} files and README.md)", plan.customers.len()));
    }
    if !sheets {
        return Ok(());
    }
    written.push(format!("worksheets/ ({} files)", workbook::rows(plan).len()));
    let groups = workbook::by_account_manager(plan);
    if !groups.is_empty() {
        let rendered: Vec<Result<(String, Vec<u8>)>> = groups
            .par_iter()
            .map(|(slug, customers)| {
                let bytes = workbook::render(plan, customers, None)?;
                Ok((format!("by-account-manager/{slug}.xlsx"), bytes))
            })
            .collect();
        for r in rendered {
            let (rel, bytes) = r?;
            dir.write_bytes(&rel, &bytes)?;
        }
        written.push(format!("by-account-manager/ ({} files)", groups.len()));
    }
    Ok(())
}

/// Each customer's workbook and runbook, rendered in parallel; a customer excluded in the
/// worksheet keeps its workbook (Include = No) and has no runbook.
fn each_customer(plan: &Plan, dir: &OutputDir, sheets: bool, books: bool) -> Result<()> {
    let rows = workbook::rows(plan);
    let bar = kaizala_migrate::progress::items("rendering customers", rows.len() as u64);
    // Each customer's files are written as soon as they are rendered (distinct paths), so
    // memory holds a few customers' files at a time.
    let written_each: Vec<Result<()>> = rows
        .par_iter()
        .map(|&(c, included)| {
            if sheets {
                let bytes = workbook::render(plan, &[(c, included)], None)?;
                dir.write_bytes(&format!("worksheets/{}.xlsx", c.slug), &bytes)?;
            }
            if books && included {
                let text = runbook::customer(plan, c);
                dir.write_bytes(&format!("runbooks/{}.md", c.slug), text.as_bytes())?;
            }
            bar.inc(1);
            Ok(())
        })
        .collect();
    bar.finish_and_clear();
    written_each.into_iter().collect::<Result<()>>()
}
