//! Price lists: the new commerce market export, the legacy licence-based list and a plain table.
//!
//! Owns: turning price rows into `PriceRow`s with the period their amount pays for, the currency
//! of each row (a column, or the legacy list's tab name), and filtering the rows no price is
//! chosen from (deleted, trial, one-time). Choosing a row for a customer is left to `price`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::columns::header_names;
use super::values::{self, DateOrder, DecimalMark};
use super::{open_table_from, Filtered, IngestOptions, Ingested, Kind, Origin, Table};
use crate::error::{Error, Result};
use crate::guid;
use crate::source::{self, Input, Opened, Row};

/// A customer segment, as price lists and exports name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Businesses ("Commercial", "Corporate").
    Commercial,
    /// Schools and universities ("Education", "Academic").
    Education,
    /// Public sector ("Government").
    Government,
    /// Non-profit organisations ("Charity", "Nonprofit").
    Charity,
}

impl Segment {
    /// The segment a value names; `None` for text that names none.
    pub fn parse(s: &str) -> Option<Segment> {
        let t = s.trim().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if has(&["educat", "academ", "school", "edu", "utbildning", "bildung"]) {
            Some(Segment::Education)
        } else if has(&["gov", "public sector", "offentlig"]) {
            Some(Segment::Government)
        } else if has(&["charit", "nonprofit", "non-profit", "not for profit", "ideell"]) {
            Some(Segment::Charity)
        } else if has(&["commerc", "corporat", "business", "enterprise", "kommersiell"]) {
            Some(Segment::Commercial)
        } else {
            None
        }
    }

    /// The segment of a customer: what its export says, commercial when it says nothing a price
    /// list knows (frontline, SMB, ...).
    pub fn of_customer(segment: Option<&str>) -> Segment {
        segment.and_then(Segment::parse).unwrap_or(Segment::Commercial)
    }

    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Commercial => "commercial",
            Segment::Education => "education",
            Segment::Government => "government",
            Segment::Charity => "charity",
        }
    }
}

/// How often a subscription is billed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    /// Every month.
    Monthly,
    /// Every year.
    Annual,
    /// Every three years.
    Triennial,
}

impl Billing {
    /// Reads a billing value; `Ok(None)` for values that mean no recurring price (trial,
    /// one-time), with the reason.
    pub fn parse(s: &str) -> std::result::Result<Billing, Option<Filtered>> {
        let t = s.trim().to_lowercase();
        let t = t.as_str();
        if t.is_empty() {
            return Err(None);
        }
        if matches!(t, "none" | "trial") || t.contains("trial") {
            return Err(Some(Filtered::TrialOffer));
        }
        if t.contains("one") && t.contains("time") || t == "onetime" || t == "perpetual" {
            return Err(Some(Filtered::OneTimePurchase));
        }
        if matches!(t, "p1m" | "1m")
            || t.starts_with("month")
            || t.contains("månad")
            || t.contains("monat")
            || t.contains("mensual")
            || t.contains("mensuel")
        {
            Ok(Billing::Monthly)
        } else if matches!(t, "p1y" | "1y" | "yearly" | "year" | "per year")
            || t.starts_with("annual")
            || t.contains("årlig")
            || t.contains("jährlich")
            || t.contains("anual")
            || t.contains("annuel")
        {
            Ok(Billing::Annual)
        } else if matches!(t, "p3y" | "3y") || t.starts_with("trienn") || t.contains("three") {
            Ok(Billing::Triennial)
        } else {
            Err(None)
        }
    }

    /// Months one payment covers.
    pub fn months(self) -> u32 {
        match self {
            Billing::Monthly => 1,
            Billing::Annual => 12,
            Billing::Triennial => 36,
        }
    }

    /// The name used in outputs and by the Partner Center API (`billingCycle`).
    pub fn as_str(self) -> &'static str {
        match self {
            Billing::Monthly => "monthly",
            Billing::Annual => "annual",
            Billing::Triennial => "triennial",
        }
    }
}

/// A commitment term as an ISO 8601 duration: `P1M`, `P1Y`, `P3Y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term {
    /// Months in the term.
    pub months: u32,
}

