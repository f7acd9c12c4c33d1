//! Subscriptions files: every layout in one reader, rows merged per subscription id.
//!
//! Owns: turning a subscriptions table into `SubscriptionRecord`s, the per-column decisions
//! (day/month order, decimal mark), the layout name shown to users, and merging rows that
//! describe the same subscription (identical values merge silently, conflicting ones reject the
//! later row naming both places; reconciliation charge rows take their seat count from the
//! latest cycle charge).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::values::{self, DateHint, DateOrder, DecimalMark, NumberHint};
use super::{
    open_table, CustomerInfo, IngestOptions, Ingested, Kind, Origin, Status, SubscriptionRecord,
};
use crate::error::{Error, Result};
use crate::source::{Cell, Input, Row};

/// Reads one subscriptions file into `ing`.
pub fn read_subscriptions(input: &Input, opts: &IngestOptions, ing: &mut Ingested) -> Result<()> {
    let mut table = open_table(input, Kind::Subscriptions, opts, &mut ing.ledger)?;
    let file = table.file;
    let mut rows = Vec::new();
    while let Some(row) = table.next() {
        rows.push(row?);
    }
    let m = table.mapping.clone();
    let layout = layout_name(&m);
    {
        let report = &mut ing.ledger.files[file];
        report.rows_read = rows.len() as u64;
        report.layout = layout.to_string();
        report.notes.extend(table.reader.notes());
    }
    if m.col("auto_renew").is_none() {
        ing.files_without_auto_renew.push(ing.ledger.files[file].location.source_name());
        ing.ledger.files[file].notes.push(
            "no auto-renew column: the end date alone marks a subscription as expiring".into(),
        );
    }

    // Column-wide decisions, from all the column's values.
    let mut orders = BTreeMap::new();
    let mut file_evidence = None;
    for field in ["end_date", "start_date", "charge_start"] {
        if let Some(col) = m.col(field) {
            let ev = date_evidence(&rows, col.index);
            if let Some((o, _)) = &ev.decided {
                file_evidence.get_or_insert(*o);
            }
            orders.insert(field, ev);
        }
    }
    let mut order_of = BTreeMap::new();
    for (field, ev) in &orders {
        let col = m.col(field).cloned();
        let loc = ing.ledger.files[file].location.at(0, col);
        if let (Some(dmy), Some(mdy)) = (&ev.dmy_example, &ev.mdy_example) {
            return Err(Error::MixedDates {
                location: Box::new(loc),
                dmy: dmy.clone(),
                mdy: mdy.clone(),
            });
        }
        let order = ev.decided.as_ref().map(|(o, _)| *o).or(file_evidence).or(opts.date_order);
        match (order, &ev.ambiguous_example) {
            (None, Some(example)) => {
                return Err(Error::AmbiguousDates {
                    location: Box::new(loc),
                    example: example.clone(),
                })
            }
            (Some(o), Some(_)) if ev.decided.is_none() => {
                let how = if file_evidence.is_some() {
                    "from the file's other date columns"
                } else {
                    "from --date-order"
                };
                ing.ledger.files[file].notes.push(format!(
                    "{} read as {} {how}",
                    loc.col.as_ref().map(|c| c.header.clone()).unwrap_or_default(),
                    if o == DateOrder::Dmy { "day/month" } else { "month/day" }
                ));
            }
            _ => {}
        }
        order_of.insert(*field, order);
    }
    let price_mark = m.col("unit_price").and_then(|c| number_mark(&rows, c.index));

    let ctx = RowContext { m: &m, order_of: &order_of, price_mark };
    for row in &rows {
        let origin = Origin { file, row: row.number };
        match parse_row(row, &ctx) {
            Ok(parsed) => merge(parsed, origin, ing),
            Err((field, reason)) => {
                let col = ing.ledger.col(file, field);
                ing.ledger.rejected(origin, col, reason);
            }
        }
    }
    Ok(())
}

