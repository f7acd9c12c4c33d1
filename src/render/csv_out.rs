//! The CSV outputs: `worksheet.csv` (one row per customer), `users.csv` (one row per user
//! licence change), `rejected.csv` and `filtered.csv` (input rows not used, with why).
//!
//! Text that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`) is
//! prefixed with `'`, since these files are opened in Excel.

use std::io::Write;

use crate::error::{Error, Rejection, Result};
use crate::escape::csv_cell;
use crate::ingest::FilteredRow;
use crate::plan::{Plan, SeatsBasis, UserAction};

fn csv_err(e: csv::Error) -> Error {
    Error::Internal(format!("cannot write CSV: {e}"))
}

fn opt(s: &Option<String>) -> String {
    s.as_deref().map(csv_cell).unwrap_or_default()
}

fn writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new().from_writer(out)
}

/// `worksheet.csv`: one row per customer.
pub fn write_worksheet(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let mut w = writer(out);
    w.write_record([
        "customer_id",
        "customer_name",
        "account_manager",
        "segment",
        "deadline",
        "days_left",
        "urgency",
        "lapsed",
        "expiring_subscriptions",
        "current_seats",
        "users_to_move",
        "users_remove_only",
        "seats_to_buy",
        "seats_basis",
        "target_plan",
        "step_a",
        "reason",
        "notes",
    ])
    .map_err(csv_err)?;
    for c in &plan.customers {
        let subs: Vec<&str> =
            c.expiring_subscriptions.iter().map(|s| s.subscription_id.as_str()).collect();
        w.write_record([
            c.customer_id.clone(),
            opt(&c.customer_name),
            opt(&c.account_manager),
            opt(&c.segment),
            c.deadline.to_string(),
            c.days_left.to_string(),
            c.urgency.label().to_string(),
            if c.lapsed { "yes" } else { "no" }.to_string(),
            csv_cell(&subs.join(";")),
            c.current_seats.to_string(),
            c.users_to_move.len().to_string(),
            c.users_remove_only.len().to_string(),
            c.seats_to_buy.to_string(),
            match c.seats_basis {
                SeatsBasis::Users => "users",
                SeatsBasis::SubscriptionSeats => "subscription seats",
            }
            .to_string(),
            c.target.plan.clone(),
            step_a_all(&c.purchases),
            c.target.reason_text.clone(),
            csv_cell(&c.notes.join(" ")),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| Error::Internal(e.to_string()))
}

/// Step A in a few words.
pub fn step_a(p: &crate::plan::Purchase) -> String {
    use crate::plan::PurchaseAction;
    match p.action {
        PurchaseAction::Buy => format!("buy {} x {}", p.seats, p.offer_name),
        PurchaseAction::Increase => format!(
            "increase subscription {} from {} to {} seats",
            p.subscription_id.as_deref().unwrap_or_default(),
            p.current_quantity.unwrap_or_default(),
            p.new_quantity.unwrap_or_default()
        ),
        PurchaseAction::None => "nothing to buy".to_string(),
    }
}

/// Step A of every offer of the target plan in a few words ("buy 3 x Office 365 E3; buy 3 x
/// Microsoft Teams Phone Standard"); for one offer, as `step_a`.
pub fn step_a_all(purchases: &[crate::plan::Purchase]) -> String {
    use crate::plan::PurchaseAction;
    if let [p] = purchases {
        return step_a(p);
    }
    if purchases.iter().all(|p| p.action == PurchaseAction::None) {
        return "nothing to buy".to_string();
    }
    let each: Vec<String> = purchases
        .iter()
        .map(|p| match p.action {
            PurchaseAction::Buy => step_a(p),
            _ => format!("{}: {}", p.offer_name, step_a(p)),
        })
        .collect();
    each.join("; ")
}

/// `users.csv`: one row per user licence change.
pub fn write_users(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let mut w = writer(out);
    w.write_record([
        "customer_id",
        "customer_name",
        "deadline",
        "upn",
        "display_name",
        "action",
        "remove_licence",
        "assign_licence",
        "covered_by",
    ])
    .map_err(csv_err)?;
    for c in &plan.customers {
        for u in &c.users {
            w.write_record([
                c.customer_id.clone(),
                opt(&c.customer_name),
                c.deadline.to_string(),
                csv_cell(&u.upn),
                opt(&u.display_name),
                match u.action {
                    UserAction::Move => "move",
                    UserAction::RemoveOnly => "remove only",
                }
                .to_string(),
                csv_cell(&u.remove_licence),
                csv_cell(&u.assign_licences.join(";")),
                opt(&u.covered_by),
            ])
            .map_err(csv_err)?;
        }
    }
    w.flush().map_err(|e| Error::Internal(e.to_string()))
}

/// `rejected.csv`: every rejected input row with its reason.
pub fn write_rejected(rejections: &[Rejection], out: &mut dyn Write) -> Result<()> {
    let mut w = writer(out);
    w.write_record(["file", "sheet", "row", "column", "header", "reason"]).map_err(csv_err)?;
    for r in rejections {
        let l = &r.location;
        w.write_record([
            csv_cell(&l.file),
            opt(&l.sheet),
            l.row.to_string(),
            l.col.as_ref().map(|c| c.letter()).unwrap_or_default(),
            l.col.as_ref().map(|c| csv_cell(&c.header)).unwrap_or_default(),
            csv_cell(&r.reason),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(|e| Error::Internal(e.to_string()))
}

/// `filtered.csv`: the Kaizala Pro rows left out of the plan, with why.
pub fn write_filtered(rows: &[FilteredRow], product: &str, out: &mut dyn Write) -> Result<()> {
    let mut w = writer(out);
    w.write_record(["file", "sheet", "row", "reason"]).map_err(csv_err)?;
    for r in rows {
        let l = &r.location;
        let reason = r.reason.text(product);
        w.write_record([csv_cell(&l.file), opt(&l.sheet), l.row.to_string(), reason])
            .map_err(csv_err)?;
    }
    w.flush().map_err(|e| Error::Internal(e.to_string()))
}

/// The term and billing of a new subscription in a few words (`1 year, billed monthly`);
/// `None` when step A buys no new subscription.
pub fn terms(p: &crate::plan::Purchase) -> Option<String> {
    Some(format!("{}, billed {}", p.term?.words(), p.billing?.as_str()))
}

/// An alternative to buying, in one sentence, against the customer's purchase as planned, with
/// its cost change in `currency`.
pub fn alternative(
    a: &crate::plan::Alternative,
    planned: &crate::plan::CustomerPlan,
    currency: Option<&str>,
) -> String {
    let money = |m: rust_decimal::Decimal| match currency {
        Some(cur) => format!("{m} {cur}"),
        None => m.to_string(),
    };
    let cost = match &a.change_monthly {
        Some(change) if change.0.is_sign_negative() && !change.0.is_zero() => {
            format!("saves {} a month", money(-change.0))
        }
        Some(change) if change.0.is_zero() => "costs the same".to_string(),
        Some(change) => format!("costs {} more a month", money(change.0)),
        None if a.seats_to_buy == 0 => "no new seats to pay for".to_string(),
        None => "cost change: no price".to_string(),
    };
    let needed = a.covers + a.seats_to_buy;
    let covers = if a.seats_to_buy == 0 {
        format!("cover all {needed} seat(s) needed, nothing to buy")
    } else {
        format!("cover {} of the {needed} seat(s) needed, {} to buy", a.covers, a.seats_to_buy)
    };
    format!(
        "{}: {} spare seat(s) on subscription {} {covers}, instead of {} x {}; {cost}",
        a.plan, a.spare_seats, a.subscription_id, planned.seats_to_buy, planned.target.plan
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("@sum"), "'@sum");
        assert_eq!(csv_cell("Contoso"), "Contoso");
    }
}
