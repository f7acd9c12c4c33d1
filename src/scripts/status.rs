//! `status`: where each customer's migration stands, from the scripts' results files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, Location, Result};
use crate::plan::{CustomerPlan, Plan, PurchaseAction, SeatsBasis, StepStatus};

/// What a script did with one change, as its results file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Changed.
    Done,
    /// The state was already right: nothing sent.
    AlreadyDone,
    /// Only shown, in a dry run.
    DryRun,
    /// The request failed.
    Failed,
    /// Pre-flight: a check passed.
    Checked,
    /// Pre-flight: something found that would stop the migration.
    Attention,
}

impl Outcome {
    /// Reads the outcome column.
    pub fn parse(s: &str) -> Option<Outcome> {
        Some(match s {
            "done" => Outcome::Done,
            "skipped-already-done" => Outcome::AlreadyDone,
            "dry-run" => Outcome::DryRun,
            "failed" => Outcome::Failed,
            "ok" => Outcome::Checked,
            "attention" => Outcome::Attention,
            _ => return None,
        })
    }

    /// The change needs no more work.
    fn settled(outcome: Option<Outcome>) -> bool {
        matches!(outcome, Some(Outcome::Done | Outcome::AlreadyDone))
    }

    /// Where a step stands by its changes' outcomes, in the worksheet's words: done when every
    /// change is settled, in progress once one was tried for real, else to do (a dry run
    /// changes nothing).
    pub fn step(outcomes: &[Option<Outcome>]) -> StepStatus {
        if !outcomes.is_empty() && outcomes.iter().all(|o| Outcome::settled(*o)) {
            StepStatus::Done
        } else if outcomes.iter().any(|o| matches!(o, Some(o) if *o != Outcome::DryRun)) {
            StepStatus::InProgress
        } else {
            StepStatus::ToDo
        }
    }

    /// How the report shows an outcome (or its absence).
    fn word(outcome: Option<Outcome>) -> &'static str {
        match outcome {
            Some(Outcome::Done) => "done",
            Some(Outcome::AlreadyDone) => "already done",
            Some(Outcome::DryRun) => "dry run only",
            Some(Outcome::Failed) => "FAILED",
            Some(Outcome::Checked) => "checked",
            Some(Outcome::Attention) => "needs attention",
            None => "not started",
        }
    }
}

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
    /// What happened.
    pub outcome: Outcome,
}

const HEADER: [&str; 7] =
    ["time", "customer_id", "step", "target", "outcome", "http_status", "request_id"];

/// Reads results files (in the order given; later rows are later events).
pub fn read(paths: &[std::path::PathBuf]) -> Result<Vec<ResultRow>> {
    let mut rows = Vec::new();
    for path in paths {
        read_file(path, &mut rows)?;
    }
    // Stable: rows of one second keep file order.
    rows.sort_by(|a, b| a.time.cmp(&b.time));
    Ok(rows)
}

/// A results cell as the script had it: the apostrophe that keeps a spreadsheet from taking
/// `=`, `+`, `-`, `@`, a tab or a CR at the start for a formula is taken off.
fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

fn read_file(path: &std::path::Path, rows: &mut Vec<ResultRow>) -> Result<()> {
    let name = path.display().to_string();
    let bad = |message: String| Error::File { path: name.clone(), message };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| match e
        .into_kind()
    {
        csv::ErrorKind::Io(source) => Error::Read { path: name.clone(), source },
        other => bad(format!("{other:?}")),
    })?;
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| bad(format!("not a results file: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    if header != HEADER {
        return Err(bad(format!(
            "not a results file written by the migration scripts (header {})",
            header.join(",")
        )));
    }
    for (i, rec) in rdr.records().enumerate() {
        let at = || Box::new(Location::file(name.clone(), None).at(i as u64 + 2, None));
        let rec = rec.map_err(|e| Error::Value {
            location: at(),
            message: format!("unreadable row: {e}"),
        })?;
        if rec.iter().eq(HEADER) {
            // Files appended to one another repeat the header.
            continue;
        }
        let text = rec.get(4).unwrap_or_default();
        let outcome = Outcome::parse(text).ok_or_else(|| Error::Value {
            location: at(),
            message: format!(
                "{text:?} is not an outcome (done, skipped-already-done, dry-run, failed; ok, attention for the pre-flight)"
            ),
        })?;
        rows.push(ResultRow {
            time: rec.get(0).unwrap_or_default().to_string(),
            customer_id: rec.get(1).unwrap_or_default().to_lowercase(),
            step: rec.get(2).unwrap_or_default().to_string(),
            target: unguarded(rec.get(3).unwrap_or_default()).to_lowercase(),
            outcome,
        });
    }
    Ok(())
}

