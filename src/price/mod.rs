//! Price: what each customer pays for its Kaizala Pro seats today and for the new plan after.
//!
//! Owns: choosing a price per cost line (the subscription's own unit price for today's cost,
//! else the price lists, see `book`), exact line amounts (`money`), the per-customer cost, the
//! warning that lists every offer without a price, and the totals per currency (`aggregate`,
//! with polars). It reads the plan (which carries the exports' own prices and currencies as
//! typed values) and the price lists; it decides nothing about who moves where.

pub mod aggregate;
pub mod book;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::ingest::prices::{Billing, PriceRow, Segment, Term};
use crate::ingest::Ledger;
use crate::money;
use crate::plan::{
    purchase, CostLine, CostSide, CustomerCost, CustomerPlan, ExportPrice, Money, Plan, Purchase,
    PurchaseAction, TermsSource,
};
use book::{OfferKey, PriceBook, Want};

/// Price settings.
#[derive(Debug, Clone)]
pub struct PriceOptions {
    /// The currency of customers whose exports give none.
    pub currency: Option<String>,
    /// Preferred commitment term for list prices.
    pub term: Term,
    /// Preferred billing frequency for list prices.
    pub billing: Billing,
}

impl Default for PriceOptions {
    fn default() -> Self {
        PriceOptions { currency: None, term: Term { months: 12 }, billing: Billing::Monthly }
    }
}

/// Prices every customer of the plan and fills in the totals. An ambiguous price is an error.
///
/// `prices` are the price list rows read; `ledger` names their files in sources and messages.
pub fn apply(
    plan: &mut Plan,
    prices: &[PriceRow],
    ledger: &Ledger,
    catalog: &Catalog,
    opts: &PriceOptions,
) -> Result<()> {
    let book = PriceBook::new(prices, ledger);
    let mut pricer = Pricer::new(&book, prices, catalog, opts, plan.as_of);
    for c in &mut plan.customers {
        pricer.price(c)?;
    }
    pricer.finish(plan, ledger)?;
    Ok(())
}

/// Prices customers one at a time and gathers the offers without a price; [`apply`] runs it
/// over a whole plan, and a caller planning customer by customer can price each as it comes.
pub struct Pricer<'a> {
    ctx: Ctx<'a>,
    /// The currency of every price list row, when they all have one.
    only_list_currency: Option<&'a str>,
    /// (offer, why) without a price, and the customers it concerns.
    missing: BTreeMap<(String, String), Concerned>,
}

impl<'a> Pricer<'a> {
    /// A pricer over the price lists read (`prices`, indexed in `book`).
    pub fn new(
        book: &'a PriceBook<'a>,
        prices: &'a [PriceRow],
        catalog: &'a Catalog,
        opts: &'a PriceOptions,
        day: NaiveDate,
    ) -> Pricer<'a> {
        let list_currencies: BTreeSet<&str> = prices.iter().map(|p| p.currency.as_str()).collect();
        let only_list_currency =
            (list_currencies.len() == 1).then(|| list_currencies.iter().next()).flatten().copied();
        Pricer {
            ctx: Ctx { book, opts, catalog, day },
            only_list_currency,
            missing: BTreeMap::new(),
        }
    }

    /// Fills in one customer's cost. An ambiguous price is an error.
    pub fn price(&mut self, c: &mut CustomerPlan) -> Result<()> {
        let currency = c
            .expiring_subscriptions
            .iter()
            .find_map(|s| s.currency.as_deref())
            .or(c.export_currency.as_deref())
            .or(self.ctx.opts.currency.as_deref())
            .or(self.only_list_currency)
            .map(str::to_string);
        let (cost, unpriced, stated) = self.ctx.customer_cost(c, currency)?;
        settle_terms(c, stated);
        self.ctx.price_alternatives(c, &cost)?;
        // Without price lists, missing list prices are expected: the lines say so, and the
        // report says no list was given; warnings are for lists that lack an offer.
        if !self.ctx.book.is_empty() {
            for (offer, why) in unpriced {
                let who = c.customer_name.as_deref().unwrap_or(&c.customer_id);
                self.missing.entry((offer, why)).or_default().add(who);
            }
        }
        c.cost = cost;
        Ok(())
    }

    /// Adds the warnings for offers without a price to the plan, and the totals of the
    /// customers it holds (none when they were priced one by one and not kept).
    pub fn finish(self, plan: &mut Plan, ledger: &Ledger) -> Result<()> {
        let price_warnings: Vec<String> =
            self.missing.into_iter().map(|((offer, why), who)| no_price(offer, why, who)).collect();
        plan.warnings.extend(price_warnings.iter().cloned());
        plan.cost_totals = aggregate::totals(&plan.customers)?;
        plan.cost_totals.price_warnings = price_warnings;
        plan.cost_totals.price_lists = ledger
            .files
            .iter()
            .filter(|f| f.kind == Some(crate::ingest::Kind::Prices))
            .map(|f| f.location.to_string())
            .collect();
        Ok(())
    }
}

