//! `cost-report.csv`: one row per customer, formula-safe text cells.

use std::io::Write;

use crate::error::{Error, Result};
use crate::escape::csv_cell;
use crate::money::Money;
use crate::plan::{CostSide, CustomerPlan, Plan};

fn werr(e: std::io::Error) -> Error {
    Error::Internal(format!("cannot write the cost report: {e}"))
}

fn money_opt(m: Option<Money>) -> String {
    m.map(|m| m.to_string()).unwrap_or_default()
}

fn line_source(c: &CustomerPlan, side: CostSide) -> String {
    c.cost
        .lines
        .iter()
        .filter(|l| l.side == side)
        .map(|l| l.price_source.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Header of `cost-report.csv` (for Kaizala Pro: another profile's product names the seats
/// column).
pub const CSV_HEADER: [&str; 23] = [
    "customer_id",
    "customer_name",
    "account_manager",
    "target_plan",
    "urgency",
    "deadline",
    "deadline_month",
    "currency",
    "kaizala_pro_seats",
    "seats_to_migrate",
    "seats_to_buy",
    "purchase_action",
    "current_monthly",
    "target_monthly",
    "delta_monthly",
    "delta_annual",
    "users_remove_only",
    "remove_only_saving_monthly",
    "lines_without_price",
    "current_price_source",
    "target_price_source",
    "complete",
    "new_commerce_remaining_term",
];

/// `cost-report.csv`: one row per customer, amounts as exact decimal strings; an amount with no
/// price is empty and its price source says "no price". Text Excel would take for a formula is
/// prefixed with `'` (amounts are not text and keep their sign).
pub fn write_csv(plan: &Plan, w: &mut dyn Write) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let cerr = |e: csv::Error| Error::Internal(format!("cannot write the cost report: {e}"));
    // The retiring product's seats, by its name (`kaizala_pro_seats`).
    let seats: String = plan
        .profile
        .name
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect::<String>()
        + "_seats";
    let header = CSV_HEADER.map(|h| if h == "kaizala_pro_seats" { seats.as_str() } else { h });
    out.write_record(header).map_err(cerr)?;
    for c in &plan.customers {
        let k = &c.cost;
        out.write_record([
            c.customer_id.clone(),
            csv_cell(c.customer_name.as_deref().unwrap_or_default()),
            csv_cell(c.account_manager.as_deref().unwrap_or_default()),
            c.target.plan.clone(),
            c.urgency.label().to_string(),
            c.deadline.to_string(),
            c.deadline.format("%Y-%m").to_string(),
            k.currency.clone().unwrap_or_default(),
            c.current_seats.to_string(),
            c.seats_needed.to_string(),
            c.seats_to_buy.to_string(),
            // One action per offer of the target plan ("buy+increase"), in its order.
            c.purchases.iter().map(|p| p.action.as_str()).collect::<Vec<_>>().join("+"),
            money_opt(k.current_monthly),
            money_opt(k.target_monthly),
            money_opt(k.delta_monthly),
            money_opt(k.delta_annual),
            c.users_remove_only.len().to_string(),
            money_opt(k.remove_only_saving_monthly),
            k.lines_without_price.to_string(),
            csv_cell(&line_source(c, CostSide::Current)),
            csv_cell(&line_source(c, CostSide::Target)),
            if k.lines_without_price == 0 { "yes" } else { "no" }.to_string(),
            money_opt(k.remaining_term),
        ])
        .map_err(cerr)?;
    }
    out.flush().map_err(werr)
}