impl Term {
    /// Reads `P1Y`, `P36M`, `1 year`, `3 years`, `1 month`, `12 months`, `monthly`, `annual`.
    pub fn parse(s: &str) -> Option<Term> {
        let t = s.trim().to_uppercase();
        if let Some(rest) = t.strip_prefix('P') {
            let unit = rest.chars().last()?;
            let n: u32 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
            let months = match unit {
                'Y' => n.checked_mul(12)?,
                'M' => n,
                _ => return None,
            };
            return (months > 0).then_some(Term { months });
        }
        if let Ok(b) = Billing::parse(&t) {
            if !t.chars().any(|c| c.is_ascii_digit()) {
                return Some(Term { months: b.months() });
            }
        }
        let mut words = t.split_whitespace();
        let n: u32 = words.next()?.parse().ok()?;
        let unit = words.next()?;
        let months = if unit.starts_with("YEAR") || unit.starts_with("ÅR") {
            n.checked_mul(12)?
        } else if unit.starts_with("MONTH") || unit.starts_with("MÅNAD") {
            n
        } else {
            return None;
        };
        (months > 0).then_some(Term { months })
    }

    /// The ISO 8601 form (`P1M`, `P1Y`, `P3Y`, `P18M`) the Partner Center API uses.
    pub fn iso(self) -> String {
        if self.months.is_multiple_of(12) {
            format!("P{}Y", self.months / 12)
        } else {
            format!("P{}M", self.months)
        }
    }

    /// In words, as the worksheet's drop-down offers it (`1 month`, `1 year`, `3 years`).
    pub fn words(self) -> String {
        let (n, unit) = if self.months.is_multiple_of(12) {
            (self.months / 12, "year")
        } else {
            (self.months, "month")
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    }

    /// The terms a new-commerce purchase can have: one month, one year, three years.
    pub const PURCHASABLE: [Term; 3] =
        [Term { months: 1 }, Term { months: 12 }, Term { months: 36 }];

    /// Whether a purchase of this term can be billed this often (a one-month term monthly
    /// only; a one-year term monthly or yearly; a three-year term any of the three).
    pub fn allows(self, billing: Billing) -> bool {
        billing.months() <= self.months && Term::PURCHASABLE.contains(&self)
    }
}

impl serde::Serialize for Term {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl<'de> serde::Deserialize<'de> for Term {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Term, D::Error> {
        let text = String::deserialize(d)?;
        Term::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a term such as P1Y")))
    }
}

/// One price list row.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow {
    /// Where it was read.
    pub origin: Origin,
    /// Offer (or SKU) name.
    pub offer_name: Option<String>,
    /// Offer id (legacy lists).
    pub offer_id: Option<String>,
    /// Product id (new commerce).
    pub product_id: Option<String>,
    /// SKU id (new commerce), as text.
    pub sku_id: Option<String>,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// The amount as written, per seat.
    pub amount: Decimal,
    /// Months the amount pays for (1 for a monthly price, 12 for an annual one).
    pub months: u32,
    /// Commitment term, when the list says.
    pub term: Option<Term>,
    /// Billing frequency, when the list says.
    pub billing: Option<Billing>,
    /// Segment, when the list says; a row without one applies to every segment.
    pub segment: Option<Segment>,
    /// Market (country), when the list says.
    pub market: Option<String>,
    /// Seat range the price applies to, when the list has tiers.
    pub tier_min: Option<u64>,
    /// Upper end of the seat range.
    pub tier_max: Option<u64>,
    /// First day the price applies.
    pub effective_start: Option<NaiveDate>,
    /// Last day the price applies.
    pub effective_end: Option<NaiveDate>,
}

impl PriceRow {
    /// True when the price applies on a day.
    pub fn in_effect(&self, day: NaiveDate) -> bool {
        self.effective_start.is_none_or(|s| s <= day) && self.effective_end.is_none_or(|e| day <= e)
    }

    /// True when the price applies to a number of seats.
    pub fn fits(&self, seats: u64) -> bool {
        self.tier_min.is_none_or(|m| m <= seats) && self.tier_max.is_none_or(|m| seats <= m)
    }
}

/// Which price column of a list is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PriceBasis {
    /// The partner's cost: `UnitPrice` / `List Price`.
    #[default]
    Partner,
    /// The suggested retail price: `ERP Price`.
    Erp,
}

