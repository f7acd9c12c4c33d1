//! The short text summary `plan` and `check` print: per file, how it was read and where every
//! row went; then the plan's totals and warnings.

use std::fmt::Write as _;

use crate::ingest::Ledger;
use crate::plan::{Plan, SeatsBasis};

/// A count with thousands separators, as a person reads it: `2,200,024`.
pub fn count(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Per-file accounting, with the column mapping when `mapping` is set; reasons name the
/// profile's `product`.
pub fn files(ledger: &Ledger, mapping: bool, product: &str) -> String {
    let mut s = String::new();
    for f in &ledger.files {
        let filtered: u64 = f.filtered.values().sum();
        let _ = writeln!(s, "{}: {} ({})", f.location.source_name(), f.layout, f.format);
        let _ = writeln!(
            s,
            "  {} rows read = {} used + {} filtered out + {} rejected",
            count(f.rows_read),
            count(f.used),
            count(filtered),
            count(f.rejected)
        );
        for (reason, &n) in &f.filtered {
            let reason = reason.replace(crate::ingest::KAIZALA_PRO, product);
            let _ = writeln!(s, "    filtered out: {} {reason}", count(n));
        }
        for note in &f.notes {
            let _ = writeln!(s, "  note: {note}");
        }
        if mapping {
            for (field, col) in &f.mapping.fields {
                let _ = writeln!(s, "  column {} {:?} -> {field}", col.letter(), col.header);
            }
            for col in &f.mapping.ignored {
                let _ = writeln!(s, "  column {} {:?} ignored", col.letter(), col.header);
            }
        }
    }
    let (read, accounted) = ledger.totals();
    let _ = writeln!(
        s,
        "all files: {} rows read, {} accounted for, {} rejected",
        count(read),
        count(accounted),
        count(ledger.rejections.len() as u64)
    );
    s
}

/// Licence names that are neither Kaizala Pro nor a plan with Kaizala, most held first; at
/// most `limit` of them (all when `None`).
pub fn unrecognised_licences(
    names: &std::collections::BTreeMap<String, u64>,
    limit: Option<usize>,
    (product, service): (&str, &str),
) -> String {
    if names.is_empty() {
        return String::new();
    }
    let mut sorted: Vec<(&String, &u64)> = names.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown = limit.unwrap_or(sorted.len()).min(sorted.len());
    let mut s = format!(
        "{} licence name(s) neither {product} nor a plan that includes {service} (check for a localized name the tables miss):\n",
        count(names.len() as u64)
    );
    for (name, n) in &sorted[..shown] {
        let _ = writeln!(s, "  {name} ({} user(s))", count(**n));
    }
    if shown < sorted.len() {
        let more = count((sorted.len() - shown) as u64);
        let _ = writeln!(s, "  ... and {more} more (`check` lists all)");
    }
    s
}

/// The plan's totals.
pub fn plan(plan: &Plan) -> String {
    let t = &plan.summary;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "as of {}, horizon {} days (to {}): {} customer(s) to migrate ({} lapsed), {} expiring subscription(s), {} {} seat(s)",
        plan.as_of,
        count(plan.horizon_days),
        plan.horizon_end,
        count(t.customers),
        count(t.lapsed_customers),
        count(t.expiring_subscriptions),
        count(t.current_seats),
        plan.profile.name
    );
    let _ = writeln!(
        s,
        "users to move: {}, remove-only users: {}, seats to buy: {}",
        count(t.users_to_move),
        count(t.users_remove_only),
        count(t.seats_to_buy)
    );
    if !plan.unmatched_users.is_empty() {
        s.push_str(&unmatched_users(plan));
    }
    s
}

/// The customers no users file has rows for: their seats to buy are an estimate.
fn without_user_rows(plan: &Plan) -> impl Iterator<Item = &crate::plan::CustomerPlan> {
    plan.customers.iter().filter(|c| c.seats_basis == SeatsBasis::SubscriptionSeats)
}

/// The users linked to no customer, the first few named, and how to link them.
fn unmatched_users(plan: &Plan) -> String {
    const NAMED: usize = 10;
    let users = &plan.unmatched_users;
    let more = match users.len().saturating_sub(NAMED) {
        0 => String::new(),
        n => format!(" and {} more (plan.json, unmatched_users)", count(n as u64)),
    };
    let named: Vec<&str> = users.iter().take(NAMED).map(String::as_str).collect();
    let mut s = format!(
        "{} {} user(s) match no customer: {}{more}\n",
        count(users.len() as u64),
        plan.profile.name,
        named.join(", ")
    );
    // The usual cause: an admin-center export (no customer column) whose domains are not in
    // the subscriptions files. Its customer can be named after '='.
    let without_users: Vec<&str> =
        without_user_rows(plan).map(|c| c.customer_id.as_str()).collect();
    let example = match without_users.as_slice() {
        [only] => format!("--users users.csv={only} (the one customer planned without users)"),
        _ => "--users users.csv=CUSTOMER_ID".to_string(),
    };
    let _ = writeln!(
        s,
        "  to link an admin-center export that has no customer column, name its customer after '=': {example}"
    );
    s
}

/// Monthly cost today and after, per currency (a sum that only unpriced lines make is "no
/// price"), and which customers' seat counts are estimates.
pub fn costs_and_estimates(plan: &Plan) -> String {
    let mut s = String::new();
    let shown = |m: Option<crate::money::Money>, cur: &str| match m {
        Some(m) => format!("{} {cur}", crate::render::cost::grouped(&m.to_string())),
        None => "no price".to_string(),
    };
    for g in &plan.cost_totals.overall {
        let cur = g.currency.as_deref().unwrap_or(crate::render::cost::NO_CURRENCY);
        let [today, after, delta, annual, _] = crate::render::cost::group_sums(g);
        if today.is_none() && after.is_none() {
            let n = count(g.lines_without_price);
            let _ = writeln!(
                s,
                "cost per month ({cur}, {} customer(s)): no price for any of its {n} line(s)",
                count(g.customers)
            );
            continue;
        }
        let _ = write!(
            s,
            "cost per month ({cur}, {} customer(s)): today {}, after {}, change {} ({} a year)",
            count(g.customers),
            shown(today, cur),
            shown(after, cur),
            shown(delta, cur),
            shown(annual, cur)
        );
        if g.lines_without_price > 0 {
            let _ =
                write!(s, "; {} line(s) without a price left out", count(g.lines_without_price));
        }
        s.push('\n');
    }
    let estimated: Vec<&str> = without_user_rows(plan)
        .map(|c| c.customer_name.as_deref().unwrap_or(&c.customer_id))
        .collect();
    if !estimated.is_empty() {
        let named: Vec<&str> = estimated.iter().take(5).copied().collect();
        let more = match estimated.len().saturating_sub(named.len()) {
            0 => String::new(),
            n => format!(" and {} more", count(n as u64)),
        };
        let _ = writeln!(
            s,
            "estimates: {} customer(s) have no users rows, so their seats to buy are the subscriptions' seat counts: {}{more}",
            count(estimated.len() as u64),
            named.join(", ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(super::count(0u64), "0");
        assert_eq!(super::count(999u64), "999");
        assert_eq!(super::count(1_000u64), "1,000");
        assert_eq!(super::count(2_200_024u64), "2,200,024");
        assert_eq!(super::count(u64::MAX), "18,446,744,073,709,551,615");
    }
}
