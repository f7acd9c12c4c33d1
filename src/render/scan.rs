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

/// An aligned text table at most `width` characters wide (a terminal's width; 100 when it is
/// not known). Too wide with whole ids, the ids are shown by their first eight characters (full
/// in `--format csv|json`); still too wide, the customer and offer names are cut with "…".
pub fn write_table(plan: &Plan, out: &mut dyn Write, width: usize) -> Result<()> {
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
    let full: Vec<[String; 8]> = rows
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
    let header = header.map(String::from);
    let mut widths = column_widths(&header, &full);
    let short_ids = table_width(&widths) > width;
    let cells: Vec<[String; 8]> = if short_ids {
        let short = |id: &str| match id.char_indices().nth(8) {
            Some((at, _)) => format!("{}…", &id[..at]),
            None => id.to_string(),
        };
        full.into_iter()
            .map(|mut r| {
                r[4] = short(&r[4]);
                r[5] = short(&r[5]);
                r
            })
            .collect()
    } else {
        full
    };
    // Short ids get short headings, so that the names keep their room.
    let header = if short_ids {
        let mut h = header;
        h[4] = "TENANT ID".into();
        h[5] = "SUB. ID".into();
        h
    } else {
        header
    };
    widths = column_widths(&header, &cells);
    fit_names(&mut widths, width);
    out.write_all(table_line(&header, &widths).as_bytes()).map_err(io)?;
    for row in &cells {
        out.write_all(table_line(row, &widths).as_bytes()).map_err(io)?;
    }
    writeln!(
        out,
        "{} expiring {} subscription(s) of {} customer(s), {} lapsed\nas of {}, horizon {} days (to {}){}",
        rows.len(),
        plan.profile.name,
        plan.customers.len(),
        rows.iter().filter(|r| r.state == "LAPSED").count(),
        plan.as_of,
        plan.horizon_days,
        plan.horizon_end,
        if short_ids { "\nwhole ids: --format csv or json" } else { "" }
    )
    .map_err(io)
}

fn column_widths(header: &[String; 8], rows: &[[String; 8]]) -> [usize; 8] {
    let mut widths = header.each_ref().map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    widths
}

fn table_width(widths: &[usize; 8]) -> usize {
    widths.iter().sum::<usize>() + 2 * (widths.len() - 1)
}

/// Narrows the customer (3) and offer (6) columns, the wider first, down to 8 characters each,
/// until the table fits `width`.
fn fit_names(widths: &mut [usize; 8], width: usize) {
    while table_width(widths) > width {
        let i = if widths[3] >= widths[6] { 3 } else { 6 };
        if widths[i] <= 8 {
            return;
        }
        widths[i] -= 1;
    }
}

/// One line of the table: numbers right-aligned, text cut with "…" to its column's width.
fn table_line(cells: &[String; 8], widths: &[usize; 8]) -> String {
    let mut s = String::new();
    for (i, (c, &w)) in cells.iter().zip(widths).enumerate() {
        let n = c.chars().count();
        let text = if n > w {
            let kept: String = c.chars().take(w.saturating_sub(1)).collect();
            format!("{kept}…")
        } else {
            c.clone()
        };
        let pad = w.saturating_sub(text.chars().count());
        if i > 0 {
            s.push_str("  ");
        }
        if matches!(i, 2 | 7) {
            s.push_str(&" ".repeat(pad));
            s.push_str(&text);
        } else {
            s.push_str(&text);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(pad));
            }
        }
    }
    s.push('\n');
    s
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
