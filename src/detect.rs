//! Detect: which subscriptions are expiring Kaizala Pro subscriptions.
//!
//! Owns: the classification of each merged subscription record (run in parallel with rayon)
//! and the reasons for leaving one out. Grouping by customer and deciding what to do is left to
//! `plan`.

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::ingest::{Status, SubscriptionRecord};

/// What detection concluded about one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An active Kaizala Pro subscription that ends within the horizon: to be migrated.
    Expiring {
        /// Days from as-of to the end date (negative when lapsed).
        days_left: i64,
        /// The end date is already past as-of.
        lapsed: bool,
    },
    /// Not a Kaizala Pro subscription.
    NotKaizala,
    /// Kaizala Pro, already suspended, deleted, expired or disabled.
    Handled(Status),
    /// Kaizala Pro with auto renew on, which should not exist after 1 July 2020.
    AutoRenewOn,
    /// Kaizala Pro ending after the horizon.
    OutsideHorizon,
}

impl Verdict {
    /// The filter reason for a subscription that is not planned.
    pub fn reason(&self) -> Option<std::borrow::Cow<'static, str>> {
        use std::borrow::Cow::{Borrowed, Owned};
        match self {
            Verdict::Expiring { .. } => None,
            Verdict::NotKaizala => Some(Borrowed(crate::ingest::NOT_KAIZALA)),
            Verdict::Handled(s) => Some(Owned(format!("Kaizala Pro, already {}", s.as_str()))),
            Verdict::AutoRenewOn => Some(Borrowed("Kaizala Pro with auto renew on")),
            Verdict::OutsideHorizon => Some(Borrowed("Kaizala Pro ending after the horizon")),
        }
    }
}

/// The dates detection works with.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// "Today".
    pub as_of: NaiveDate,
    /// The last end date that counts as expiring (as-of + horizon).
    pub horizon_end: NaiveDate,
}

/// Classifies one subscription.
pub fn classify(sub: &SubscriptionRecord, catalog: &Catalog, window: Window) -> Verdict {
    let kaizala = catalog.is_kaizala_pro_offer(sub.offer_name.as_deref(), sub.offer_id.as_deref());
    classify_known(sub, kaizala, window)
}

/// Classifies a subscription whose offer is already known to be Kaizala Pro or not.
fn classify_known(sub: &SubscriptionRecord, kaizala: bool, window: Window) -> Verdict {
    if !kaizala {
        return Verdict::NotKaizala;
    }
    match sub.status {
        Some(Status::Active) | None => {}
        Some(s) => return Verdict::Handled(s),
    }
    if sub.auto_renew == Some(true) {
        return Verdict::AutoRenewOn;
    }
    if sub.end_date > window.horizon_end {
        return Verdict::OutsideHorizon;
    }
    let days_left = (sub.end_date - window.as_of).num_days();
    Verdict::Expiring { days_left, lapsed: days_left < 0 }
}

/// Classifies every subscription in parallel; the result is in input order.
pub fn classify_all(
    subs: &[SubscriptionRecord],
    catalog: &Catalog,
    window: Window,
) -> Vec<Verdict> {
    // A book has few distinct offers: decide each (name, id) pair once, then classify the
    // records in parallel against that table.
    let mut offers: std::collections::HashMap<(Option<&str>, Option<&str>), bool> =
        std::collections::HashMap::new();
    for s in subs {
        offers.entry((s.offer_name.as_deref(), s.offer_id.as_deref())).or_insert_with(|| {
            catalog.is_kaizala_pro_offer(s.offer_name.as_deref(), s.offer_id.as_deref())
        });
    }
    let mut out = Vec::with_capacity(subs.len());
    subs.par_iter()
        .with_min_len(1024)
        .map(|s| {
            let kaizala = offers[&(s.offer_name.as_deref(), s.offer_id.as_deref())];
            classify_known(s, kaizala, window)
        })
        .collect_into_vec(&mut out);
    out
}

/// The customers with at least one expiring Kaizala Pro subscription: the only customers whose
/// users rows matter.
pub fn affected_customers(
    subs: &[SubscriptionRecord],
    catalog: &Catalog,
    window: Window,
) -> crate::ingest::values::GuidSet {
    classify_all(subs, catalog, window)
        .iter()
        .zip(subs)
        .filter(|(v, _)| matches!(v, Verdict::Expiring { .. }))
        .filter_map(|(_, s)| crate::ingest::values::guid_bits(s.customer_id.as_bytes()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn sub(
        offer: &str,
        end: NaiveDate,
        auto: Option<bool>,
        status: Option<Status>,
    ) -> SubscriptionRecord {
        SubscriptionRecord {
            subscription_id: "s".into(),
            customer_id: "c".into(),
            offer_name: Some(offer.into()),
            offer_id: None,
            quantity: 5,
            end_date: end,
            auto_renew: auto,
            status,
            start_date: None,
            billing_cycle: None,
            unit_price: None,
            currency: None,
            origins: Vec::new(),
        }
    }

    #[test]
    fn verdicts_follow_the_rule() {
        let c = Catalog::builtin(&[]);
        let w = Window { as_of: d(2026, 12, 1), horizon_end: d(2027, 12, 1) };
        let v = |s: &SubscriptionRecord| classify(s, &c, w);
        assert_eq!(
            v(&sub("Kaizala Pro", d(2026, 11, 1), Some(false), None)),
            Verdict::Expiring { days_left: -30, lapsed: true }
        );
        assert_eq!(
            v(&sub("Kaizala Pro", d(2026, 12, 1), Some(false), None)),
            Verdict::Expiring { days_left: 0, lapsed: false }
        );
        assert_eq!(
            v(&sub("Kaizala Pro", d(2027, 12, 1), None, Some(Status::Active))),
            Verdict::Expiring { days_left: 365, lapsed: false }
        );
        assert_eq!(
            v(&sub("Kaizala Pro", d(2027, 12, 2), Some(false), None)),
            Verdict::OutsideHorizon
        );
        assert_eq!(v(&sub("Kaizala Pro", d(2027, 1, 2), Some(true), None)), Verdict::AutoRenewOn);
        assert_eq!(
            v(&sub("Kaizala Pro", d(2027, 1, 2), Some(false), Some(Status::Suspended))),
            Verdict::Handled(Status::Suspended)
        );
        assert_eq!(v(&sub("Office 365 E3", d(2027, 1, 2), Some(false), None)), Verdict::NotKaizala);
    }

    #[test]
    fn parallel_classification_keeps_order() {
        let c = Catalog::builtin(&[]);
        let w = Window { as_of: d(2026, 12, 1), horizon_end: d(2027, 12, 1) };
        let subs: Vec<_> = (0..5000)
            .map(|i| {
                sub(
                    if i % 3 == 0 { "Kaizala Pro" } else { "Office 365 E1" },
                    d(2027, 1, 1),
                    Some(false),
                    None,
                )
            })
            .collect();
        let got = classify_all(&subs, &c, w);
        let want: Vec<_> = subs.iter().map(|s| classify(s, &c, w)).collect();
        assert_eq!(got, want);
    }
}
