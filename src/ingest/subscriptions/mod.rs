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

use super::values::{self, DateHint, DateOrder, DecimalMark};
use super::{ChargeRank, IngestOptions, Ingested, Kind, Origin, Status, SubscriptionRecord};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::guid::{self, GuidSet};
use crate::source::{Cell, Cells, Row};

mod passes;
pub(crate) use passes::{first_pass, second_pass};

/// What the first pass over every subscriptions file learns about Kaizala Pro.
#[derive(Default)]
pub(crate) struct KaizalaCustomers {
    /// Customers with at least one row of a Kaizala Pro offer.
    customers: GuidSet,
    /// False when some file cannot say for every row whose customer it is, or which offer:
    /// then no row is passed over.
    incomplete: bool,
    /// Each distinct (offer name, offer id) cell text seen, and whether it is Kaizala Pro.
    offers: rustc_hash::FxHashMap<String, bool>,
    /// The decisions themselves, shared with `finish`.
    pub(crate) memo: OfferMemo,
}

impl KaizalaCustomers {
    /// Takes in what pass 1 found in another part of a file (whether the file can tell is
    /// decided for the whole file, not by a part).
    fn absorb(&mut self, part: KaizalaCustomers) {
        self.customers.extend(part.customers);
        self.offers.extend(part.offers);
        self.memo.decided.extend(part.memo.decided);
    }

    /// The customers whose rows are worth keeping, when every file could tell.
    pub(crate) fn filter(&mut self) -> Option<GuidSet> {
        let customers = std::mem::take(&mut self.customers);
        (!self.incomplete).then_some(customers)
    }
}

/// Whether an offer is Kaizala Pro, decided once per distinct (name, id) in a run: pass 1 asks
/// for rows (to find the customers worth keeping), `finish` for merged records, whose verdict
/// travels on as `SubscriptionRecord::kaizala_pro`.
#[derive(Default)]
pub(crate) struct OfferMemo {
    /// Keyed by the name's length, the name and the id (absent ones empty: names and ids are
    /// trimmed and never empty), so a lookup allocates nothing.
    decided: rustc_hash::FxHashMap<String, bool>,
    key: String,
}

impl OfferMemo {
    /// Whether the offer with this (trimmed) name and (canonical) id is Kaizala Pro.
    fn is_kaizala_pro(&mut self, catalog: &Catalog, name: Option<&str>, id: Option<&str>) -> bool {
        use std::fmt::Write as _;
        self.key.clear();
        let name_text = name.unwrap_or_default();
        let _ = write!(self.key, "{}:{name_text}{}", name_text.len(), id.unwrap_or_default());
        if let Some(&k) = self.decided.get(self.key.as_str()) {
            return k;
        }
        let k = catalog.is_kaizala_pro_offer(name, id);
        self.decided.insert(self.key.clone(), k);
        k
    }
}

/// A file that lacks required columns is kept aside: other files may give those values for
/// the same subscription ids (`finish` decides).
fn note_missing_columns(
    table: &super::Table,
    has_file_customer: bool,
    opts: &IngestOptions,
    ing: &mut Ingested,
) {
    let Err(e) = table.mapping.check_required(
        Kind::Subscriptions,
        &opts.aliases,
        &table.location(),
        &table.header,
    ) else {
        return;
    };
    let missing: Vec<&'static [&'static str]> = Kind::Subscriptions
        .required()
        .iter()
        .copied()
        .filter(|any| !any.iter().any(|f| table.mapping.col(f).is_some()))
        .filter(|any| !(any == &["customer_id"] && has_file_customer))
        .collect();
    if !missing.is_empty() {
        ing.partial_files.push((missing, e));
    }
}