/// The layout a header looks like, for the summary.
fn layout_name(m: &super::Mapping) -> &'static str {
    let has = |f: &str, h: &str| {
        m.col(f).is_some_and(|c| values::normalize_header(&c.header) == values::normalize_header(h))
    };
    if has("subscription_id", "SyndicationPartnerSubscriptionNumber") {
        "legacy license-based reconciliation file"
    } else if m.col("charge_type").is_some() {
        "new commerce reconciliation file"
    } else if has("subscription_id", "LegacySubscriptionId") {
        "New Commerce batch migration tool subscriptions.csv"
    } else if has("end_date", "CommitmentEndDate") || has("end_date", "CommitmentEndDateTime") {
        "Partner Center subscription export (API fields)"
    } else {
        "subscriptions table"
    }
}

#[derive(Default)]
struct DateEvidence {
    decided: Option<(DateOrder, String)>,
    dmy_example: Option<String>,
    mdy_example: Option<String>,
    ambiguous_example: Option<String>,
}

fn date_evidence(rows: &[Row], index: usize) -> DateEvidence {
    let mut ev = DateEvidence::default();
    for row in rows {
        if let Cell::Text(t) = row.cell(index) {
            match values::date_hint(t) {
                DateHint::Only(DateOrder::Dmy) => {
                    ev.dmy_example.get_or_insert_with(|| t.clone());
                }
                DateHint::Only(DateOrder::Mdy) => {
                    ev.mdy_example.get_or_insert_with(|| t.clone());
                }
                DateHint::Ambiguous => {
                    ev.ambiguous_example.get_or_insert_with(|| t.clone());
                }
                DateHint::Either | DateHint::Invalid => {}
            }
        }
    }
    ev.decided = match (&ev.dmy_example, &ev.mdy_example) {
        (Some(e), None) => Some((DateOrder::Dmy, e.clone())),
        (None, Some(e)) => Some((DateOrder::Mdy, e.clone())),
        _ => None,
    };
    ev
}

/// The decimal mark a column's values agree on; `None` when they do not say.
fn number_mark(rows: &[Row], index: usize) -> Option<DecimalMark> {
    let mut point = false;
    let mut comma = false;
    for row in rows {
        if let Cell::Text(t) = row.cell(index) {
            match values::number_hint(t) {
                NumberHint::Only(DecimalMark::Point) => point = true,
                NumberHint::Only(DecimalMark::Comma) => comma = true,
                _ => {}
            }
        }
    }
    match (point, comma) {
        (true, false) => Some(DecimalMark::Point),
        (false, true) => Some(DecimalMark::Comma),
        _ => None,
    }
}

struct RowContext<'a> {
    m: &'a super::Mapping,
    order_of: &'a BTreeMap<&'static str, Option<DateOrder>>,
    price_mark: Option<DecimalMark>,
}

/// One row's values before merging.
struct Parsed {
    record: SubscriptionRecord,
    info: CustomerInfo,
    /// The charge type, for reconciliation rows.
    charge: Option<(bool, Option<NaiveDate>)>,
}

