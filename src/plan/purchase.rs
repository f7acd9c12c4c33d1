//! Step A: what to buy for a customer, given its target plan, the seats it needs and the
//! subscriptions of replacement plans it already has.
//!
//! A customer that already holds an active subscription of the target plan gets its quantity
//! increased rather than a second subscription; seats already bought there but not assigned
//! (known when the users files show who holds the plan) reduce what is bought.

use super::model::{PlanSubscription, Purchase, PurchaseAction};

/// Decides step A. `needed` is the number of seats the customer's users need.
pub fn decide(target: &str, needed: u64, existing: &[PlanSubscription]) -> Purchase {
    // The largest subscription of the target plan, then the lowest id, so the choice is stable.
    let sub = existing
        .iter()
        .filter(|e| e.plan == target)
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
            }
        }
    }
}

/// Seats the customer holds of the target plan once step A is done.
pub fn seats_after(p: &Purchase) -> u64 {
    p.new_quantity.unwrap_or(p.seats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, plan: &str, quantity: u64, assigned: Option<u64>) -> PlanSubscription {
        PlanSubscription {
            subscription_id: id.into(),
            offer_name: plan.into(),
            plan: plan.into(),
            quantity,
            assigned,
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