/// The customers a missing price concerns: how many, and the first names in order (a warning
/// names a few; a book of a million customers without a price must not keep them all).
#[derive(Default)]
struct Concerned {
    customers: u64,
    first: BTreeSet<String>,
}

/// Customers a warning names.
const NAMED: usize = 5;

impl Concerned {
    fn add(&mut self, who: &str) {
        self.customers += 1;
        if self.first.len() < NAMED || self.first.last().is_some_and(|last| who < last.as_str()) {
            self.first.insert(who.to_string());
            if self.first.len() > NAMED {
                self.first.pop_last();
            }
        }
    }
}

/// The warning for an offer without a price.
fn no_price(offer: String, why: String, who: Concerned) -> String {
    let n = who.customers;
    let shown: Vec<String> = who.first.into_iter().collect();
    let more = if n > shown.len() as u64 {
        format!(" and {} more", n - shown.len() as u64)
    } else {
        String::new()
    };
    format!(
        "no price for {offer}: {why}; {n} customer(s): {}{more}; their cost lines say \"no price\" and totals leave them out",
        shown.join(", ")
    )
}

struct Ctx<'a> {
    book: &'a PriceBook<'a>,
    opts: &'a PriceOptions,
    catalog: &'a Catalog,
    day: NaiveDate,
}

/// Where a price comes from.
enum Source {
    /// The subscription's own unit price in the export, for the period it pays for.
    Export {
        /// The subscription is the one step A tops up.
        topped_up: bool,
        /// Months the price pays for.
        months: u32,
    },
    /// A price list row, at its place.
    List(String),
}

impl Source {
    fn text(&self) -> String {
        match self {
            Source::Export { topped_up, months } => {
                let per = match months {
                    12 => "per seat per year",
                    36 => "per seat per three years",
                    _ => "per seat per month",
                };
                let whose =
                    if *topped_up { "topped-up subscription's" } else { "subscription export" };
                format!("{whose} unit price ({per})")
            }
            Source::List(place) => format!("price list {place}"),
        }
    }
}

/// A price for a line: amount per seat for `months`, and where it comes from.
struct Priced {
    amount: Decimal,
    months: u32,
    source: Source,
    term: Option<Term>,
    billing: Option<Billing>,
    row: Option<PriceRow>,
}

/// A line's price, or why it has none (in words).
type LinePrice = std::result::Result<Priced, String>;

/// Lines without a price: (offer, why).
type Unpriced = Vec<(String, String)>;

/// The term and billing a price row states (`None` where it leaves them open).
type Stated = (Option<Term>, Option<Billing>);

/// The term and billing a new subscription is bought with: the worksheet's, else what the
/// price row states, else the purchase's defaults.
fn settled_terms(p: &Purchase, stated: Stated) -> (Option<Term>, Option<Billing>) {
    if p.terms_source == Some(TermsSource::Worksheet) {
        return (p.term, p.billing);
    }
    let term = stated.0.filter(|t| Term::PURCHASABLE.contains(t)).or(p.term);
    let billing = stated.1.or(p.billing);
    match (term, billing) {
        (Some(t), Some(b)) if t.allows(b) => (Some(t), Some(b)),
        _ => (p.term, p.billing),
    }
}

/// A new subscription takes the term and billing its price row states (`stated`, one per
/// purchase), unless the worksheet chose them; the recommendation follows the first new
/// subscription's, so the worksheet shows them as the tool's.
fn settle_terms(c: &mut CustomerPlan, stated: Vec<Stated>) {
    let mut purchases = std::mem::take(&mut c.purchases);
    let mut first = true;
    for (p, stated) in purchases.iter_mut().zip(stated) {
        if p.action != PurchaseAction::Buy || p.terms_source == Some(TermsSource::Worksheet) {
            continue;
        }
        let (term, billing) = settled_terms(p, stated);
        if (term, billing) != (p.term, p.billing) {
            p.term = term;
            p.billing = billing;
            p.terms_source = Some(TermsSource::PriceList);
            if first {
                c.recommended.term = term;
                c.recommended.billing = billing;
            }
        }
        first = false;
    }
    c.set_purchases(purchases);
}

