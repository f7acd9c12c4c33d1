//! `status`: where each customer's migration stands, from the scripts' results files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, Location, Result};
use crate::plan::{Plan, SeatsBasis};

/// One row of a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    /// UTC time.
    pub time: String,
    /// Tenant id.
    pub customer_id: String,
    /// `A`, `B` or `C`.
    pub step: String,
    /// Subscription, offer or user.
    pub target: String,
    /// `done`, `skipped-already-done`, `dry-run` or `failed`.
    pub outcome: String,
}

const HEADER: [&str; 7] =
    ["time", "customer_id", "step", "target", "outcome", "http_status", "request_id"];

/// Reads results files (in the order given; later rows are later events).
pub fn read(paths: &[std::path::PathBuf]) -> Result<Vec<ResultRow>> {
    let mut rows = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let mut rdr =
            csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| {
                match e.into_kind() {
                    csv::ErrorKind::Io(source) => Error::Read { path: name.clone(), source },
                    other => Error::File { path: name.clone(), message: format!("{other:?}") },
                }
            })?;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::File {
                path: name.clone(),
                message: format!("not a results file: {e}"),
            })?
            .iter()
            .map(str::to_string)
            .collect();
        if header != HEADER {
            return Err(Error::File {
                path: name,
                message: format!(
                    "not a results file written by the migration scripts (header {})",
                    header.join(",")
                ),
            });
        }
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| Error::Value {
                location: Box::new(Location::file(name.clone(), None).at(line, None)),
                message: format!("unreadable row: {e}"),
            })?;
            if rec.iter().eq(HEADER) {
                // Files appended to one another repeat the header.
                continue;
            }
            let outcome = rec.get(4).unwrap_or_default().to_string();
            if !matches!(outcome.as_str(), "done" | "skipped-already-done" | "dry-run" | "failed") {
                return Err(Error::Value {
                    location: Box::new(Location::file(name.clone(), None).at(line, None)),
                    message: format!("{outcome:?} is not an outcome (done, skipped-already-done, dry-run, failed)"),
                });
            }
            rows.push(ResultRow {
                time: rec.get(0).unwrap_or_default().to_string(),
                customer_id: rec.get(1).unwrap_or_default().to_lowercase(),
                step: rec.get(2).unwrap_or_default().to_string(),
                target: rec.get(3).unwrap_or_default().to_lowercase(),
                outcome,
            });
        }
    }
    // Stable: rows of one second keep file order.
    rows.sort_by(|a, b| a.time.cmp(&b.time));
    Ok(rows)
}

fn settled(outcome: Option<&String>) -> bool {
    matches!(outcome.map(String::as_str), Some("done" | "skipped-already-done"))
}

fn word(outcome: Option<&String>) -> &str {
    match outcome.map(String::as_str) {
        Some("done") => "done",
        Some("skipped-already-done") => "already done",
        Some("dry-run") => "dry run only",
        Some("failed") => "FAILED",
        _ => "not started",
    }
}

/// The report: one block per customer, in the plan's order.
pub fn report(plan: &Plan, rows: &[ResultRow]) -> String {
    // Latest outcome per (customer, step, target).
    let mut latest: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for r in rows {
        latest.insert((r.customer_id.clone(), r.step.clone(), r.target.clone()), r.outcome.clone());
    }
    let mut s = String::new();
    let mut finished = 0;
    for c in &plan.customers {
        let id = c.customer_id.to_lowercase();
        let of = |step: &str, target: &str| {
            latest.get(&(id.clone(), step.to_string(), target.to_lowercase()))
        };
        let name = c.customer_name.clone().unwrap_or_else(|| c.customer_id.clone());
        // Step A: the latest row of this customer's step A, whatever its target.
        let a =
            rows.iter().rev().find(|r| r.customer_id == id && r.step == "A").map(|r| &r.outcome);
        let b_rows: Vec<(&String, Option<&String>)> = if c.seats_basis == SeatsBasis::Users {
            c.users.iter().map(|u| (&u.upn, of("B", &u.upn))).collect()
        } else {
            Vec::new()
        };
        let found_users: Vec<&ResultRow> = if c.seats_basis == SeatsBasis::Users {
            Vec::new()
        } else {
            rows.iter().filter(|r| r.customer_id == id && r.step == "B").collect()
        };
        let c_rows: Vec<(&String, Option<&String>)> = c
            .expiring_subscriptions
            .iter()
            .map(|sub| (&sub.subscription_id, of("C", &sub.subscription_id)))
            .collect();
        let users_left: Vec<&str> =
            b_rows.iter().filter(|(_, o)| !settled(*o)).map(|(u, _)| u.as_str()).collect();
        let all_done =
            settled(a) && users_left.is_empty() && c_rows.iter().all(|(_, o)| settled(*o));
        if all_done {
            finished += 1;
        }
        let _ = writeln!(
            s,
            "{} ({}), deadline {}: {}",
            name,
            c.customer_id,
            c.deadline,
            if all_done { "FINISHED" } else { "in progress" }
        );
        let _ = writeln!(
            s,
            "  A ({} {}): {}",
            c.purchase.action.as_str(),
            c.target.offer_name,
            word(a)
        );
        if c.seats_basis == SeatsBasis::Users {
            let count = |want: &str| {
                b_rows.iter().filter(|(_, o)| o.map(String::as_str) == Some(want)).count()
            };
            let _ = writeln!(
                s,
                "  B: {} user(s): {} done, {} already done, {} failed, {} dry run only, {} not started",
                b_rows.len(),
                count("done"),
                count("skipped-already-done"),
                count("failed"),
                count("dry-run"),
                b_rows.iter().filter(|(_, o)| o.is_none()).count()
            );
            if !users_left.is_empty() {
                let _ = writeln!(s, "     still on Kaizala Pro: {}", users_left.join(", "));
            }
        } else {
            let done = found_users.iter().filter(|r| settled(Some(&r.outcome))).count();
            let _ = writeln!(
                s,
                "  B: users found at run time: {} row(s), {} done or already done",
                found_users.len(),
                done
            );
        }
        for (sub, o) in &c_rows {
            let _ = writeln!(s, "  C (suspend {}): {}", sub, word(*o));
        }
    }
    let _ = writeln!(s, "{} of {} customer(s) finished", finished, plan.customers.len());
    s
}
