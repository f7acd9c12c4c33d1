//! Detect: which subscriptions are expiring Kaizala Pro subscriptions.
//!
//! Owns: the verdict on each merged subscription record (run in parallel with rayon), the
//! reason for leaving one out, and the set of affected customers. Whether an offer is Kaizala
//! Pro was decided once by ingest (`SubscriptionRecord::kaizala_pro`); this stage adds status,
//! auto renew and dates. Its `Detection` is computed once per run and carried on: ingest reads
//! only the affected customers' users, and `plan` groups by customer from the verdicts.

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::guid::{self, GuidSet};
use crate::ingest::{Filtered, Status, SubscriptionRecord};

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
    pub fn reason(&self) -> Option<Filtered> {
        match self {
            Verdict::Expiring { .. } => None,
            Verdict::NotKaizala => Some(Filtered::NotKaizala),
            Verdict::Handled(s) => Some(Filtered::AlreadyHandled(*s)),
            Verdict::AutoRenewOn => Some(Filtered::AutoRenewOn),
            Verdict::OutsideHorizon => Some(Filtered::OutsideHorizon),
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
    /// Only subscriptions with auto renew off are in scope (the profile's selection); false:
    /// every active subscription of the retiring offer.
    pub auto_renew_off_only: bool,
}

/// Classifies one subscription.
pub fn classify(sub: &SubscriptionRecord, window: Window) -> Verdict {
    if !sub.kaizala_pro {
        return Verdict::NotKaizala;
    }
    match sub.status {
        Some(Status::Active) | None => {}
        Some(s) => return Verdict::Handled(s),
    }
    if window.auto_renew_off_only && sub.auto_renew == Some(true) {
        return Verdict::AutoRenewOn;
    }
    if sub.end_date > window.horizon_end {
        return Verdict::OutsideHorizon;
    }
    let days_left = (sub.end_date - window.as_of).num_days();
    Verdict::Expiring { days_left, lapsed: days_left < 0 }
}

/// The verdict on every subscription (in input order) and the customers they affect.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// One verdict per subscription record, in the records' order.
    pub verdicts: Vec<Verdict>,
    /// The customers with at least one expiring Kaizala Pro subscription: the only customers
    /// whose users rows matter.
    pub affected: GuidSet,
}

impl Detection {
    /// True when the customer (canonical tenant id) has an expiring subscription.
    pub fn is_affected(&self, customer_id: &str) -> bool {
        guid::guid_bits(customer_id.as_bytes()).is_some_and(|c| self.affected.contains(&c))
    }
}

/// Classifies every subscription in parallel and collects the affected customers.
pub fn detect(subs: &[SubscriptionRecord], window: Window) -> Detection {
    let mut verdicts = Vec::with_capacity(subs.len());
    subs.par_iter().with_min_len(1024).map(|s| classify(s, window)).collect_into_vec(&mut verdicts);
    let affected = verdicts
        .iter()
        .zip(subs)
        .filter(|(v, _)| matches!(v, Verdict::Expiring { .. }))
        .filter_map(|(_, s)| guid::guid_bits(s.customer_id.as_bytes()))
        .collect();
    Detection { verdicts, affected }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

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
            kaizala_pro: Catalog::builtin(&[]).is_kaizala_pro_offer(Some(offer), None),
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
        let w = Window {
            as_of: d(2026, 12, 1),
            horizon_end: d(2027, 12, 1),
            auto_renew_off_only: true,
        };
        let v = |s: &SubscriptionRecord| classify(s, w);
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
        let w = Window {
            as_of: d(2026, 12, 1),
            horizon_end: d(2027, 12, 1),
            auto_renew_off_only: true,
        };
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
        let got = detect(&subs, w);
        let want: Vec<_> = subs.iter().map(|s| classify(s, w)).collect();
        assert_eq!(got.verdicts, want);
    }
}
