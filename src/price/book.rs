//! Choosing one price list row for an offer, a customer and a number of seats.
//!
//! The rule, in order: rows of the offer (by offer id first, then the offer's own name, then
//! its other names); in effect on as-of; in the customer's currency; of the customer's segment
//! (a row without a segment fits any); whose seat tier holds the seats; of the preferred term
//! and billing when the list has them. Rows left that agree on term, billing and price are one
//! price (the first is named); rows that disagree are an error, never a guess.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::catalog::normalize_name;
use crate::error::{Error, Result};
use crate::ingest::prices::{Billing, PriceRow, Segment, Term};
use crate::ingest::Ledger;

/// Price list rows indexed for lookup.
pub struct PriceBook<'a> {
    rows: &'a [PriceRow],
    by_name: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, Vec<usize>>,
    ledger: &'a Ledger,
}

/// How one offer is recognised in a list: its ids, its own name, other names.
pub struct OfferKey<'a> {
    /// Offer ids (legacy offer id or new commerce product id), any case.
    pub ids: Vec<&'a str>,
    /// The offer's own name.
    pub name: &'a str,
    /// Other names of the same offer (former names), tried when no row has its own name.
    pub other_names: &'a [String],
}

/// What a price is wanted for.
pub struct Want<'a> {
    /// The offer.
    pub offer: OfferKey<'a>,
    /// The customer's currency, when known.
    pub currency: Option<&'a str>,
    /// The customer's segment.
    pub segment: Segment,
    /// Seats on the line (for tiers).
    pub seats: u64,
    /// The day the price must be in effect.
    pub day: NaiveDate,
    /// Preferred term.
    pub term: Term,
    /// Preferred billing.
    pub billing: Billing,
    /// The term and billing are the purchase's own, not a preference: a row stating another
    /// term or billing does not price it.
    pub exact_terms: bool,
    /// The customer, for messages.
    pub customer: &'a str,
}

/// Why no price was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// No list has the offer.
    NotListed,
    /// The offer's rows are not in effect on the day.
    NotInEffect,
    /// No row in the customer's currency; the currencies there are.
    NoCurrency(Vec<String>),
    /// No row for the customer's segment.
    NoSegment,
    /// No tier holds the seats.
    NoTier,
    /// No row of the purchase's term and billing; the ones there are.
    NoTerms(Vec<String>),
}

impl Missing {
    /// The reason in words.
    pub fn describe(&self, want: &Want) -> String {
        match self {
            Missing::NotListed => "not in the price lists".into(),
            Missing::NotInEffect => format!("no price in effect on {}", want.day),
            Missing::NoCurrency(have) => format!(
                "no price in {} (the lists have {})",
                want.currency.unwrap_or("the customer's currency"),
                have.join(", ")
            ),
            Missing::NoSegment => format!("no price for the {} segment", want.segment.as_str()),
            Missing::NoTier => format!("no price tier for {} seats", want.seats),
            Missing::NoTerms(have) => format!(
                "no price for a {} term billed {} (the lists have {}); choose another term or billing in the worksheet",
                want.term.iso(),
                want.billing.as_str(),
                have.join(", ")
            ),
        }
    }
}