/// Reads one price list file into `ing.prices`: every sheet of a workbook that has a price
/// header (one tab per currency in the legacy list), or the sheet named with `FILE#Sheet`.
pub fn read_prices(input: &Input, opts: &IngestOptions, ing: &mut Ingested) -> Result<()> {
    match source::open(input)? {
        Opened::Table(reader) => {
            let table = open_table_from(reader, Kind::Prices, opts, &mut ing.ledger)?;
            read_table(table, opts, ing)
        }
        Opened::Workbook(mut wb) => {
            let names = match wb.wanted.clone() {
                Some(sheet) => vec![sheet],
                None => wb.sheet_names(),
            };
            let mut first_err = None;
            let mut read = 0;
            for name in &names {
                let reader = wb.sheet(name)?;
                match open_table_from(reader, Kind::Prices, opts, &mut ing.ledger) {
                    Ok(table) => {
                        read_table(table, opts, ing)?;
                        read += 1;
                    }
                    Err(e @ Error::NoHeader { .. }) if names.len() > 1 => {
                        first_err.get_or_insert(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            match first_err {
                Some(e) if read == 0 => Err(e),
                _ => Ok(()),
            }
        }
    }
}

/// A currency code in a sheet name ("USD", "Prices EUR", "United Kingdom - GBP").
fn currency_of_sheet(sheet: &str) -> Option<String> {
    sheet
        .split(|c: char| !c.is_ascii_alphabetic())
        .rev()
        .find(|w| w.len() == 3 && w.chars().all(|c| c.is_ascii_uppercase()))
        .map(str::to_string)
}

/// Where a row's period comes from.
#[derive(Clone, Copy)]
enum PeriodFrom {
    /// The term column: the amount pays for the whole term (new commerce).
    Term,
    /// The billing column: the amount pays for one billing period.
    Billing,
    /// The legacy list: monthly prices.
    Monthly,
}

/// What period a list's prices pay for, and whether it is the legacy list.
fn period_of(
    m: &super::Mapping,
    header: &Row,
    location: &crate::error::Location,
    opts: &IngestOptions,
) -> Result<(PeriodFrom, bool)> {
    let legacy = m.col("change").is_some()
        || m.col("unit_price").is_some_and(|c| values::normalize_header(&c.header) == "listprice")
        || m.col("offer_name")
            .is_some_and(|c| values::normalize_header(&c.header) == "offerdisplayname");
    let period = if m.col("term").is_some() {
        PeriodFrom::Term
    } else if m.col("billing").is_some() {
        PeriodFrom::Billing
    } else if legacy {
        PeriodFrom::Monthly
    } else {
        return Err(Error::MissingColumns {
            location: Box::new(location.at(header.number, None)),
            missing: "billing or term".into(),
            found: header_names(header),
            accepted: format!(
                "billing (monthly or annual: what period the price pays for): {}; term: {}",
                opts.aliases.names(Kind::Prices, "billing").join(" | "),
                opts.aliases.names(Kind::Prices, "term").join(" | ")
            ),
        });
    };
    Ok((period, legacy))
}

fn read_table(mut table: Table, opts: &IngestOptions, ing: &mut Ingested) -> Result<()> {
    let basis = opts.price_basis;
    let file = table.file;
    let location = table.location();
    table.mapping.check_required(Kind::Prices, &opts.aliases, &location, &table.header)?;
    let m = table.mapping.clone();
    let sheet_currency = location.sheet.as_deref().and_then(currency_of_sheet);
    if m.col("currency").is_none() && sheet_currency.is_none() {
        return Err(Error::MissingColumns {
            location: Box::new(location.at(table.header.number, None)),
            missing: "currency".into(),
            found: header_names(&table.header),
            accepted: format!(
                "currency: {} (or a sheet named by its currency code, as the legacy price list has)",
                opts.aliases.names(Kind::Prices, "currency").join(" | ")
            ),
        });
    }
    let (period, legacy) = period_of(&m, &table.header, &location, opts)?;
    let has_erp = m.col("erp_price").is_some();
    let price_field = if basis == PriceBasis::Erp && has_erp { "erp_price" } else { "unit_price" };
    let Some(price_col) = m.col(price_field).cloned() else {
        return Err(Error::Internal("price column checked above".into()));
    };

    let mut rows = Vec::new();
    while let Some(row) = table.next() {
        rows.push(row?);
    }
    let layout = match (period, legacy) {
        (PeriodFrom::Term, _) => "new commerce price list",
        (_, true) => "legacy license-based price list",
        _ => "price table",
    };
    let mut evidence = super::subscriptions::ColumnEvidence::default();
    for row in &rows {
        evidence.observe(row, &m, &["effective_start", "effective_end"], &[price_field]);
    }
    let mark = evidence.mark(price_field);
    let orders = super::subscriptions::decide_date_orders(
        &mut evidence,
        &m,
        &["effective_start", "effective_end"],
        opts.date_order.or(Some(DateOrder::Mdy)),
        &mut ing.ledger.files[file],
    )?;
    {
        let report = &mut ing.ledger.files[file];
        report.rows_read = rows.len() as u64;
        report.layout = layout.to_string();
        report.notes.extend(table.reader.notes());
        if let (None, Some(c)) = (m.col("currency"), &sheet_currency) {
            report.notes.push(format!("prices in {c}, from the sheet name"));
        }
        if matches!(period, PeriodFrom::Monthly) {
            report.notes.push("no term or billing column: prices are per seat per month".into());
        }
        match (basis, has_erp) {
            (PriceBasis::Erp, true) => report
                .notes
                .push(format!("prices read from {:?} (--price-basis erp)", price_col.header)),
            (PriceBasis::Erp, false) => report.notes.push(format!(
                "no ERP Price column: its own {:?} is used with --price-basis erp",
                price_col.header
            )),
            _ => {}
        }
    }
    let ctx = Ctx { m: &m, orders: &orders, sheet_currency, period, price_field, mark };
    take_rows(&rows, &ctx, file, ing);
    Ok(())
}

/// Each row priced, filtered out (with why) or rejected (with why).
fn take_rows(rows: &[Row], ctx: &Ctx<'_>, file: usize, ing: &mut Ingested) {
    for row in rows {
        let origin = Origin { file, row: row.number };
        let fields = ctx.m.fields.iter().map(|(&f, c)| (f, c.index));
        let parsed = match values::first_bad_cell(row, fields) {
            Some(e) => Err(e),
            None => parse_row(row, ctx),
        };
        match parsed {
            Ok(Parsed::Price(mut p)) => {
                p.origin = origin;
                ing.prices.push(*p);
                ing.ledger.used(origin);
            }
            Ok(Parsed::Skip(reason)) => ing.ledger.filtered(origin, reason),
            Err((field, reason)) => {
                let col = ing.ledger.col(file, field);
                ing.ledger.rejected(origin, col, reason);
            }
        }
    }
}

struct Ctx<'a> {
    m: &'a super::Mapping,
    orders: &'a std::collections::BTreeMap<&'static str, Option<DateOrder>>,
    sheet_currency: Option<String>,
    period: PeriodFrom,
    /// `unit_price`, or `erp_price` with `--price-basis erp`.
    price_field: &'static str,
    mark: Option<DecimalMark>,
}

enum Parsed {
    Price(Box<PriceRow>),
    Skip(Filtered),
}

type RowError = (&'static str, String);

impl Ctx<'_> {
    fn text(&self, row: &Row, field: &str) -> Option<String> {
        let col = self.m.col(field)?;
        let t = row.cell(col.index).text();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    fn whole(&self, row: &Row, field: &'static str) -> Result<Option<u64>, RowError> {
        let Some(col) = self.m.col(field) else { return Ok(None) };
        values::parse_seats(row.cell(col.index)).map_err(|reason| (field, reason))
    }

    fn date(&self, row: &Row, field: &'static str) -> Result<Option<NaiveDate>, RowError> {
        let Some(col) = self.m.col(field) else { return Ok(None) };
        let order = self.orders.get(field).copied().flatten();
        values::parse_date_cell(row.cell(col.index), order).map_err(|reason| (field, reason))
    }
}

impl Ctx<'_> {
    /// The price, never negative.
    fn amount(&self, row: &Row) -> Result<Decimal, RowError> {
        let price = self.price_field;
        let cell = self.m.col(price).map_or(&crate::source::Cell::Empty, |c| row.cell(c.index));
        match values::parse_amount_cell(cell, self.mark) {
            Ok(Some(a)) if a.is_sign_negative() => Err((price, format!("{a} is a negative price"))),
            Ok(Some(a)) => Ok(a),
            Ok(None) => Err((price, "empty, but the value is required".into())),
            Err(reason) => Err((price, reason)),
        }
    }

    /// The row's currency code, else the sheet's.
    fn currency(&self, row: &Row) -> Result<String, RowError> {
        match self.text(row, "currency") {
            Some(c) => {
                let c = c.to_uppercase();
                if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                    return Err(("currency", format!("{c:?} is not a currency code (ISO 4217)")));
                }
                Ok(c)
            }
            None => self
                .sheet_currency
                .clone()
                .ok_or(("currency", "empty, but the value is required".to_string())),
        }
    }
}

fn parse_row(row: &Row, ctx: &Ctx) -> Result<Parsed, RowError> {
    if let Some(change) = ctx.text(row, "change") {
        if change.trim().eq_ignore_ascii_case("del") {
            return Ok(Parsed::Skip(Filtered::DeletedPrice));
        }
    }
    let tags = ctx.text(row, "tags").unwrap_or_default().to_lowercase();
    let license_type = ctx.text(row, "license_type").unwrap_or_default().to_lowercase();
    if tags.split([';', ',']).any(|t| t.trim() == "trial") || license_type.contains("trial") {
        return Ok(Parsed::Skip(Filtered::TrialOffer));
    }
    let offer_name = ctx.text(row, "offer_name");
    let offer_id = ctx.text(row, "offer_id").map(|id| guid::parse_guid(&id).unwrap_or(id));
    if offer_name.is_none() && offer_id.is_none() {
        let field = if ctx.m.col("offer_name").is_some() { "offer_name" } else { "offer_id" };
        return Err((field, "no offer name or offer id".into()));
    }
    let billing = match ctx.text(row, "billing") {
        None => None,
        Some(t) => match Billing::parse(&t) {
            Ok(b) => Some(b),
            Err(Some(skip)) => return Ok(Parsed::Skip(skip)),
            Err(None) => {
                return Err((
                    "billing",
                    format!("{t:?} is not a billing frequency (monthly, annual, triennial)"),
                ))
            }
        },
    };
    let term = match ctx.text(row, "term") {
        None => None,
        Some(t) => Some(
            Term::parse(&t)
                .ok_or(("term", format!("{t:?} is not a term (P1M, P1Y, P3Y, 1 year, ...)")))?,
        ),
    };
    let months = match ctx.period {
        PeriodFrom::Term => {
            term.ok_or(("term", "empty, but the term says what period the price pays for".into()))?
                .months
        }
        PeriodFrom::Billing => billing
            .ok_or((
                "billing",
                "empty, but the billing says what period the price pays for".into(),
            ))?
            .months(),
        PeriodFrom::Monthly => 1,
    };
    let amount = ctx.amount(row)?;
    let currency = ctx.currency(row)?;
    let segment = match ctx.text(row, "segment") {
        None => None,
        Some(t) => Some(Segment::parse(&t).ok_or((
            "segment",
            format!("{t:?} is not a segment (commercial, education, government, charity)"),
        ))?),
    };
    let tier_min = ctx.whole(row, "tier_min")?;
    let tier_max = ctx.whole(row, "tier_max")?;
    Ok(Parsed::Price(Box::new(PriceRow {
        origin: Origin { file: 0, row: row.number },
        offer_name,
        offer_id,
        product_id: ctx.text(row, "product_id"),
        sku_id: ctx.text(row, "sku_id"),
        currency,
        amount,
        months,
        term,
        billing,
        segment,
        market: ctx.text(row, "market").map(|m| m.to_uppercase()),
        tier_min,
        tier_max: tier_max.filter(|&m| m > 0),
        effective_start: ctx.date(row, "effective_start")?,
        effective_end: ctx.date(row, "effective_end")?,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_billing_read_as_months() {
        assert_eq!(Term::parse("P1Y").unwrap().months, 12);
        assert_eq!(Term::parse("p3y").unwrap().months, 36);
        assert_eq!(Term::parse("P1M").unwrap().months, 1);
        assert_eq!(Term::parse("1 year").unwrap().months, 12);
        assert_eq!(Term::parse("36 months").unwrap().months, 36);
        assert_eq!(Term::parse("P1Y").unwrap().iso(), "P1Y");
        assert_eq!(Term { months: 1 }.iso(), "P1M");
        assert!(Term::parse("P0Y").is_none());
        assert!(Term::parse("soon").is_none());
        assert!(Term::parse("PÅ").is_none());
        assert!(Term::parse("P").is_none());
        assert_eq!(Billing::parse("Monthly"), Ok(Billing::Monthly));
        assert_eq!(Billing::parse("Annual"), Ok(Billing::Annual));
        assert_eq!(Billing::parse("yearly"), Ok(Billing::Annual));
        assert!(matches!(Billing::parse("None"), Err(Some(_))));
        assert!(matches!(Billing::parse("OneTime"), Err(Some(_))));
        assert_eq!(Billing::parse("weekly"), Err(None));
    }

    #[test]
    fn segments_and_sheet_currencies() {
        assert_eq!(Segment::parse("Academic"), Some(Segment::Education));
        assert_eq!(Segment::parse("Corporate"), Some(Segment::Commercial));
        assert_eq!(Segment::parse("Government"), Some(Segment::Government));
        assert_eq!(Segment::of_customer(Some("Frontline retail")), Segment::Commercial);
        assert_eq!(currency_of_sheet("EUR").as_deref(), Some("EUR"));
        assert_eq!(currency_of_sheet("United Kingdom - GBP").as_deref(), Some("GBP"));
        assert_eq!(currency_of_sheet("Read me"), None);
    }
}