/// Whether a row's offer is Kaizala Pro, deciding each distinct offer once.
fn is_kaizala_row(
    row: &dyn Cells,
    cols: &Cols,
    catalog: &Catalog,
    kaizala: &mut KaizalaCustomers,
    key: &mut String,
) -> bool {
    let text = |col: Option<usize>| col.map(|i| row.text(i));
    let (name, id) = (text(cols.offer_name), text(cols.offer_id));
    key.clear();
    key.push_str(name.as_deref().unwrap_or("").trim());
    key.push('\u{1}');
    key.push_str(id.as_deref().unwrap_or("").trim());
    if let Some(&k) = kaizala.offers.get(key.as_str()) {
        return k;
    }
    let name = name.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let id = id.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let id = id.map(|i| guid::parse_guid(i).unwrap_or_else(|| i.to_string()));
    let k = kaizala.memo.is_kaizala_pro(catalog, name, id.as_deref());
    kaizala.offers.insert(key.clone(), k);
    k
}

/// The customer of a row: its customer cell, else the file's own customer.
fn row_customer(cells: &dyn Cells, cols: &Cols, file_customer: Option<u128>) -> Option<u128> {
    match cols.customer_id.and_then(|i| cells.raw(i)) {
        Some(t) if !t.trim_ascii().is_empty() => guid::guid_bits(t),
        _ => file_customer,
    }
}

/// Runs `f` on what is known of a customer, created when first met.
fn with_customer<T>(
    ing: &mut Ingested,
    customer: u128,
    f: impl FnOnce(&mut super::CustomerInfo) -> T,
) -> T {
    f(ing.customers.entry(customer).or_default())
}

/// Records one of a customer's domains.
fn note_domain(customer: u128, domain: &str, ing: &mut Ingested) {
    with_customer(ing, customer, |info| {
        if !info.domains.contains(domain) {
            info.domains.insert(domain.to_lowercase());
        }
    });
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

/// Decides the day/month order of each date column from all its values: a column decides for
/// itself when its values say, else the file's other date columns decide, else `--date-order`;
/// a column that mixes both orders, or stays ambiguous, is an error naming it.
pub(crate) fn decide_date_orders(
    evidence: &mut ColumnEvidence,
    m: &super::Mapping,
    fields: &[&'static str],
    fallback: Option<DateOrder>,
    report: &mut super::FileReport,
) -> Result<BTreeMap<&'static str, Option<DateOrder>>> {
    let mut orders = BTreeMap::new();
    let mut file_evidence = None;
    for &field in fields {
        if m.col(field).is_some() {
            let ev = evidence.take_dates(field).finish();
            if let Some((o, _)) = &ev.decided {
                file_evidence.get_or_insert(*o);
            }
            orders.insert(field, ev);
        }
    }
    let mut order_of = BTreeMap::new();
    for (field, ev) in &orders {
        let col = m.col(field).cloned();
        let loc = report.location.at(0, col);
        if let (Some(dmy), Some(mdy)) = (&ev.dmy_example, &ev.mdy_example) {
            return Err(Error::MixedDates {
                location: Box::new(loc),
                dmy: dmy.clone(),
                mdy: mdy.clone(),
            });
        }
        let order = ev.decided.as_ref().map(|(o, _)| *o).or(file_evidence).or(fallback);
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
                report.notes.push(format!(
                    "{} read as {} {how}",
                    loc.col.as_ref().map(|c| c.header.clone()).unwrap_or_default(),
                    if o == DateOrder::Dmy { "day/month" } else { "month/day" }
                ));
            }
            _ => {}
        }
        order_of.insert(*field, order);
    }
    Ok(order_of)
}

#[derive(Default)]
struct DateEvidence {
    decided: Option<(DateOrder, String)>,
    dmy_example: Option<String>,
    mdy_example: Option<String>,
    ambiguous_example: Option<String>,
}

impl DateEvidence {
    /// Takes in the evidence of later rows.
    fn merge(&mut self, later: DateEvidence) {
        self.dmy_example = self.dmy_example.take().or(later.dmy_example);
        self.mdy_example = self.mdy_example.take().or(later.mdy_example);
        self.ambiguous_example = self.ambiguous_example.take().or(later.ambiguous_example);
    }