impl<'a> PriceBook<'a> {
    /// Indexes the rows; the ledger names their files in sources and messages.
    pub fn new(rows: &'a [PriceRow], ledger: &'a Ledger) -> PriceBook<'a> {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            if let Some(n) = &r.offer_name {
                by_name.entry(normalize_name(n)).or_default().push(i);
            }
            for id in [&r.offer_id, &r.product_id].into_iter().flatten() {
                by_id.entry(id.to_lowercase()).or_default().push(i);
            }
        }
        PriceBook { rows, by_name, by_id, ledger }
    }

    /// True when no price list was given.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where a row is, for sources and messages: `file:row` or `file[sheet]:row`.
    pub fn place(&self, row: &PriceRow) -> String {
        self.ledger.place(row.origin).to_string()
    }

    /// The rows of an offer: by id when any row has one of its ids, else by its own name, else
    /// by its other names.
    fn rows_of(&self, key: &OfferKey) -> Vec<&'a PriceRow> {
        let pick = |idx: Option<&Vec<usize>>| -> Vec<&'a PriceRow> {
            idx.map(|v| v.iter().map(|&i| &self.rows[i]).collect()).unwrap_or_default()
        };
        let by_id: Vec<&PriceRow> =
            key.ids.iter().flat_map(|id| pick(self.by_id.get(&id.to_lowercase()))).collect();
        if !by_id.is_empty() {
            return by_id;
        }
        let own = pick(self.by_name.get(&normalize_name(key.name)));
        if !own.is_empty() {
            return own;
        }
        key.other_names.iter().flat_map(|n| pick(self.by_name.get(&normalize_name(n)))).collect()
    }

    /// The one row that prices `want`, why there is none, or an error when rows disagree.
    pub fn choose(&self, want: &Want) -> Result<std::result::Result<&'a PriceRow, Missing>> {
        let mut rows = self.rows_of(&want.offer);
        if rows.is_empty() {
            return Ok(Err(Missing::NotListed));
        }
        rows.retain(|r| r.in_effect(want.day));
        if rows.is_empty() {
            return Ok(Err(Missing::NotInEffect));
        }
        let currencies: BTreeSet<&str> = rows.iter().map(|r| r.currency.as_str()).collect();
        match want.currency {
            Some(c) => rows.retain(|r| r.currency == c),
            None if currencies.len() > 1 => {
                return Err(self.ambiguous(
                    want,
                    &rows,
                    "the customer's currency is not known (no currency in its subscription rows); give --currency",
                ))
            }
            None => {}
        }
        if rows.is_empty() {
            return Ok(Err(Missing::NoCurrency(
                currencies.iter().map(|s| s.to_string()).collect(),
            )));
        }
        if rows.iter().any(|r| r.segment == Some(want.segment)) {
            rows.retain(|r| r.segment == Some(want.segment));
        } else {
            rows.retain(|r| r.segment.is_none());
        }
        if rows.is_empty() {
            return Ok(Err(Missing::NoSegment));
        }
        rows.retain(|r| r.fits(want.seats));
        if rows.is_empty() {
            return Ok(Err(Missing::NoTier));
        }
        if want.exact_terms {
            let fits = |r: &PriceRow| {
                r.term.is_none_or(|t| t == want.term) && r.billing.is_none_or(|b| b == want.billing)
            };
            if !rows.iter().any(|r| fits(r)) {
                let mut have: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let term = r.term.map(Term::iso).unwrap_or_else(|| "any term".into());
                        let billing = r.billing.map(Billing::as_str).unwrap_or("any billing");
                        format!("{term} billed {billing}")
                    })
                    .collect();
                have.sort();
                have.dedup();
                return Ok(Err(Missing::NoTerms(have)));
            }
            rows.retain(|r| fits(r));
        }
        if rows.iter().any(|r| r.term == Some(want.term)) {
            rows.retain(|r| r.term == Some(want.term));
        }
        if rows.iter().any(|r| r.billing == Some(want.billing)) {
            rows.retain(|r| r.billing == Some(want.billing));
        }
        let first = rows[0];
        let same = |r: &PriceRow| {
            r.term == first.term
                && r.billing == first.billing
                && r.amount * rust_decimal::Decimal::from(first.months)
                    == first.amount * rust_decimal::Decimal::from(r.months)
        };
        if rows.iter().all(|r| same(r)) {
            return Ok(Ok(first));
        }
        Err(self.ambiguous(
            want,
            &rows,
            "choose with --term (P1M, P1Y, P3Y) and --billing (monthly, annual), or remove the rows that do not apply",
        ))
    }

    fn ambiguous(&self, want: &Want, rows: &[&PriceRow], hint: &str) -> Error {
        let shown: Vec<String> = rows
            .iter()
            .take(6)
            .map(|r| {
                let mut parts = vec![format!("{} {}", r.amount, r.currency)];
                parts.push(match r.months {
                    1 => "per month".to_string(),
                    12 => "per year".to_string(),
                    m => format!("per {m} months"),
                });
                if let Some(t) = r.term {
                    parts.push(format!("term {}", t.iso()));
                }
                if let Some(b) = r.billing {
                    parts.push(format!("billed {}", b.as_str()));
                }
                if let Some(m) = &r.market {
                    parts.push(format!("market {m}"));
                }
                format!("{} ({})", self.place(r), parts.join(", "))
            })
            .collect();
        let more = rows.len().saturating_sub(6);
        Error::AmbiguousPrice {
            offer: want.offer.name.to_string(),
            currency: want.currency.unwrap_or("any currency").to_string(),
            customer: want.customer.to_string(),
            candidates: if more > 0 {
                format!("{} and {more} more", shown.join("; "))
            } else {
                shown.join("; ")
            },
            hint: hint.to_string(),
        }
    }
}