impl Ctx<'_> {
    /// The customer's cost lines and sums, the lines without a price, and the term and billing
    /// the price row of a new subscription states.
    fn customer_cost(
        &self,
        c: &CustomerPlan,
        currency: Option<String>,
    ) -> Result<(CustomerCost, Unpriced, Vec<Stated>)> {
        let digits = money::minor_digits(currency.as_deref());
        let segment = Segment::of_customer(c.segment.as_deref());
        // One line per expiring subscription and one for the purchase, allocated once: a
        // growing vector would hold room for four lines per customer.
        let mut lines = Vec::with_capacity(c.expiring_subscriptions.len() + c.purchases.len());
        let mut unpriced = Vec::new();
        let mut kaizala_unit: Option<(Decimal, u32)> = None;
        for s in &c.expiring_subscriptions {
            let offer = s.offer_name.clone().unwrap_or_else(|| self.catalog.product().into());
            let priced = match s.export_price().and_then(|p| own_price(&p, &currency, false)) {
                Some(p) => Ok(p),
                None => {
                    let other = self.catalog.kaizala_names();
                    let billing = s
                        .billing_cycle
                        .as_ref()
                        .and_then(|b| b.billing)
                        .unwrap_or(self.opts.billing);
                    let key = OfferKey {
                        ids: s.offer_id.as_deref().into_iter().collect(),
                        name: &offer,
                        other_names: other,
                    };
                    let terms = (self.opts.term, billing, false);
                    self.list_price(key, &currency, segment, s.quantity, terms, &c.customer_id)?
                }
            };
            if let Ok(p) = &priced {
                kaizala_unit.get_or_insert((p.amount, p.months));
            }
            let id = Some(s.subscription_id.clone());
            let (l, why) = line(CostSide::Current, offer, id, s.quantity, priced, digits);
            unpriced.extend(why.map(|w| (l.offer_name.clone(), w)));
            lines.push(l);
        }
        let mut stated_all = Vec::with_capacity(c.purchases.len());
        for p in &c.purchases {
            let mut stated = (None, None);
            let Some(priced) = self.purchase_price(c, p, &currency, segment)? else {
                stated_all.push(stated);
                continue;
            };
            if let Ok(row) = &priced {
                stated = (row.term, row.billing);
            }
            stated_all.push(stated);
            let id = p.subscription_id.clone();
            let (mut l, why) =
                line(CostSide::Target, p.offer_name.clone(), id, p.seats, priced, digits);
            // A new subscription's line states the term and billing it is bought with (what the
            // price row leaves open is the purchase's).
            if p.action == PurchaseAction::Buy {
                let (term, billing) = settled_terms(p, stated);
                l.term = term.map(Term::iso);
                l.billing = billing.map(|b| b.as_str().to_string());
            }
            unpriced.extend(why.map(|w| (l.offer_name.clone(), w)));
            lines.push(l);
        }
        // New commerce subscriptions keep billing to their end dates unless cancelled in
        // their windows: what is left of their terms is counted.
        let mut remaining: Option<Decimal> = None;
        for (s, l) in c.expiring_subscriptions.iter().zip(&lines) {
            if s.channel == crate::plan::Channel::NewCommerce {
                if let Some(m) = l.monthly {
                    let months = Decimal::from(months_left(self.day, s.end_date));
                    *remaining.get_or_insert(Decimal::ZERO) += m.0 * months;
                }
            }
        }
        let saving = kaizala_unit
            .filter(|_| !c.users_remove_only.is_empty())
            .and_then(|(amount, months)| {
                let n = c.users_remove_only.len() as u64;
                money::line_monthly(amount, n, months, digits)
            })
            .map(Money);
        let mut cost = totals(currency, lines, saving, digits);
        cost.remaining_term = remaining.map(|r| Money(rescaled(r, digits)));
        Ok((cost, unpriced, stated_all))
    }

    /// The price of what a step A buys, when it buys anything: the topped-up subscription's
    /// own price, else the price lists.
    fn purchase_price(
        &self,
        c: &CustomerPlan,
        p: &Purchase,
        currency: &Option<String>,
        segment: Segment,
    ) -> Result<Option<LinePrice>> {
        if p.action == PurchaseAction::None || p.seats == 0 {
            return Ok(None);
        }
        // Step A names the subscription it tops up by the id it took from that list.
        let topped_up = c
            .existing_replacements
            .iter()
            .find(|e| Some(&e.subscription_id) == p.subscription_id.as_ref());
        if let Some(own) = topped_up
            .and_then(|e| e.export_price.as_ref())
            .and_then(|e| own_price(e, currency, true))
        {
            return Ok(Some(Ok(own)));
        }
        let names = self.catalog.offer_aliases(&p.offer_name);
        let key = OfferKey { ids: Vec::new(), name: &p.offer_name, other_names: names };
        // A new subscription whose term and billing the worksheet chose is priced at them
        // only; otherwise they are preferences, and the row found settles them.
        let exact = p.terms_source == Some(TermsSource::Worksheet);
        let terms =
            (p.term.unwrap_or(self.opts.term), p.billing.unwrap_or(self.opts.billing), exact);
        self.list_price(key, currency, segment, p.seats, terms, &c.customer_id).map(Some)
    }

    #[allow(clippy::too_many_arguments)]
    fn list_price(
        &self,
        offer: OfferKey<'_>,
        currency: &Option<String>,
        segment: Segment,
        seats: u64,
        (term, billing, exact_terms): (Term, Billing, bool),
        customer: &str,
    ) -> Result<LinePrice> {
        let currency = currency.as_deref();
        if self.book.is_empty() {
            return Ok(Err("no price list given (--prices)".into()));
        }
        let want = Want {
            offer,
            currency,
            segment,
            seats,
            day: self.day,
            term,
            billing,
            exact_terms,
            customer,
        };
        Ok(match self.book.choose(&want)? {
            Ok(row) => Ok(Priced {
                amount: row.amount,
                months: row.months,
                source: Source::List(self.book.place(row)),
                term: row.term,
                billing: row.billing,
                row: Some(row.clone()),
            }),
            Err(m) => Err(m.describe(&want)),
        })
    }
}

