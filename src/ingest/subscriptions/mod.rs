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
use super::{
    open_table, ChargeRank, Filtered, IngestOptions, Ingested, Kind, Origin, Status,
    SubscriptionRecord,
};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::guid::{self, GuidSet};
use crate::source::{Cell, Cells, Input, Next, Row};

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

/// A subscriptions file after its first pass, ready for the second.
pub(crate) struct FirstPass {
    input: Input,
    file: usize,
    cols: Cols,
    /// A sheet's rows (a sheet is in memory anyway); `None` for a text file, read again.
    kept: Option<Vec<Row>>,
    order_of: BTreeMap<&'static str, Option<DateOrder>>,
    price_mark: Option<DecimalMark>,
    file_customer: Option<String>,
    file_customer_bits: Option<u128>,
}

/// Pass 1 over one subscriptions file: registers it, decides its column formats, records what
/// it says about customers, and notes the customers that have a Kaizala Pro row.
///
/// A file may lack required columns when other files give those values for the same
/// subscription ids (a Partner Center UI export has status and quantity but no dates); whether
/// every required field is covered is decided by `finish` once all files are read.
pub(crate) fn first_pass(
    input: &Input,
    opts: &IngestOptions,
    catalog: &Catalog,
    ing: &mut Ingested,
    kaizala: &mut KaizalaCustomers,
) -> Result<FirstPass> {
    let file_customer = super::file_customer(input)?;
    let mut table = open_table(input, Kind::Subscriptions, opts, &mut ing.ledger)?;
    let file = table.file;
    note_missing_columns(&table, file_customer.is_some(), opts, ing);
    let m = table.mapping.clone();
    let cols = Cols::of(&m);
    if cols.offer_name.is_none() && cols.offer_id.is_none()
        || cols.customer_id.is_none() && file_customer.is_none()
    {
        kaizala.incomplete = true;
    }
    let file_customer_bits = file_customer.as_deref().and_then(|c| guid::guid_bits(c.as_bytes()));
    const DATES: [&str; 3] = ["end_date", "start_date", "charge_start"];
    const AMOUNTS: [&str; 1] = ["unit_price"];
    // What each date and amount column's values say about their format. A CSV file is read
    // again for pass 2 (memory stays flat however long it is); a sheet is in memory anyway.
    let mut evidence = ColumnEvidence::default();
    let mut row = Row { number: 0, cells: Vec::new() };
    let streaming = table.reader.is_streaming();
    let mut kept: Option<Vec<Row>> = (!streaming).then(Vec::new);
    let mut rows_read = 0u64;
    let mut key = String::new();
    let mut guid = String::new();
    // Everything pass 1 needs is read off the cells as they lie: a text file's rows are not
    // decoded (pass 2 reads them again); a sheet's rows are kept for pass 2.
    let mut visit = |cells: &dyn Cells| {
        if cells.blank() {
            // Decoded, then dropped as blank by the table.
            return false;
        }
        rows_read += 1;
        evidence.observe(cells, &m, &DATES, &AMOUNTS);
        if let Some(c) = row_customer(cells, &cols, file_customer_bits) {
            // Every customer's domains, for linking users files; the rest of what rows say
            // about a customer is taken in pass 2, for the customers kept.
            if let Some(d) = cols.domain.map(|i| cells.text(i)).filter(|d| !d.trim().is_empty()) {
                note_domain(c, d.trim(), &mut guid, ing);
            }
            if !kaizala.customers.contains(&c)
                && is_kaizala_row(cells, &cols, catalog, kaizala, &mut key)
            {
                kaizala.customers.insert(c);
            }
        }
        streaming
    };
    while let Some(next) = table.next_unless(&mut row, &mut visit) {
        if let (Next::Read, Some(k)) = (next?, kept.as_mut()) {
            // A sheet's row was moved out of the sheet: move it on.
            k.push(std::mem::replace(&mut row, Row { number: 0, cells: Vec::new() }));
        }
    }
    let report = &mut ing.ledger.files[file];
    report.rows_read = rows_read;
    report.layout = layout_name(&m).to_string();
    report.notes.extend(table.reader.notes());
    if m.col("auto_renew").is_none() {
        let note = "no auto-renew column: the end date alone marks a subscription as expiring";
        report.notes.push(note.into());
    }
    let order_of = decide_date_orders(
        &mut evidence,
        &m,
        &DATES,
        opts.date_order,
        &mut ing.ledger.files[file],
    )?;
    let price_mark = evidence.mark("unit_price");
    Ok(FirstPass {
        input: input.clone(),
        file,
        cols,
        kept,
        order_of,
        price_mark,
        file_customer,
        file_customer_bits,
    })
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

/// Runs `f` on what is known of a customer, created when first met (the key is allocated only
/// then); `guid` is a reusable buffer.
fn with_customer<T>(
    ing: &mut Ingested,
    customer: u128,
    guid: &mut String,
    f: impl FnOnce(&mut super::CustomerInfo) -> T,
) -> T {
    guid::write_guid(customer, guid);
    match ing.customers.get_mut(guid.as_str()) {
        Some(info) => f(info),
        None => f(ing.customers.entry(guid.clone()).or_default()),
    }
}

/// Records one of a customer's domains.
fn note_domain(customer: u128, domain: &str, guid: &mut String, ing: &mut Ingested) {
    with_customer(ing, customer, guid, |info| {
        if !info.domains.contains(domain) {
            info.domains.insert(domain.to_lowercase());
        }
    });
}

/// Takes what a row says about its customer (name, account manager, segment, frontline; the
/// domains were taken in pass 1), allocating only for what is new. True when the file's columns
/// can tell nothing more about the customer (so its later rows need not be looked at for this).
fn note_customer(
    row: &dyn Cells,
    cols: &Cols,
    customer: u128,
    guid: &mut String,
    ing: &mut Ingested,
) -> bool {
    let text = |col: Option<usize>| col.map(|i| row.text(i)).filter(|t| !t.trim().is_empty());
    with_customer(ing, customer, guid, |info| {
        let fill = |slot: &mut Option<String>, col: Option<usize>| {
            if slot.is_none() {
                *slot = text(col).map(|t| t.trim().to_string());
            }
        };
        fill(&mut info.name, cols.customer_name);
        fill(&mut info.account_manager, cols.account_manager);
        fill(&mut info.segment, cols.segment);
        if !info.frontline {
            if let Some(t) = text(cols.frontline) {
                info.frontline = values::parse_bool(t.trim()) == Some(true);
            }
        }
        let filled = |slot: &Option<String>, col: Option<usize>| slot.is_some() || col.is_none();
        filled(&info.name, cols.customer_name)
            && filled(&info.account_manager, cols.account_manager)
            && filled(&info.segment, cols.segment)
            && (info.frontline || cols.frontline.is_none())
    })
}

/// Pass 2 over one subscriptions file: rows of customers with no Kaizala Pro row in any file
/// are counted as not Kaizala Pro and passed over undecoded; the others are parsed, checked
/// and merged.
pub(crate) fn second_pass(
    pass: FirstPass,
    opts: &IngestOptions,
    keep: Option<&GuidSet>,
    ing: &mut Ingested,
) -> Result<()> {
    let FirstPass {
        input,
        file,
        cols,
        kept,
        order_of,
        price_mark,
        file_customer,
        file_customer_bits,
    } = pass;
    let ctx = RowContext { cols, order_of: &order_of, price_mark, file_customer };
    let file_customer_outside =
        matches!((file_customer_bits, keep), (Some(c), Some(k)) if !k.contains(&c));
    let mut filter = values::CustomerFilter::new(keep, file_customer_outside);
    let col = cols.customer_id.unwrap_or(usize::MAX);
    let mut skip = |cells: &dyn Cells| filter.row_outside(cells, col);
    let mut passed_over = 0u64;
    let mut guid = String::new();
    // Customers about whom the file's columns can tell nothing more.
    let mut complete = GuidSet::default();
    let mut take = |next: Next, row: &Row, ing: &mut Ingested| {
        if matches!(next, Next::Skipped(_)) {
            passed_over += 1;
            return;
        }
        if let Some(c) = row_customer(row, &cols, file_customer_bits) {
            if !complete.contains(&c) && note_customer(row, &cols, c, &mut guid, ing) {
                complete.insert(c);
            }
        }
        let origin = Origin { file, row: row.number };
        match parse_row(row, &ctx) {
            Ok(parsed) => merge(parsed, origin, ing),
            Err((field, reason)) => {
                let col = ing.ledger.col(file, field);
                ing.ledger.rejected(origin, col, reason);
            }
        }
    };
    match kept {
        Some(rows) => {
            for row in &rows {
                take(row.skip_by(&mut skip), row, ing);
            }
        }
        None => {
            // The file again, from its header.
            let mut again = super::reopen_table(&input, Kind::Subscriptions, opts, file)?;
            let mut row = Row { number: 0, cells: Vec::new() };
            while let Some(next) = again.next_unless(&mut row, &mut skip) {
                take(next?, &row, ing);
            }
        }
    }
    ing.ledger.filtered_many(file, Filtered::NotKaizala, passed_over);
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
    /// The charge row the seat count came from (reconciliation files).
    charge: ChargeRank,
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
            origins: Vec::new(),
            charge,
        },
    })
}

