//! Price: what each customer pays for its Kaizala Pro seats today and for the new plan after.
//!
//! Owns: choosing a price per cost line (the subscription's own unit price for today's cost,
//! else the price lists, see `book`), exact line amounts (`money`), the per-customer cost, the
//! warning that lists every offer without a price, and the totals per currency (`aggregate`,
//! with polars). It reads the typed records of `ingest` and the decisions of `plan`; it decides
//! nothing about who moves where.

pub mod aggregate;
pub mod book;
pub mod money;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::catalog::Catalog;
use crate::error::Result;
use crate::ingest::prices::{Billing, PriceRow, Segment, Term};
use crate::ingest::{Ingested, SubscriptionRecord};
use crate::plan::{CostLine, CostSide, CustomerCost, CustomerPlan, Money, Plan, PurchaseAction};
use book::{OfferKey, PriceBook, Want};

/// The names Kaizala Pro goes by in price lists.
const KAIZALA_NAMES: &[&str] = &["Kaizala Pro", "Microsoft Kaizala Pro"];

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
pub fn apply(
    plan: &mut Plan,
    ing: &Ingested,
    catalog: &Catalog,
    opts: &PriceOptions,
) -> Result<()> {
    let book = PriceBook::new(&ing.prices, &ing.ledger);
    // The subscriptions a cost line can name: the expiring ones and those topped up.
    let wanted: std::collections::HashSet<String> = plan
        .customers
        .iter()
        .flat_map(|c| {
            c.expiring_subscriptions
                .iter()
                .map(|s| s.subscription_id.to_lowercase())
                .chain(c.purchase.subscription_id.iter().map(|s| s.to_lowercase()))
        })
        .collect();
    let subs: HashMap<String, &SubscriptionRecord> = ing
        .subscriptions
        .iter()
        .filter_map(|s| {
            let key = s.subscription_id.to_lowercase();
            wanted.contains(&key).then_some((key, s))
        })
        .collect();
    let mut customer_currency: HashMap<&str, &str> = HashMap::new();
    for s in &ing.subscriptions {
        if let Some(c) = &s.currency {
            customer_currency.entry(s.customer_id.as_str()).or_insert(c.as_str());
        }
    }
    let list_currencies: BTreeSet<&str> = ing.prices.iter().map(|p| p.currency.as_str()).collect();
    let only_list_currency =
        (list_currencies.len() == 1).then(|| list_currencies.iter().next()).flatten().copied();
    let ctx = Ctx { book: &book, subs: &subs, opts, catalog, day: plan.as_of };
    let mut missing: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for c in &mut plan.customers {
        let currency = c
            .expiring_subscriptions
            .iter()
            .find_map(|s| s.currency.as_deref())
            .or_else(|| customer_currency.get(c.customer_id.as_str()).copied())
            .or(opts.currency.as_deref())
            .or(only_list_currency)
            .map(str::to_string);
        let cost = ctx.customer_cost(c, currency)?;
        // Without price lists, missing list prices are expected: the lines say so, and the
        // report says no list was given; warnings are for lists that lack an offer.
        for line in cost.lines.iter().filter(|l| l.monthly.is_none() && !book.is_empty()) {
            let who = c.customer_name.clone().unwrap_or_else(|| c.customer_id.clone());
            missing
                .entry((
                    line.offer_name.clone(),
                    line.price_source.trim_start_matches("no price: ").to_string(),
                ))
                .or_default()
                .push(who);
        }
        c.cost = cost;
    }
    for ((offer, why), mut who) in missing {
        who.sort();
        who.dedup();
        let n = who.len();
        let shown: Vec<String> = who.into_iter().take(5).collect();
        let more = if n > 5 { format!(" and {} more", n - 5) } else { String::new() };
        plan.warnings.push(format!(
            "no price for {offer}: {why}; {n} customer(s): {}{more}; their cost lines say \"no price\" and totals leave them out",
            shown.join(", ")
        ));
    }
    plan.cost_totals = aggregate::totals(&plan.customers)?;
    plan.cost_totals.price_lists = ing
        .ledger
        .files
        .iter()
        .filter(|f| f.kind == Some(crate::ingest::Kind::Prices))
        .map(|f| f.location.to_string())
        .collect();
    Ok(())
}

struct Ctx<'a> {
    book: &'a PriceBook<'a>,
    subs: &'a HashMap<String, &'a SubscriptionRecord>,
    opts: &'a PriceOptions,
    catalog: &'a Catalog,
    day: NaiveDate,
}

/// A price for a line: amount per seat for `months`, and where it comes from.
struct Priced {
    amount: Decimal,
    months: u32,
    source: String,
    term: Option<Term>,
    billing: Option<Billing>,
    row: Option<PriceRow>,
}