    /// Takes one value into account.
    fn observe(&mut self, t: &str) {
        match values::date_hint(t) {
            DateHint::Only(DateOrder::Dmy) => {
                self.dmy_example.get_or_insert_with(|| t.to_string());
            }
            DateHint::Only(DateOrder::Mdy) => {
                self.mdy_example.get_or_insert_with(|| t.to_string());
            }
            DateHint::Ambiguous => {
                self.ambiguous_example.get_or_insert_with(|| t.to_string());
            }
            DateHint::Either | DateHint::Invalid => {}
        }
    }

    /// What the values seen decide.
    fn finish(mut self) -> DateEvidence {
        self.decided = match (&self.dmy_example, &self.mdy_example) {
            (Some(e), None) => Some((DateOrder::Dmy, e.clone())),
            (None, Some(e)) => Some((DateOrder::Mdy, e.clone())),
            _ => None,
        };
        self
    }
}

/// Evidence gathered over one pass of a table: per date field, and the price column's mark.
#[derive(Default)]
pub(crate) struct ColumnEvidence {
    /// One slot per mapped date or amount field, set up on the first row.
    slots: Option<Vec<Slot>>,
}

struct Slot {
    field: &'static str,
    col: usize,
    seen: Seen,
}

enum Seen {
    Date(DateEvidence),
    Number(values::NumberEvidence),
}

impl ColumnEvidence {
    /// Takes in the evidence of the rows that follow (another part of the same table): the
    /// first example of each kind stays the first.
    pub(crate) fn merge(&mut self, later: ColumnEvidence) {
        let Some(theirs) = later.slots else { return };
        let Some(mine) = self.slots.as_mut() else {
            self.slots = Some(theirs);
            return;
        };
        for (a, b) in mine.iter_mut().zip(theirs) {
            match (&mut a.seen, b.seen) {
                (Seen::Date(x), Seen::Date(y)) => x.merge(y),
                (Seen::Number(x), Seen::Number(y)) => x.merge(&y),
                _ => {}
            }
        }
    }