/// Latest outcome per (customer, step, target).
type Latest = BTreeMap<(String, String, String), Outcome>;

/// The report: one block per customer, in the plan's order.
pub fn report(plan: &Plan, rows: &[ResultRow]) -> String {
    let mut latest: Latest = BTreeMap::new();
    for r in rows {
        latest.insert((r.customer_id.clone(), r.step.clone(), r.target.clone()), r.outcome);
    }
    let mut s = String::new();
    let mut finished = 0;
    for c in &plan.customers {
        if customer(&mut s, c, (rows, &latest), &plan.profile.name) {
            finished += 1;
        }
    }
    let _ = writeln!(s, "{} of {} customer(s) finished", finished, plan.customers.len());
    for w in strangers(plan, rows) {
        let _ = writeln!(s, "warning: {w}");
    }
    s
}

/// Results rows the plan has no place for: customers it does not plan, subscriptions step C
/// would not suspend, users step B would not move (results of another plan, or edited). Each
/// customer, subscription or user once, with its count of rows.
fn strangers(plan: &Plan, rows: &[ResultRow]) -> Vec<String> {
    let planned: BTreeMap<String, &CustomerPlan> =
        plan.customers.iter().map(|c| (c.customer_id.to_lowercase(), c)).collect();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows {
        let what = match planned.get(&r.customer_id) {
            None => format!("customer {} is not in the plan", r.customer_id),
            Some(c) if r.step == "C" => {
                let ours = c
                    .expiring_subscriptions
                    .iter()
                    .any(|s| s.subscription_id.eq_ignore_ascii_case(&r.target));
                if ours {
                    continue;
                }
                format!(
                    "subscription {} is not one the plan retires for customer {}",
                    r.target, r.customer_id
                )
            }
            Some(c) if r.step == "B" && c.seats_basis == SeatsBasis::Users => {
                // Rows about the tenant as a whole, not a user, are in parentheses.
                let ours = r.target.starts_with('(')
                    || c.users.iter().any(|u| u.upn.eq_ignore_ascii_case(&r.target));
                if ours {
                    continue;
                }
                format!(
                    "user {} is not one the plan moves for customer {}",
                    r.target, r.customer_id
                )
            }
            Some(_) => continue,
        };
        *seen.entry(what).or_default() += 1;
    }
    seen.into_iter()
        .map(|(what, n)| format!("results have {n} row(s) the plan does not explain: {what}"))
        .collect()
}

/// What the customer's latest pre-flight found (a pre-flight starts with its access checks, so
/// findings of earlier runs that were put right since are not shown), when one ran.
fn preflight(s: &mut String, id: &str, rows: &[ResultRow]) {
    const STARTS: [&str; 4] = ["(customer)", "(licences)", "(users)", "(access)"];
    let mut latest: BTreeMap<&str, Outcome> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.customer_id == id && r.step == "P") {
        if STARTS.contains(&r.target.as_str()) {
            latest.clear();
        }
        latest.insert(r.target.as_str(), r.outcome);
    }
    if latest.is_empty() {
        return;
    }
    let open: Vec<&str> = latest
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Attention | Outcome::Failed))
        .map(|(t, _)| *t)
        .collect();
    if open.is_empty() {
        let _ = writeln!(s, "  P (pre-flight): nothing found");
    } else {
        let _ = writeln!(s, "  P (pre-flight): needs attention: {}", open.join(", "));
    }
}