impl Ctx<'_> {
    fn customer_cost(&self, c: &CustomerPlan, currency: Option<String>) -> Result<CustomerCost> {
        let digits = money::minor_digits(currency.as_deref());
        let segment = Segment::of_customer(c.segment.as_deref());
        let mut lines = Vec::new();
        let mut kaizala_unit: Option<(Decimal, u32)> = None;
        for s in &c.expiring_subscriptions {
            let rec = self.subs.get(&s.subscription_id.to_lowercase());
            let offer = s.offer_name.clone().unwrap_or_else(|| "Kaizala Pro".into());
            let priced = match rec.and_then(|r| own_price(r, currency.as_deref())) {
                Some(p) => Ok(p),
                None => {
                    let other: Vec<String> = KAIZALA_NAMES.iter().map(|n| n.to_string()).collect();
                    let billing = rec
                        .and_then(|r| r.billing_cycle.as_deref())
                        .and_then(|b| Billing::parse(b).ok())
                        .unwrap_or(self.opts.billing);
                    self.list_price(
                        OfferKey {
                            ids: s.offer_id.as_deref().into_iter().collect(),
                            name: &offer,
                            other_names: &other,
                        },
                        currency.as_deref(),
                        segment,
                        s.quantity,
                        billing,
                        &c.customer_id,
                    )?
                }
            };
            if let Ok(p) = &priced {
                kaizala_unit.get_or_insert((p.amount, p.months));
            }
            lines.push(line(
                CostSide::Current,
                offer,
                Some(s.subscription_id.clone()),
                s.quantity,
                priced,
                digits,
            ));
        }
        let p = &c.purchase;
        if p.action != PurchaseAction::None && p.seats > 0 {
            let own = p
                .subscription_id
                .as_ref()
                .and_then(|id| self.subs.get(&id.to_lowercase()))
                .and_then(|r| own_price(r, currency.as_deref()));
            let priced = match own {
                Some(mut o) => {
                    o.source = o.source.replace("subscription export", "topped-up subscription's");
                    Ok(o)
                }
                None => {
                    let plan_names = self
                        .catalog
                        .plan(&p.offer_name)
                        .map(|i| i.aliases.clone())
                        .unwrap_or_default();
                    self.list_price(
                        OfferKey { ids: Vec::new(), name: &p.offer_name, other_names: &plan_names },
                        currency.as_deref(),
                        segment,
                        p.seats,
                        self.opts.billing,
                        &c.customer_id,
                    )?
                }
            };
            lines.push(line(
                CostSide::Target,
                p.offer_name.clone(),
                p.subscription_id.clone(),
                p.seats,
                priced,
                digits,
            ));
        }
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
        let n_remove_only = c.users_remove_only.len() as u64;
        let saving = kaizala_unit
            .filter(|_| n_remove_only > 0)
            .and_then(|(amount, months)| money::line_monthly(amount, n_remove_only, months, digits))
            .map(Money);
        Ok(CustomerCost {
            currency,
            current_monthly: current,
            target_monthly: target,
            delta_monthly: delta,
            delta_annual: delta.map(|d| Money(rescaled(d.0 * Decimal::from(12), digits))),
            remove_only_saving_monthly: saving,
            lines_without_price,
            lines,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn list_price(
        &self,
        offer: OfferKey,
        currency: Option<&str>,
        segment: Segment,
        seats: u64,
        billing: Billing,
        customer: &str,
    ) -> Result<std::result::Result<Priced, String>> {
        if self.book.is_empty() {
            return Ok(Err("no price list given (--prices)".into()));
        }
        let want = Want {
            offer,
            currency,
            segment,
            seats,
            day: self.day,
            term: self.opts.term,
            billing,
            customer,
        };
        Ok(match self.book.choose(&want)? {
            Ok(row) => Ok(Priced {
                amount: row.amount,
                months: row.months,
                source: format!("price list {}", self.book.place(row)),
                term: row.term,
                billing: row.billing,
                row: Some(row.clone()),
            }),
            Err(m) => Err(m.describe(&want)),
        })
    }
}

/// The subscription's own unit price, in the customer's currency: per seat per month, or per
/// year when its billing cycle says annual.
fn own_price(rec: &SubscriptionRecord, currency: Option<&str>) -> Option<Priced> {
    let amount = rec.unit_price?;
    if let (Some(mine), Some(want)) = (rec.currency.as_deref(), currency) {
        if mine != want {
            return None;
        }
    }
    let billing = rec.billing_cycle.as_deref().and_then(|b| Billing::parse(b).ok());
    let (months, per) = match billing {
        Some(Billing::Annual) => (12, "per seat per year"),
        Some(Billing::Triennial) => (36, "per seat per three years"),
        _ => (1, "per seat per month"),
    };
    Some(Priced {
        amount,
        months,
        source: format!("subscription export unit price ({per})"),
        term: None,
        billing,
        row: None,
    })
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

fn line(
    side: CostSide,
    offer_name: String,
    subscription_id: Option<String>,
    seats: u64,
    priced: std::result::Result<Priced, String>,
    digits: u32,
) -> CostLine {
    match priced {
        Ok(p) => {
            let monthly = money::line_monthly(p.amount, seats, p.months, digits).map(Money);
            let row = p.row.as_ref();
            CostLine {
                side,
                offer_name,
                subscription_id,
                seats,
                unit_price: Some(Money(at_least_digits(p.amount, digits))),
                price_period_months: Some(p.months),
                unit_monthly: Some(money::unit_monthly(p.amount, p.months, digits)),
                price_source: if monthly.is_some() {
                    p.source
                } else {
                    format!("no price: the amount is above {} a month", money::LINE_LIMIT)
                },
                monthly,
                term: p.term.map(Term::iso),
                billing: p.billing.map(|b| b.as_str().to_string()),
                offer_id: row.and_then(|r| r.offer_id.clone()),
                product_id: row.and_then(|r| r.product_id.clone()),
                sku_id: row.and_then(|r| r.sku_id.clone()),
            }
        }
        Err(why) => CostLine {
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
    }
}