/// A seat count: a whole number, required when the file has the column.
fn quantity_cell(cell: &Cell) -> Result<u64, RowError> {
    if let Cell::Number(n) = cell {
        if *n >= 0.0 && n.fract() == 0.0 {
            return Ok(*n as u64);
        }
    }
    let t = cell.text_ref();
    if t.trim().is_empty() {
        return Err(("quantity", "empty, but the value is required".to_string()));
    }
    values::parse_whole(&t)
        .ok_or(("quantity", format!("{:?} is not a whole number of seats", t.trim())))
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
    let Parsed { record: mut rec } = parsed;
    // Canonical GUIDs are lower case already.
    let key = if rec.subscription_id.bytes().any(|b| b.is_ascii_uppercase()) {
        rec.subscription_id.to_lowercase()
    } else {
        rec.subscription_id.clone()
    };
    let Some(&i) = ing.merge_index.get(&key) else {
        rec.origins.push(origin);
        ing.merge_index.insert(key, ing.partials.len());
        ing.partials.push(rec);
        return;
    };
    let old = &ing.partials[i];
    let first = old.origins[0];
    // Reconciliation files hold one row per charge: seat counts and prices differ between
    // charge rows of one subscription on purpose.
    let charge_rows = rec.charge.is_some() && old.charge.is_some();
    let mut conflict: Option<(&'static str, String, String)> = None;
    macro_rules! same {
        ($field:ident) => {
            if conflict.is_none() && !agree(&old.$field, &rec.$field) {
                conflict = Some((stringify!($field), show(&old.$field), show(&rec.$field)));
            }
        };
    }
    same!(customer_id);
    same!(end_date);
    same!(offer_name);
    same!(offer_id);
    same!(auto_renew);
    same!(status);
    same!(start_date);
    same!(currency);
    if !charge_rows {
        same!(quantity);
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
    let old = &mut ing.partials[i];
    old.customer_id = old.customer_id.take().or(rec.customer_id);
    old.end_date = old.end_date.or(rec.end_date);
    old.offer_name = old.offer_name.take().or(rec.offer_name);
    old.offer_id = old.offer_id.take().or(rec.offer_id);
    old.auto_renew = old.auto_renew.or(rec.auto_renew);
    old.status = old.status.or(rec.status);
    old.start_date = old.start_date.or(rec.start_date);
    old.billing_cycle = old.billing_cycle.take().or(rec.billing_cycle);
    old.currency = old.currency.take().or(rec.currency);
    if charge_rows {
        // The seat count is the one of the latest cycle charge (prorated and cancel rows count
        // only the seats they change).
        let rank = |c: &ChargeRank, q: Option<u64>| c.map(|(cy, d)| (cy, d, q));
        if rank(&rec.charge, rec.quantity) > rank(&old.charge, old.quantity) {
            old.quantity = rec.quantity.or(old.quantity);
            old.unit_price = rec.unit_price.or(old.unit_price);
            old.charge = rec.charge;
        }
    } else {
        old.quantity = old.quantity.or(rec.quantity);
        old.unit_price = old.unit_price.or(rec.unit_price);
        old.charge = old.charge.or(rec.charge);
    }
    old.origins.push(origin);
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
    for p in std::mem::take(&mut ing.partials) {
        let mut lacking = Vec::new();
        if p.customer_id.is_none() {
            lacking.push("customer id");
        }
        if p.offer_name.is_none() && p.offer_id.is_none() {
            lacking.push("offer name or id");
        }
        if p.quantity.is_none() {
            lacking.push("quantity");
        }
        if p.end_date.is_none() {
            lacking.push("end date");
        }
        match (p.customer_id, p.quantity, p.end_date) {
            (Some(customer_id), Some(quantity), Some(end_date)) if lacking.is_empty() => {
                let kaizala_pro =
                    memo.is_kaizala_pro(catalog, p.offer_name.as_deref(), p.offer_id.as_deref());
                ing.subscriptions.push(SubscriptionRecord {
                    subscription_id: p.subscription_id,
                    customer_id,
                    offer_name: p.offer_name,
                    offer_id: p.offer_id,
                    kaizala_pro,
                    quantity,
                    end_date,
                    auto_renew: p.auto_renew,
                    status: p.status,
                    start_date: p.start_date,
                    billing_cycle: p.billing_cycle,
                    unit_price: p.unit_price,
                    currency: p.currency,
                    origins: p.origins,
                });
            }
            _ => {
                let reason = format!(
                    "subscription {} has no {} in any file (this file has no such column)",
                    p.subscription_id,
                    lacking.join(", ")
                );
                for o in p.origins {
                    ing.ledger.rejected(o, None, reason.clone());
                }
            }
        }
    }
    ing.merge_index.clear();
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