impl Ctx<'_> {
    /// Each alternative's cost: what its purchase would cost a month, and the change from the
    /// purchase as planned, when both have a price.
    fn price_alternatives(&self, c: &mut CustomerPlan, cost: &CustomerCost) -> Result<()> {
        if c.alternatives.is_empty() {
            return Ok(());
        }
        let digits = money::minor_digits(cost.currency.as_deref());
        let segment = Segment::of_customer(c.segment.as_deref());
        let mut priced = Vec::with_capacity(c.alternatives.len());
        for alt in &c.alternatives {
            let p = purchase::decide(&alt.plan, c.seats_needed, &c.existing_replacements);
            let monthly = match self.purchase_price(c, &p, &cost.currency, segment)? {
                None => Some(Money(rescaled(Decimal::ZERO, digits))),
                Some(Ok(price)) => {
                    money::line_monthly(price.amount, p.seats, price.months, digits).map(Money)
                }
                Some(Err(_)) => None,
            };
            let change = match (monthly, cost.target_monthly) {
                (Some(alt), Some(planned)) => Some(Money(rescaled(alt.0 - planned.0, digits))),
                _ => None,
            };
            priced.push((monthly, change));
        }
        for (alt, (monthly, change)) in c.alternatives.iter_mut().zip(priced) {
            alt.target_monthly = monthly;
            alt.change_monthly = change;
        }
        Ok(())
    }
}

/// The subscription's own unit price, in the customer's currency: per seat per month, or per
/// year when its billing cycle says annual.
fn own_price(p: &ExportPrice, currency: &Option<String>, topped_up: bool) -> Option<Priced> {
    if let (Some(mine), Some(want)) = (p.currency.as_deref(), currency.as_deref()) {
        if mine != want {
            return None;
        }
    }
    let months = match p.billing {
        Some(Billing::Annual) => 12,
        Some(Billing::Triennial) => 36,
        _ => 1,
    };
    Some(Priced {
        amount: p.amount,
        months,
        source: Source::Export { topped_up, months },
        term: None,
        billing: p.billing,
        row: None,
    })
}

