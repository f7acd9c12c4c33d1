//! Step A: what to buy for a customer, given its target plan, the seats it needs and the
//! subscriptions of replacement plans it already has.
//!
//! A customer that already holds an active subscription of the target plan gets its quantity
//! increased rather than a second subscription; seats already bought there but not assigned
//! (known when the users files show who holds the plan) reduce what is bought. A plan of several
//! offers is one such purchase per offer, each decided on its own subscriptions.

use super::model::{Purchase, PurchaseAction, ReplacementSubscription, TermsSource};
use super::target::{self, TargetReason};
use crate::catalog::Catalog;
use crate::ingest::prices::{Billing, Term};

/// Decides step A. `needed` is the number of seats the customer's users need.
pub fn decide(target: &str, needed: u64, existing: &[ReplacementSubscription]) -> Purchase {
    // The largest subscription of the target plan, then the lowest id, so the choice is stable.
    let sub = existing
        .iter()
        .filter(|e| e.replacement == target)
        .min_by(|a, b| b.quantity.cmp(&a.quantity).then(a.subscription_id.cmp(&b.subscription_id)));
    match sub {
        None => Purchase {
            action: if needed > 0 { PurchaseAction::Buy } else { PurchaseAction::None },
            offer_name: target.to_string(),
            seats: needed,
            subscription_id: None,
            current_quantity: None,
            new_quantity: None,
            spare_seats: None,
            term: None,
            billing: None,
            terms_source: None,
        },
        Some(e) => {
            let spare = e.assigned.map(|a| e.quantity.saturating_sub(a));
            let seats = needed.saturating_sub(spare.unwrap_or(0));
            Purchase {
                action: if seats > 0 { PurchaseAction::Increase } else { PurchaseAction::None },
                offer_name: target.to_string(),
                seats,
                subscription_id: Some(e.subscription_id.clone()),
                current_quantity: Some(e.quantity),
                new_quantity: Some(e.quantity + seats),
                spare_seats: spare,
                term: None,
                billing: None,
                terms_source: None,
            }
        }
    }
}

/// Gives a purchase that buys a new subscription its term and billing; a top-up keeps its
/// subscription's, and buying nothing has none.
pub fn set_terms(
    p: &mut Purchase,
    term: Option<Term>,
    billing: Option<Billing>,
    source: TermsSource,
) {
    let buys = p.action == PurchaseAction::Buy;
    p.term = term.filter(|_| buys);
    p.billing = billing.filter(|_| buys);
    p.terms_source = Some(source).filter(|_| buys);
}

/// Seats the customer holds of the target plan once step A is done.
pub fn seats_after(p: &Purchase) -> u64 {
    p.new_quantity.unwrap_or(p.seats)
}

/// Seats the users need of each offer (`needs(offer)`): an offer some of them already hold
/// needs fewer.
pub type Needs<'a> = &'a dyn Fn(&str) -> u64;

/// Step A for every offer of a target plan, in the plan's order.
pub fn decide_plan(
    plan: &str,
    needs: Needs<'_>,
    existing: &[ReplacementSubscription],
    catalog: &Catalog,
) -> Vec<Purchase> {
    offers(plan, catalog).iter().map(|o| decide(o, needs(o), existing)).collect()
}

/// The offers of a target plan (the plan itself when the catalogue does not know it).
pub fn offers(plan: &str, catalog: &Catalog) -> Vec<String> {
    catalog.replacement(plan).map(|r| r.offers.clone()).unwrap_or_else(|| vec![plan.to_string()])
}

/// Seats the customer holds of a target plan once step A is done: the most of any offer.
pub fn plan_seats_after(purchases: &[Purchase]) -> u64 {
    purchases.iter().map(seats_after).max().unwrap_or(0)
}

/// Step A for a target, switching to the large offer when the customer would hold more seats of
/// a capped plan than its cap (a top-up counts the seats already there).
pub fn settle(
    plan: String,
    reason: TargetReason,
    needs: Needs<'_>,
    existing: &[ReplacementSubscription],
    catalog: &Catalog,
) -> (String, TargetReason, Vec<Purchase>) {
    let p = decide_plan(&plan, needs, existing, catalog);
    let after = plan_seats_after(&p);
    if target::above_cap(&plan, after, catalog) {
        let (plan, reason) = target::capped(&plan, after, reason, catalog);
        let p = decide_plan(&plan, needs, existing, catalog);
        return (plan, reason, p);
    }
    (plan, reason, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, offer: &str, quantity: u64, assigned: Option<u64>) -> ReplacementSubscription {
        ReplacementSubscription {
            subscription_id: id.into(),
            offer_name: offer.into(),
            replacement: offer.into(),
            quantity,
            assigned,
            export_price: None,
        }
    }

    #[test]
    fn buys_when_there_is_no_subscription_of_the_target() {
        let p = decide("Office 365 E1", 5, &[sub("x", "Office 365 E3", 10, Some(2))]);
        assert_eq!((p.action, p.seats, p.subscription_id), (PurchaseAction::Buy, 5, None));
        assert_eq!(decide("Office 365 E1", 0, &[]).action, PurchaseAction::None);
    }

    #[test]
    fn tops_up_an_existing_subscription_less_its_spare_seats() {
        let p = decide(
            "Office 365 E1",
            5,
            &[sub("b", "Office 365 E1", 10, Some(8)), sub("a", "Office 365 E1", 3, None)],
        );
        assert_eq!(p.action, PurchaseAction::Increase);
        assert_eq!(p.subscription_id.as_deref(), Some("b"));
        assert_eq!((p.spare_seats, p.seats, p.new_quantity), (Some(2), 3, Some(13)));
    }

    #[test]
    fn spare_seats_can_cover_everything() {
        let p = decide("Office 365 E1", 2, &[sub("b", "Office 365 E1", 10, Some(8))]);
        assert_eq!((p.action, p.seats, p.new_quantity), (PurchaseAction::None, 0, Some(10)));
    }

    #[test]
    fn unknown_assignments_mean_no_spare_seats() {
        let p = decide("Office 365 E1", 4, &[sub("b", "Office 365 E1", 10, None)]);
        assert_eq!((p.action, p.seats, p.spare_seats), (PurchaseAction::Increase, 4, None));
    }
}