    /// Looks at one row's date and amount cells.
    pub(crate) fn observe(
        &mut self,
        row: &dyn Cells,
        m: &super::Mapping,
        date_fields: &[&'static str],
        number_fields: &[&'static str],
    ) {
        let slots = self.slots.get_or_insert_with(|| {
            let slot = |f: &'static str, seen: fn() -> Seen| {
                m.col(f).map(|c| Slot { field: f, col: c.index, seen: seen() })
            };
            let dates =
                date_fields.iter().filter_map(|&f| slot(f, || Seen::Date(Default::default())));
            let numbers =
                number_fields.iter().filter_map(|&f| slot(f, || Seen::Number(Default::default())));
            dates.chain(numbers).collect()
        });
        for slot in slots {
            if let Some(t) = row.text_cell(slot.col) {
                match &mut slot.seen {
                    Seen::Date(d) => d.observe(&t),
                    Seen::Number(n) => n.observe(&t),
                }
            }
        }
    }

    /// What the values of a date field said, taken out.
    fn take_dates(&mut self, field: &str) -> DateEvidence {
        self.slots
            .iter_mut()
            .flatten()
            .find_map(|s| match &mut s.seen {
                Seen::Date(d) if s.field == field => Some(std::mem::take(d)),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The decimal mark a number column's values agree on.
    pub(crate) fn mark(&self, field: &str) -> Option<DecimalMark> {
        self.slots.iter().flatten().find_map(|s| match &s.seen {
            Seen::Number(n) if s.field == field => n.mark(),
            _ => None,
        })
    }
}

/// The column index of each field a subscriptions row can have, looked up once per file.
macro_rules! columns {
    ($($field:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct Cols { $($field: Option<usize>,)* }

        impl Cols {
            fn of(m: &super::Mapping) -> Cols {
                Cols { $($field: m.col(stringify!($field)).map(|c| c.index),)* }
            }

            /// Each field the file has, with its column.
            fn each(&self) -> impl Iterator<Item = (&'static str, usize)> {
                [$((stringify!($field), self.$field),)*]
                    .into_iter()
                    .filter_map(|(f, c)| c.map(|c| (f, c)))
            }
        }
    };
}

columns!(
    customer_id,
    subscription_id,
    offer_name,
    offer_id,
    quantity,
    end_date,
    auto_renew,
    status,
    start_date,
    unit_price,
    charge_type,
    charge_start,
    billing_cycle,
    currency,
    frontline,
    customer_name,
    domain,
    account_manager,
    segment,
);

struct RowContext<'a> {
    cols: Cols,
    order_of: &'a BTreeMap<&'static str, Option<DateOrder>>,
    price_mark: Option<DecimalMark>,
    /// The customer named with `FILE=CUSTOMER_ID`.
    file_customer: Option<String>,
}

/// One subscription as far as the rows read so far describe it.
#[derive(Debug, Clone)]
pub(crate) struct Partial {
    subscription_id: String,
    customer_id: Option<String>,
    offer_name: Option<String>,
    offer_id: Option<String>,
    quantity: Option<u64>,
    end_date: Option<NaiveDate>,
    auto_renew: Option<bool>,
    status: Option<Status>,
    start_date: Option<NaiveDate>,
    billing_cycle: Option<String>,
    unit_price: Option<Decimal>,
    currency: Option<String>,
    origins: Vec<Origin>,
    charge: ChargeRank,
}

/// Which of a stored subscription's required values the rows read so far gave (the record
/// holds a placeholder until then), and the charge row its seat count came from.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Known {
    customer: bool,
    quantity: bool,
    end_date: bool,
    /// The charge row the seat count came from (reconciliation files).
    charge: ChargeRank,
}

impl Partial {
    /// The record of a subscription met for the first time, and what of it is known.
    fn stored(self, origin: Origin) -> (SubscriptionRecord, Known) {
        let known = Known {
            customer: self.customer_id.is_some(),
            quantity: self.quantity.is_some(),
            end_date: self.end_date.is_some(),
            charge: self.charge,
        };
        let mut origins = self.origins;
        origins.push(origin);
        let record = SubscriptionRecord {
            subscription_id: self.subscription_id,
            customer_id: self.customer_id.unwrap_or_default(),
            offer_name: self.offer_name,
            offer_id: self.offer_id,
            // Decided once every file is read (`finish`).
            kaizala_pro: false,
            quantity: self.quantity.unwrap_or_default(),
            end_date: self.end_date.unwrap_or_default(),
            auto_renew: self.auto_renew,
            status: self.status,
            start_date: self.start_date,
            billing_cycle: self.billing_cycle,
            unit_price: self.unit_price,
            currency: self.currency,
            origins,
        };
        (record, known)
    }
}

/// One row's values before merging.
struct Parsed {
    record: Partial,
}

type RowError = (&'static str, String);

/// A field's column and name, for reading and for messages.
type Field = (Option<usize>, &'static str);

macro_rules! field {
    ($ctx:expr, $name:ident) => {
        ($ctx.cols.$name, stringify!($name))
    };
}

impl RowContext<'_> {
    fn text(&self, row: &Row, (col, _): Field) -> Option<String> {
        let t = row.cell(col?).text_ref();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// A value that must be there when the file has its column.
    fn required(&self, row: &Row, field: Field) -> Result<Option<String>, RowError> {
        if field.0.is_none() {
            return Ok(None);
        }
        self.text(row, field)
            .map(Some)
            .ok_or((field.1, "empty, but the value is required".to_string()))
    }

    fn date(&self, row: &Row, (col, name): Field) -> Result<Option<NaiveDate>, RowError> {
        let Some(col) = col else { return Ok(None) };
        let order = self.order_of.get(name).copied().flatten();
        values::parse_date_cell(row.cell(col), order).map_err(|reason| (name, reason))
    }

    fn required_date(&self, row: &Row, field: Field) -> Result<Option<NaiveDate>, RowError> {
        match self.date(row, field)? {
            None if field.0.is_some() => {
                Err((field.1, "empty, but the value is required".to_string()))
            }
            d => Ok(d),
        }
    }
}

fn parse_row(row: &Row, ctx: &RowContext) -> Result<Parsed, RowError> {
    let c = &ctx.cols;
    let customer_id = match ctx.required(row, field!(ctx, customer_id))? {
        Some(raw) => Some(
            guid::parse_guid(&raw)
                .ok_or(("customer_id", format!("{raw:?} is not a customer tenant id (a GUID)")))?,
        ),
        None => ctx.file_customer.clone(),
    };
    let raw_sub = ctx.required(row, field!(ctx, subscription_id))?.unwrap_or_default();
    let subscription_id = guid::parse_guid(&raw_sub).unwrap_or(raw_sub);
    let offer_name = ctx.text(row, field!(ctx, offer_name));
    let offer_id =
        ctx.text(row, field!(ctx, offer_id)).map(|id| guid::parse_guid(&id).unwrap_or(id));
    let has_offer_column = c.offer_name.is_some() || c.offer_id.is_some();
    if has_offer_column && offer_name.is_none() && offer_id.is_none() {
        let field = if c.offer_name.is_some() { "offer_name" } else { "offer_id" };
        return Err((field, "no offer name or offer id".to_string()));
    }
    let quantity = c.quantity.map(|i| quantity_cell(row.cell(i))).transpose()?;
    let end_date = ctx.required_date(row, field!(ctx, end_date))?;
    let auto_renew = c.auto_renew.map(|i| auto_renew_cell(row.cell(i))).transpose()?.flatten();
    let status = c.status.map(|i| status_cell(row.cell(i))).transpose()?.flatten();
    let start_date = ctx.date(row, field!(ctx, start_date))?;
    let unit_price = match c.unit_price {
        None => None,
        Some(i) => values::parse_amount_cell(row.cell(i), ctx.price_mark)
            .map_err(|reason| ("unit_price", reason))?,
    };
    let charge = match ctx.text(row, field!(ctx, charge_type)) {
        Some(t) => {
            let l = t.to_lowercase();
            let cycle = l.contains("cycle") || l == "new" || l == "renew";
            Some((cycle, ctx.date(row, field!(ctx, charge_start))?))
        }
        None => None,
    };
    if let Some(t) = c.frontline.map(|i| row.cell(i).text_ref()) {
        let t = t.trim();
        if !t.is_empty() && values::parse_bool(t).is_none() {
            return Err(("frontline", format!("{t:?} is not a yes/no value")));
        }
    }
    Ok(Parsed {
        record: Partial {
            subscription_id,
            customer_id,
            offer_name,
            offer_id,
            quantity,
            end_date,
            auto_renew,
            status,
            start_date,
            billing_cycle: ctx.text(row, field!(ctx, billing_cycle)),
            unit_price,
            currency: ctx.text(row, field!(ctx, currency)).map(|c| c.to_uppercase()),
            // Most subscriptions have one row: room for one, not the four a push would make.
            origins: Vec::with_capacity(1),
            charge,
        },
    })
}

/// A seat count: a whole number, required when the file has the column.
fn quantity_cell(cell: &Cell) -> Result<u64, RowError> {
    values::parse_seats(cell)
        .map_err(|reason| ("quantity", reason))?
        .ok_or(("quantity", "empty, but the value is required".to_string()))
}

/// Auto renew: a yes/no value, or nothing.
fn auto_renew_cell(cell: &Cell) -> Result<Option<bool>, RowError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        cell => {
            let t = cell.text_ref();
            if t.trim().is_empty() {
                return Ok(None);
            }
            let yes_no = values::parse_bool(&t);
            yes_no.map(Some).ok_or(("auto_renew", format!("{:?} is not a yes/no value", t.trim())))
        }
    }
}

/// A subscription status, or nothing.
fn status_cell(cell: &Cell) -> Result<Option<Status>, RowError> {
    let t = cell.text_ref();
    if t.trim().is_empty() {
        return Ok(None);
    }
    Status::parse(&t).map(Some).ok_or((
        "status",
        format!(
            "{:?} is not a subscription status (active, suspended, deleted, expired, disabled, pending)",
            t.trim()
        ),
    ))
}

/// Merges a parsed row into the record of its subscription, or rejects it on a conflict.
fn merge(parsed: Parsed, origin: Origin, ing: &mut Ingested) {
    let Parsed { record: rec } = parsed;
    let hash = id_hash(&rec.subscription_id);
    let stored = &ing.subscriptions;
    let same_id = |&i: &u32| same_id(&stored[i as usize].subscription_id, &rec.subscription_id);
    let Some(&i) = ing.merge_index.find(hash, same_id) else {
        let Ok(next) = u32::try_from(stored.len()) else {
            // Four billion subscriptions would be hundreds of gigabytes of exports.
            let reason = "more than 4,294,967,295 subscriptions in the exports".to_string();
            ing.ledger.rejected(origin, None, reason);
            return;
        };
        ing.merge_index
            .insert_unique(hash, next, |&i| id_hash(&stored[i as usize].subscription_id));
        let (record, known) = rec.stored(origin);
        ing.subscriptions.push(record);
        ing.known.push(known);
        return;
    };
    let i = i as usize;
    let (old, known) = (&ing.subscriptions[i], ing.known[i]);
    let first = old.origins[0];
    // Reconciliation files hold one row per charge: seat counts and prices differ between
    // charge rows of one subscription on purpose.
    let charge_rows = rec.charge.is_some() && known.charge.is_some();
    let old_customer = known.customer.then_some(&old.customer_id);
    let old_quantity = known.quantity.then_some(old.quantity);
    let mut conflict: Option<(&'static str, String, String)> = None;
    macro_rules! same {
        ($field:ident, $old:expr, $new:expr) => {
            if conflict.is_none() && !agree(&$old, &$new) {
                conflict = Some((stringify!($field), show(&$old), show(&$new)));
            }
        };
        ($field:ident) => {
            same!($field, old.$field, rec.$field)
        };
    }
    same!(customer_id, old_customer, rec.customer_id.as_ref());
    same!(end_date, known.end_date.then_some(old.end_date), rec.end_date);
    same!(offer_name);
    same!(offer_id);
    same!(auto_renew);
    same!(status);
    same!(start_date);
    same!(currency);
    if !charge_rows {
        same!(quantity, old_quantity, rec.quantity);
        same!(unit_price);
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
    let (old, known) = (&mut ing.subscriptions[i], &mut ing.known[i]);
    fill(old, known, rec, charge_rows);
    old.origins.push(origin);
}

/// Takes what a row of a subscription already stored adds to it (the rows agree).
fn fill(old: &mut SubscriptionRecord, known: &mut Known, rec: Partial, charge_rows: bool) {
    if let (false, Some(c)) = (known.customer, rec.customer_id) {
        (old.customer_id, known.customer) = (c, true);
    }
    if let (false, Some(d)) = (known.end_date, rec.end_date) {
        (old.end_date, known.end_date) = (d, true);
    }
    old.offer_name = old.offer_name.take().or(rec.offer_name);
    old.offer_id = old.offer_id.take().or(rec.offer_id);
    old.auto_renew = old.auto_renew.or(rec.auto_renew);
    old.status = old.status.or(rec.status);
    old.start_date = old.start_date.or(rec.start_date);
    old.billing_cycle = old.billing_cycle.take().or(rec.billing_cycle);
    old.currency = old.currency.take().or(rec.currency);
    // The seat count is the one of the latest cycle charge in reconciliation files (prorated
    // and cancel rows count only the seats they change); else the first one read.
    let rank = |c: &ChargeRank, q: Option<u64>| c.map(|(cy, d)| (cy, d, q));
    let later_charge = charge_rows
        && rank(&rec.charge, rec.quantity)
            > rank(&known.charge, known.quantity.then_some(old.quantity));
    if later_charge || (!charge_rows && !known.quantity) {
        if let Some(q) = rec.quantity {
            (old.quantity, known.quantity) = (q, true);
        }
    }
    if later_charge {
        old.unit_price = rec.unit_price.or(old.unit_price);
        known.charge = rec.charge;
    } else if !charge_rows {
        old.unit_price = old.unit_price.or(rec.unit_price);
        known.charge = known.charge.or(rec.charge);
    }
}

/// The hash of a subscription id in lower case, so that ids differing only in case are one.
fn id_hash(id: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    if id.is_ascii() {
        // The same values as below, without decoding: an ASCII character is its byte.
        for b in id.bytes() {
            h.write_u32(u32::from(b.to_ascii_lowercase()));
        }
    } else {
        for c in id.chars().flat_map(char::to_lowercase) {
            h.write_u32(c as u32);
        }
    }
    h.finish()
}

/// Two subscription ids are the same in any case.
fn same_id(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().flat_map(char::to_lowercase).eq(b.chars().flat_map(char::to_lowercase))
}

/// Turns the merged rows into records once every subscriptions file is read.
///
/// A required field that no file has a column for stops the run (the first such file's
/// missing-column error); a subscription that lacks a required value because only files
/// without that column describe it is rejected, every one of its rows.
pub(crate) fn finish(ing: &mut Ingested, catalog: &Catalog, memo: &mut OfferMemo) -> Result<()> {
    let partial_files = std::mem::take(&mut ing.partial_files);
    for (missing, err) in partial_files {
        let covered = |any: &[&str]| {
            ing.ledger.files.iter().any(|f| {
                f.kind == Some(Kind::Subscriptions)
                    && any.iter().any(|x| f.mapping.col(x).is_some())
            })
        };
        if !missing.iter().all(|any| covered(any)) {
            return Err(err);
        }
    }
    // The records are made in place: a subscription lacking a required value is rejected.
    ing.merge_index = Default::default();
    let known = std::mem::take(&mut ing.known);
    let ledger = &mut ing.ledger;
    let mut each = known.iter();
    ing.subscriptions.retain_mut(|s| {
        let known = each.next().copied().unwrap_or_default();
        let mut lacking = Vec::new();
        if !known.customer {
            lacking.push("customer id");
        }
        if s.offer_name.is_none() && s.offer_id.is_none() {
            lacking.push("offer name or id");
        }
        if !known.quantity {
            lacking.push("quantity");
        }
        if !known.end_date {
            lacking.push("end date");
        }
        if lacking.is_empty() {
            s.kaizala_pro =
                memo.is_kaizala_pro(catalog, s.offer_name.as_deref(), s.offer_id.as_deref());
            return true;
        }
        let reason = format!(
            "subscription {} has no {} in any file (this file has no such column)",
            s.subscription_id,
            lacking.join(", ")
        );
        for &o in &s.origins {
            ledger.rejected(o, None, reason.clone());
        }
        false
    });
    ing.subscriptions.shrink_to_fit();
    Ok(())
}

/// Two optional values agree when equal or when either is missing.
fn agree<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

fn show<T: std::fmt::Display>(v: &Option<T>) -> String {
    match v {
        Some(x) => x.to_string(),
        None => "(empty)".to_string(),
    }
}