type RowError = (&'static str, String);

impl RowContext<'_> {
    fn text(&self, row: &Row, field: &str) -> Option<String> {
        let col = self.m.col(field)?;
        let t = row.cell(col.index).text();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    fn required(&self, row: &Row, field: &'static str) -> Result<String, RowError> {
        self.text(row, field).ok_or((field, "empty, but the value is required".to_string()))
    }

    fn date(&self, row: &Row, field: &'static str) -> Result<Option<NaiveDate>, RowError> {
        let Some(col) = self.m.col(field) else { return Ok(None) };
        let order = self.order_of.get(field).copied().flatten();
        match row.cell(col.index) {
            Cell::Empty => Ok(None),
            Cell::Date(d) => Ok(Some(*d)),
            Cell::Number(n) => values::excel_serial_date(*n)
                .map(Some)
                .ok_or((field, format!("{} is not a date", crate::source::format_number(*n)))),
            Cell::Text(t) if t.trim().is_empty() => Ok(None),
            Cell::Text(t) => values::parse_date(t, order)
                .map(Some)
                .ok_or((field, format!("{:?} is not a date", t.trim()))),
            other => Err((field, format!("{:?} is not a date", other.text()))),
        }
    }
}

fn parse_row(row: &Row, ctx: &RowContext) -> Result<Parsed, RowError> {
    let raw_customer = ctx.required(row, "customer_id")?;
    let customer_id = values::parse_guid(&raw_customer)
        .ok_or(("customer_id", format!("{raw_customer:?} is not a customer tenant id (a GUID)")))?;
    let raw_sub = ctx.required(row, "subscription_id")?;
    let subscription_id = values::parse_guid(&raw_sub).unwrap_or(raw_sub);
    let offer_name = ctx.text(row, "offer_name");
    let offer_id = ctx.text(row, "offer_id").map(|id| values::parse_guid(&id).unwrap_or(id));
    if offer_name.is_none() && offer_id.is_none() {
        let field = if ctx.m.col("offer_name").is_some() { "offer_name" } else { "offer_id" };
        return Err((field, "no offer name or offer id".to_string()));
    }
    let quantity = match ctx.m.col("quantity").map(|c| row.cell(c.index)) {
        Some(Cell::Number(n)) if *n >= 0.0 && n.fract() == 0.0 => *n as u64,
        Some(cell) => {
            let t = cell.text();
            if t.trim().is_empty() {
                return Err(("quantity", "empty, but the value is required".to_string()));
            }
            values::parse_whole(&t)
                .ok_or(("quantity", format!("{:?} is not a whole number of seats", t.trim())))?
        }
        None => return Err(("quantity", "no quantity column".to_string())),
    };
    let end_date = ctx
        .date(row, "end_date")?
        .ok_or(("end_date", "empty, but the value is required".to_string()))?;
    let auto_renew = match ctx.m.col("auto_renew").map(|c| row.cell(c.index)) {
        None | Some(Cell::Empty) => None,
        Some(Cell::Bool(b)) => Some(*b),
        Some(cell) => {
            let t = cell.text();
            if t.trim().is_empty() {
                None
            } else {
                Some(
                    values::parse_bool(&t)
                        .ok_or(("auto_renew", format!("{:?} is not a yes/no value", t.trim())))?,
                )
            }
        }
    };
    let status = match ctx.text(row, "status") {
        None => None,
        Some(t) => Some(Status::parse(&t).ok_or((
            "status",
            format!("{t:?} is not a subscription status (active, suspended, deleted, expired, disabled, pending)"),
        ))?),
    };
    let start_date = ctx.date(row, "start_date")?;
    let unit_price = match ctx.m.col("unit_price").map(|c| row.cell(c.index)) {
        None | Some(Cell::Empty) => None,
        Some(Cell::Number(n)) => Some(
            Decimal::from_str_exact(&crate::source::format_number(*n))
                .map_err(|_| ("unit_price", format!("{n} is not an amount")))?,
        ),
        Some(cell) => {
            let t = cell.text();
            let mark = match (values::number_hint(&t), ctx.price_mark) {
                (NumberHint::Only(m), _) => m,
                (NumberHint::Either, m) => m.unwrap_or(DecimalMark::Point),
                (NumberHint::Ambiguous, Some(m)) => m,
                (NumberHint::Ambiguous, None) => {
                    return Err((
                        "unit_price",
                        format!("{:?} could be a thousands group or a fraction, and no other value in the column decides it", t.trim()),
                    ))
                }
                (NumberHint::Invalid, _) if t.trim().is_empty() => DecimalMark::Point,
                (NumberHint::Invalid, _) => {
                    return Err(("unit_price", format!("{:?} is not an amount", t.trim())))
                }
            };
            if t.trim().is_empty() {
                None
            } else {
                Some(
                    values::parse_decimal(&t, mark)
                        .ok_or(("unit_price", format!("{:?} is not an amount", t.trim())))?,
                )
            }
        }
    };
    let charge = match ctx.text(row, "charge_type") {
        Some(t) => {
            let l = t.to_lowercase();
            let cycle = l.contains("cycle") || l == "new" || l == "renew";
            Some((cycle, ctx.date(row, "charge_start")?))
        }
        None => None,
    };
    let info = CustomerInfo {
        name: ctx.text(row, "customer_name"),
        domains: ctx.text(row, "domain").map(|d| d.to_lowercase()).into_iter().collect(),
        account_manager: ctx.text(row, "account_manager"),
        segment: ctx.text(row, "segment"),
    };
    Ok(Parsed {
        record: SubscriptionRecord {
            subscription_id,
            customer_id,
            offer_name,
            offer_id,
            quantity,
            end_date,
            auto_renew,
            status,
            start_date,
            billing_cycle: ctx.text(row, "billing_cycle"),
            unit_price,
            currency: ctx.text(row, "currency").map(|c| c.to_uppercase()),
            origins: Vec::new(),
        },
        info,
        charge,
    })
}

/// Merges a parsed row into the record of its subscription, or rejects it on a conflict.
fn merge(parsed: Parsed, origin: Origin, ing: &mut Ingested) {
    let Parsed { record: mut rec, info, charge } = parsed;
    let customer = ing.customers.entry(rec.customer_id.clone()).or_default();
    merge_info(customer, info);
    let key = rec.subscription_id.to_lowercase();
    let Some(&(i, _)) = ing.merge_index.get(&key) else {
        rec.origins.push(origin);
        ing.merge_index.insert(key, (ing.subscriptions.len(), charge));
        ing.subscriptions.push(rec);
        return;
    };
    let first = ing.subscriptions[i].origins[0];
    let old = &ing.subscriptions[i];
    let mut conflict: Option<(&'static str, String, String)> = None;
    macro_rules! same {
        ($field:ident, $name:literal) => {
            if conflict.is_none() && !agree(&old.$field, &rec.$field) {
                conflict = Some(($name, show(&old.$field), show(&rec.$field)));
            }
        };
    }
    if old.customer_id != rec.customer_id {
        conflict = Some(("customer_id", old.customer_id.clone(), rec.customer_id.clone()));
    }
    if old.end_date != rec.end_date && conflict.is_none() {
        conflict = Some(("end_date", old.end_date.to_string(), rec.end_date.to_string()));
    }
    same!(offer_name, "offer_name");
    same!(offer_id, "offer_id");
    same!(auto_renew, "auto_renew");
    same!(status, "status");
    same!(start_date, "start_date");
    same!(currency, "currency");
    let charge_rows =
        charge.is_some() && ing.merge_index.get(&key).is_some_and(|(_, c)| c.is_some());
    if !charge_rows {
        if conflict.is_none() && old.quantity != rec.quantity {
            conflict = Some(("quantity", old.quantity.to_string(), rec.quantity.to_string()));
        }
        same!(unit_price, "unit_price");
    }
    if let Some((field, a, b)) = conflict {
        let col = ing.ledger.col(origin.file, field);
        let reason = format!(
            "subscription {} conflicts with {}: {field} {a} there, {b} here",
            rec.subscription_id,
            ing.ledger.place(first)
        );
        ing.ledger.rejected(origin, col, reason);
        return;
    }
    let old = &mut ing.subscriptions[i];
    old.offer_name = old.offer_name.take().or(rec.offer_name);
    old.offer_id = old.offer_id.take().or(rec.offer_id);
    old.auto_renew = old.auto_renew.or(rec.auto_renew);
    old.status = old.status.or(rec.status);
    old.start_date = old.start_date.or(rec.start_date);
    old.billing_cycle = old.billing_cycle.take().or(rec.billing_cycle);
    old.currency = old.currency.take().or(rec.currency);
    if charge_rows {
        // Reconciliation files hold one row per charge: the seat count is the one of the latest
        // cycle charge (prorated and cancel rows count only the seats they change).
        let rank = |c: &Option<(bool, Option<NaiveDate>)>, q: u64| c.map(|(cy, d)| (cy, d, q));
        let Some((_, slot)) = ing.merge_index.get_mut(&key) else { return };
        if rank(&charge, rec.quantity) > rank(slot, old.quantity) {
            old.quantity = rec.quantity;
            old.unit_price = rec.unit_price.or(old.unit_price);
            *slot = charge;
        }
    } else {
        old.unit_price = old.unit_price.or(rec.unit_price);
    }
    old.origins.push(origin);
}

fn merge_info(into: &mut CustomerInfo, info: CustomerInfo) {
    if into.name.is_none() {
        into.name = info.name;
    }
    if into.account_manager.is_none() {
        into.account_manager = info.account_manager;
    }
    if into.segment.is_none() {
        into.segment = info.segment;
    }
    into.domains.extend(info.domains);
}

/// Two optional values agree when equal or when either is missing.
fn agree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn show<T: std::fmt::Debug>(v: &Option<T>) -> String {
    match v {
        Some(x) => format!("{x:?}"),
        None => "(empty)".to_string(),
    }
}