/// The customer's cost from its lines: sums per side, the delta when every line is priced.
fn totals(
    currency: Option<String>,
    lines: Vec<CostLine>,
    saving: Option<Money>,
    digits: u32,
) -> CustomerCost {
    let sum = |side: CostSide| -> Option<Money> {
        let priced: Vec<Decimal> = lines
            .iter()
            .filter(|l| l.side == side)
            .filter_map(|l| l.monthly.map(|m| m.0))
            .collect();
        let any_line = lines.iter().any(|l| l.side == side);
        if priced.is_empty() && any_line {
            None
        } else {
            Some(Money(rescaled(priced.iter().sum(), digits)))
        }
    };
    let lines_without_price = lines.iter().filter(|l| l.monthly.is_none()).count() as u64;
    let current = sum(CostSide::Current);
    let target = sum(CostSide::Target);
    let delta = match (current, target, lines_without_price) {
        (Some(cur), Some(tgt), 0) => Some(Money(rescaled(tgt.0 - cur.0, digits))),
        _ => None,
    };
    CustomerCost {
        currency,
        current_monthly: current,
        target_monthly: target,
        delta_monthly: delta,
        delta_annual: delta.map(|d| Money(rescaled(d.0 * Decimal::from(12), digits))),
        remove_only_saving_monthly: saving,
        lines_without_price,
        remaining_term: None,
        lines,
    }
}

/// Months billed from `day` to `end`: whole months, a started one counting whole (none when the
/// end has passed).
fn months_left(day: NaiveDate, end: NaiveDate) -> u32 {
    use chrono::Datelike;
    if end <= day {
        return 0;
    }
    let whole = (end.year() - day.year()) * 12 + end.month() as i32 - day.month() as i32;
    let started = if end.day() > day.day() { 1 } else { 0 };
    (whole + started).max(0) as u32
}

/// A unit price as written, with at least the currency's digits (`3` becomes `3.00`).
fn at_least_digits(mut d: Decimal, digits: u32) -> Decimal {
    if d.scale() < digits {
        d.rescale(digits);
    }
    d
}

fn rescaled(mut d: Decimal, digits: u32) -> Decimal {
    d.rescale(digits);
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// A cost line, and why it has no price when it has none.
fn line(
    side: CostSide,
    offer_name: String,
    subscription_id: Option<String>,
    seats: u64,
    priced: LinePrice,
    digits: u32,
) -> (CostLine, Option<String>) {
    match priced {
        Ok(p) => {
            let monthly = money::line_monthly(p.amount, seats, p.months, digits).map(Money);
            let row = p.row.as_ref();
            let why = monthly
                .is_none()
                .then(|| format!("the amount is above {} a month", money::LINE_LIMIT));
            let line = CostLine {
                side,
                offer_name,
                subscription_id,
                seats,
                unit_price: Some(Money(at_least_digits(p.amount, digits))),
                price_period_months: Some(p.months),
                unit_monthly: Some(money::unit_monthly(p.amount, p.months, digits)),
                price_source: match &why {
                    None => p.source.text(),
                    Some(why) => format!("no price: {why}"),
                },
                monthly,
                term: p.term.map(Term::iso),
                billing: p.billing.map(|b| b.as_str().to_string()),
                offer_id: row.and_then(|r| r.offer_id.clone()),
                product_id: row.and_then(|r| r.product_id.clone()),
                sku_id: row.and_then(|r| r.sku_id.clone()),
            };
            (line, why)
        }
        Err(why) => (
            CostLine {
                side,
                offer_name,
                subscription_id,
                seats,
                unit_price: None,
                price_period_months: None,
                unit_monthly: None,
                monthly: None,
                price_source: format!("no price: {why}"),
                term: None,
                billing: None,
                offer_id: None,
                product_id: None,
                sku_id: None,
            },
            Some(why),
        ),
    }
}

#[cfg(test)]
mod months_tests {
    use chrono::NaiveDate;

    #[test]
    fn a_started_month_counts_whole() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(super::months_left(d(2026, 12, 1), d(2026, 12, 20)), 1);
        assert_eq!(super::months_left(d(2026, 12, 1), d(2027, 3, 1)), 3);
        assert_eq!(super::months_left(d(2026, 12, 15), d(2027, 3, 16)), 4);
        assert_eq!(super::months_left(d(2026, 12, 15), d(2026, 12, 15)), 0);
        assert_eq!(super::months_left(d(2026, 12, 15), d(2026, 11, 1)), 0);
    }
}
