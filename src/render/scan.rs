//! `scan` output: the expiring Kaizala Pro subscriptions as an aligned table, CSV or JSON.
//! Lapsed subscriptions come first, then by end date.

use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::plan::Plan;

/// One listed subscription.
#[derive(Debug, Clone, Serialize)]
pub struct ScanRow<'a> {
    /// LAPSED or expiring.
    pub state: &'static str,
    /// End date.
    pub end_date: String,
    /// Days from as-of.
    pub days_left: i64,
    /// Customer tenant id.
    pub customer_id: &'a str,
    /// Customer name.
    pub customer_name: &'a str,
    /// Subscription id.
    pub subscription_id: &'a str,
    /// Offer name or id.
    pub offer: &'a str,
    /// Seats.
    pub seats: u64,
}

/// The rows of the listing, in order.
pub fn rows(plan: &Plan) -> Vec<ScanRow<'_>> {
    let mut rows: Vec<ScanRow> = plan
        .customers
        .iter()
        .flat_map(|c| {
            c.expiring_subscriptions.iter().map(move |s| ScanRow {
                state: if s.lapsed { "LAPSED" } else { "expiring" },
                end_date: s.end_date.to_string(),
                days_left: s.days_left,
                customer_id: &c.customer_id,
                customer_name: c.customer_name.as_deref().unwrap_or(""),
                subscription_id: &s.subscription_id,
                offer: s.offer_name.as_deref().or(s.offer_id.as_deref()).unwrap_or(""),
                seats: s.quantity,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.end_date, a.customer_id, a.subscription_id).cmp(&(
            &b.end_date,
            b.customer_id,
            b.subscription_id,
        ))
    });
    rows
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("cannot write: {e}"))
}

/// An aligned text table.
pub fn write_table(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let rows = rows(plan);
    let header = [
        "STATE",
        "END DATE",
        "DAYS",
        "CUSTOMER",
        "CUSTOMER ID",
        "SUBSCRIPTION ID",
        "OFFER",
        "SEATS",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.state.to_string(),
                r.end_date.clone(),
                r.days_left.to_string(),
                r.customer_name.to_string(),
                r.customer_id.to_string(),
                r.subscription_id.to_string(),
                r.offer.to_string(),
                r.seats.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            let right = matches!(i, 2 | 7);
            let pad = w - c.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if right {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s.push('\n');
        s
    };
    out.write_all(line(&header.map(String::from)).as_bytes()).map_err(io)?;
    for row in &cells {
        out.write_all(line(row).as_bytes()).map_err(io)?;
    }
    writeln!(
        out,
        "{} expiring Kaizala Pro subscription(s) of {} customer(s), {} lapsed, as of {} (horizon {} days, to {})",
        rows.len(),
        plan.customers.len(),
        rows.iter().filter(|r| r.state == "LAPSED").count(),
        plan.as_of,
        plan.horizon_days,
        plan.horizon_end
    )
    .map_err(io)
}

/// CSV with a header row.
pub fn write_csv(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows(plan) {
        w.serialize(&r).map_err(|e| Error::Internal(e.to_string()))?;
    }
    w.flush().map_err(io)
}

/// A JSON array.
pub fn write_json(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, &rows(plan))
        .map_err(|e| Error::Internal(e.to_string()))?;
    out.write_all(b"\n").map_err(io)
}