/// Where a customer's step A stands: the latest row of its step A, whatever its target; for a
/// plan of several offers, each offer's (rows name it, or the subscription step A increases).
struct StepA<'a> {
    /// The step's outcome.
    outcome: Option<Outcome>,
    /// Each offer's, for a plan of several (empty for one offer).
    each: Vec<(&'a str, Option<Outcome>)>,
}

impl<'a> StepA<'a> {
    fn of(
        c: &'a CustomerPlan,
        latest: Option<Outcome>,
        of: &dyn Fn(&str, &str) -> Option<Outcome>,
    ) -> StepA<'a> {
        let each: Vec<(&str, Option<Outcome>)> = c
            .purchases
            .iter()
            .filter(|p| c.purchases.len() > 1 && p.action != PurchaseAction::None)
            .map(|p| {
                let by_id = p.subscription_id.as_deref().and_then(|s| of("A", s));
                (p.offer_name.as_str(), of("A", &p.offer_name).or(by_id))
            })
            .collect();
        let outcome = if each.is_empty() {
            latest
        } else if each.iter().all(|(_, o)| Outcome::settled(*o)) {
            Some(Outcome::Done)
        } else {
            // The first offer not settled tells where step A stands.
            each.iter().map(|(_, o)| *o).find(|o| !Outcome::settled(*o)).flatten()
        };
        StepA { outcome, each }
    }

    /// The report's line, with where the worksheet disagrees.
    fn write(&self, s: &mut String, c: &CustomerPlan) {
        let state = if c.buys_nothing() && self.outcome.is_none() {
            StepStatus::NotNeeded
        } else if self.each.is_empty() {
            Outcome::step(&[self.outcome])
        } else {
            Outcome::step(&self.each.iter().map(|(_, o)| *o).collect::<Vec<_>>())
        };
        let (action, word) = if self.each.is_empty() {
            (c.purchase.action.as_str(), Outcome::word(self.outcome).to_string())
        } else {
            let each: Vec<String> = self
                .each
                .iter()
                .map(|(offer, o)| format!("{offer}: {}", Outcome::word(*o)))
                .collect();
            ("buy", each.join("; "))
        };
        let _ = writeln!(
            s,
            "  A ({action} {}): {word}{}",
            c.target.plan,
            worksheet(state, c.steps.buy)
        );
    }
}

/// One customer's block; true when every step is done.
fn customer(
    s: &mut String,
    c: &CustomerPlan,
    (rows, latest): (&[ResultRow], &Latest),
    product: &str,
) -> bool {
    let id = c.customer_id.to_lowercase();
    let of = |step: &str, target: &str| {
        latest.get(&(id.clone(), step.to_string(), target.to_lowercase())).copied()
    };
    let name = c.customer_name.clone().unwrap_or_else(|| c.customer_id.clone());
    let latest_a =
        rows.iter().rev().find(|r| r.customer_id == id && r.step == "A").map(|r| r.outcome);
    let a = StepA::of(c, latest_a, &of);
    let known_users = c.seats_basis == SeatsBasis::Users;
    let b_rows: Vec<(&str, Option<Outcome>)> = if known_users {
        c.users.iter().map(|u| (u.upn.as_str(), of("B", &u.upn))).collect()
    } else {
        Vec::new()
    };
    let c_rows: Vec<(&str, Option<Outcome>)> = c
        .expiring_subscriptions
        .iter()
        .map(|sub| (sub.subscription_id.as_str(), of("C", &sub.subscription_id)))
        .collect();
    let users_left: Vec<&str> =
        b_rows.iter().filter(|(_, o)| !Outcome::settled(*o)).map(|(u, _)| *u).collect();
    let all_done = Outcome::settled(a.outcome)
        && users_left.is_empty()
        && c_rows.iter().all(|(_, o)| Outcome::settled(*o));
    let state = if all_done { "FINISHED" } else { "in progress" };
    let _ = writeln!(s, "{} ({}), deadline {}: {}", name, c.customer_id, c.deadline, state);
    preflight(s, &id, rows);
    let undone = rows
        .iter()
        .filter(|r| r.customer_id == id && r.step == "R" && r.outcome == Outcome::Done)
        .count();
    if undone > 0 {
        let _ = writeln!(s, "  R (rollback): {undone} change(s) undone; the steps below are as the migration left them");
    }
    a.write(s, c);
    if known_users {
        let outcomes: Vec<Option<Outcome>> = b_rows.iter().map(|(_, o)| *o).collect();
        let b_state =
            if b_rows.is_empty() { StepStatus::NotNeeded } else { Outcome::step(&outcomes) };
        let marked = worksheet(b_state, c.steps.move_users);
        step_b_users(s, (&b_rows, &users_left), marked, product);
        users_marked_otherwise(s, c, &b_rows);
    } else {
        let found: Vec<&ResultRow> =
            rows.iter().filter(|r| r.customer_id == id && r.step == "B").collect();
        let done = found.iter().filter(|r| Outcome::settled(Some(r.outcome))).count();
        let _ = writeln!(
            s,
            "  B: users found at run time: {} row(s), {} done or already done",
            found.len(),
            done
        );
    }
    let c_outcomes: Vec<Option<Outcome>> = c_rows.iter().map(|(_, o)| *o).collect();
    for (sub, o) in &c_rows {
        let _ = writeln!(s, "  C (suspend {}): {}", sub, Outcome::word(*o));
    }
    let c_marked = worksheet(Outcome::step(&c_outcomes), c.steps.suspend);
    if !c_marked.is_empty() {
        let _ = writeln!(s, "  C:{c_marked}");
    }
    all_done
}

/// What the worksheet (as `plan.json` carries it) says of a step, when the results say
/// otherwise; nothing when they agree.
fn worksheet(results: StepStatus, marked: StepStatus) -> String {
    if results == marked {
        String::new()
    } else {
        format!(" (results: {}; the worksheet says {})", results.label(), marked.label())
    }
}

/// The users whose status in the worksheet differs from what their results say.
fn users_marked_otherwise(s: &mut String, c: &CustomerPlan, b_rows: &[(&str, Option<Outcome>)]) {
    let differ: Vec<String> = c
        .users
        .iter()
        .zip(b_rows)
        .filter_map(|(u, (_, o))| {
            let results = Outcome::step(&[*o]);
            (results != u.status).then(|| {
                format!("{} (results: {}; worksheet: {})", u.upn, results.label(), u.status.label())
            })
        })
        .collect();
    if !differ.is_empty() {
        let _ = writeln!(s, "     the worksheet marks otherwise: {}", differ.join(", "));
    }
}

/// Step B of a customer whose users the plan lists.
fn step_b_users(
    s: &mut String,
    (b_rows, users_left): (&[(&str, Option<Outcome>)], &[&str]),
    marked: String,
    product: &str,
) {
    let count = |want: Outcome| b_rows.iter().filter(|(_, o)| *o == Some(want)).count();
    let _ = writeln!(
        s,
        "  B: {} user(s): {} done, {} already done, {} failed, {} dry run only, {} not started{marked}",
        b_rows.len(),
        count(Outcome::Done),
        count(Outcome::AlreadyDone),
        count(Outcome::Failed),
        count(Outcome::DryRun),
        b_rows.iter().filter(|(_, o)| o.is_none()).count()
    );
    if !users_left.is_empty() {
        let _ = writeln!(s, "     still on {product}: {}", users_left.join(", "));
    }
}

#[cfg(test)]
mod guard_tests {
    use super::unguarded;

    #[test]
    fn the_formula_guard_is_taken_off_only_before_a_formula_start() {
        assert_eq!(unguarded("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unguarded("'-x@y"), "-x@y");
        assert_eq!(unguarded("'o'brien@x"), "'o'brien@x");
        assert_eq!(unguarded("a@x"), "a@x");
    }
}
