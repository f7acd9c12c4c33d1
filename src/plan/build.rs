//! Building the plan from detected subscriptions and linked users.
//!
//! Owns: grouping expiring subscriptions by customer, sorting users into "move" and
//! "remove only", the seat count, the deadline, and marking the fate of every subscription and
//! user row in the ledger. The target rule itself lives in `target`.

use std::collections::{BTreeMap, BTreeSet};

use super::model::*;
use super::{purchase, slug, target};
use crate::catalog::Catalog;
use crate::detect::{self, Verdict, Window};
use crate::ingest::{Ingested, UserRecord};

/// Filter reason for Kaizala Pro users whose customer has nothing expiring.
pub const CUSTOMER_NOT_AFFECTED: &str = "customer has no expiring Kaizala Pro subscription";
/// Filter reason for Kaizala Pro users linked to no customer.
pub const NO_CUSTOMER: &str = "matches no customer of the subscriptions files";
/// Filter reason for a user row repeated in another row.
pub const DUPLICATE_USER: &str = "same user as an earlier row";

/// What the plan needs besides the ingested data.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// As-of date and horizon.
    pub window: Window,
    /// Horizon in days, as given.
    pub horizon_days: u32,
    /// The target plan forced with --target (canonical name).
    pub forced_target: Option<String>,
    /// Customers named frontline-only with --frontline.
    pub frontline_customers: BTreeSet<String>,
}

/// Builds the plan and marks every row's fate in `ing.ledger`.
pub fn build(ing: &mut Ingested, catalog: &Catalog, opts: PlanOptions) -> Plan {
    let verdicts = detect::classify_all(&ing.subscriptions, catalog, opts.window);
    // Only affected customers' other subscriptions matter (replacement plans they already have).
    let affected: BTreeSet<String> = ing
        .subscriptions
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| matches!(v, Verdict::Expiring { .. }))
        .map(|(s, _)| s.customer_id.clone())
        .collect();
    let mut warnings = Vec::new();
    let mut auto_renew: Vec<String> = Vec::new();
    let mut expiring: BTreeMap<String, Vec<ExpiringSubscription>> = BTreeMap::new();
    let mut others = Vec::new();
    let mut plan_subs: BTreeMap<String, Vec<PlanSubscription>> = BTreeMap::new();
    for (sub, verdict) in ing.subscriptions.iter().zip(&verdicts) {
        match (verdict, verdict.reason()) {
            (Verdict::Expiring { days_left, lapsed }, _) => {
                for &o in &sub.origins {
                    ing.ledger.used(o);
                }
                expiring.entry(sub.customer_id.clone()).or_default().push(ExpiringSubscription {
                    subscription_id: sub.subscription_id.clone(),
                    offer_name: sub.offer_name.clone(),
                    offer_id: sub.offer_id.clone(),
                    quantity: sub.quantity,
                    end_date: sub.end_date,
                    days_left: *days_left,
                    lapsed: *lapsed,
                    auto_renew: sub.auto_renew,
                    billing_cycle: sub.billing_cycle.clone(),
                    unit_price: sub.unit_price.map(|p| p.normalize().to_string()),
                    currency: sub.currency.clone(),
                });
            }
            (Verdict::NotKaizala, Some(reason)) => {
                for &o in &sub.origins {
                    ing.ledger.filtered(o, &reason);
                }
                let active = matches!(sub.status, None | Some(crate::ingest::Status::Active))
                    && affected.contains(&sub.customer_id);
                let plan = if active {
                    sub.offer_name.as_deref().and_then(|n| catalog.plan_of(n))
                } else {
                    None
                };
                if let (true, Some(plan)) = (active, plan) {
                    let assigned =
                        ing.customers_with_user_rows.contains(&sub.customer_id).then(|| {
                            ing.plan_holders
                                .get(&sub.customer_id)
                                .and_then(|h| h.get(&plan.name))
                                .copied()
                                .unwrap_or(0)
                        });
                    plan_subs.entry(sub.customer_id.clone()).or_default().push(PlanSubscription {
                        subscription_id: sub.subscription_id.clone(),
                        offer_name: sub.offer_name.clone().unwrap_or_default(),
                        plan: plan.name.clone(),
                        quantity: sub.quantity,
                        assigned,
                    });
                }
            }
            (_, Some(reason)) => {
                if *verdict == Verdict::AutoRenewOn {
                    auto_renew
                        .push(format!("{} of customer {}", sub.subscription_id, sub.customer_id));
                }
                for &o in &sub.origins {
                    ing.ledger.filtered_listed(o, &reason);
                }
                others.push(OtherSubscription {
                    customer_id: sub.customer_id.clone(),
                    subscription_id: sub.subscription_id.clone(),
                    quantity: sub.quantity,
                    end_date: sub.end_date,
                    reason: reason.into_owned(),
                });
            }
            (_, None) => {}
        }
    }

    // One warning per subscription while they are few; one summary when a book has many (they
    // are all listed in plan.json's other_kaizala_subscriptions either way).
    const LISTED: usize = 10;
    if auto_renew.len() <= LISTED {
        for s in &auto_renew {
            warnings.push(format!(
                "Kaizala Pro subscription {s} has auto renew on, which should not exist after 1 July 2020: check it in Partner Center"
            ));
        }
    } else {
        warnings.push(format!(
            "{} Kaizala Pro subscriptions have auto renew on, which should not exist after 1 July 2020: check them in Partner Center (listed in plan.json, other_kaizala_subscriptions); the first {LISTED}: {}",
            auto_renew.len(),
            auto_renew[..LISTED].join("; ")
        ));
    }

    // Users of affected customers, one per customer and user principal name.
    let mut users_of: BTreeMap<String, BTreeMap<String, UserRecord>> = BTreeMap::new();
    let mut unmatched = BTreeSet::new();
    for user in std::mem::take(&mut ing.users) {
        let Some(customer) = user.customer_id.clone() else {
            ing.ledger.filtered_listed(user.origin, NO_CUSTOMER);
            unmatched.insert(user.upn.to_lowercase());
            continue;
        };
        if !expiring.contains_key(&customer) {
            ing.ledger.filtered(user.origin, CUSTOMER_NOT_AFFECTED);
            continue;
        }
        let slot = users_of.entry(customer).or_default();
        match slot.get(&user.upn.to_lowercase()) {
            None => {
                ing.ledger.used(user.origin);
                slot.insert(user.upn.to_lowercase(), user);
            }
            Some(first) if same_licences(first, &user) => {
                ing.ledger.filtered(user.origin, DUPLICATE_USER);
            }
            Some(first) => {
                let col = ing.ledger.col(user.origin.file, "licenses");
                let reason = format!(
                    "user {} conflicts with {}: licences {:?} there, {:?} here",
                    user.upn,
                    ing.ledger.place(first.origin),
                    first.licences.join("+"),
                    user.licences.join("+")
                );
                ing.ledger.rejected(user.origin, col, reason);
            }
        }
    }

    let mut customers: Vec<CustomerPlan> = expiring
        .into_iter()
        .map(|(customer_id, subs)| {
            let users = users_of.remove(&customer_id).unwrap_or_default();
            let mut existing = plan_subs.remove(&customer_id).unwrap_or_default();
            existing.sort_by(|a, b| a.subscription_id.cmp(&b.subscription_id));
            customer_plan(ing, &opts, customer_id, subs, users, existing)
        })
        .collect();
    customers.sort_by(|a, b| (a.deadline, &a.customer_id).cmp(&(b.deadline, &b.customer_id)));
    // Slugs are made unique in customer-id order, so they do not depend on deadlines.
    let mut by_id: Vec<usize> = (0..customers.len()).collect();
    by_id.sort_by(|&a, &b| customers[a].customer_id.cmp(&customers[b].customer_id));
    let slugs = slug::unique(
        by_id
            .iter()
            .map(|&i| {
                slug::customer(customers[i].customer_name.as_deref(), &customers[i].customer_id)
            })
            .collect(),
    );
    for (&i, s) in by_id.iter().zip(slugs) {
        customers[i].slug = s;
    }
    others.sort_by(|a, b| {
        (&a.customer_id, a.end_date, &a.subscription_id).cmp(&(
            &b.customer_id,
            b.end_date,
            &b.subscription_id,
        ))
    });
    let summary = super::overrides::summarize(&customers);
    Plan {
        schema_version: SCHEMA_VERSION,
        as_of: opts.window.as_of,
        horizon_days: opts.horizon_days,
        horizon_end: opts.window.horizon_end,
        supported_plans: catalog.plans().iter().map(|p| p.name.clone()).collect(),
        summary,
        customers,
        other_kaizala_subscriptions: others,
        unmatched_users: unmatched.into_iter().collect(),
        excluded_customers: Vec::new(),
        cost_totals: CostTotals::default(),
        warnings,
    }
}

fn same_licences(a: &UserRecord, b: &UserRecord) -> bool {
    let set = |u: &UserRecord| u.licences.iter().map(|l| l.to_lowercase()).collect::<BTreeSet<_>>();
    set(a) == set(b)
}

fn customer_plan(
    ing: &Ingested,
    opts: &PlanOptions,
    customer_id: String,
    mut subs: Vec<ExpiringSubscription>,
    users: BTreeMap<String, UserRecord>,
    existing: Vec<PlanSubscription>,
) -> CustomerPlan {
    subs.sort_by(|a, b| (a.end_date, &a.subscription_id).cmp(&(b.end_date, &b.subscription_id)));
    let info = ing.customers.get(&customer_id).cloned().unwrap_or_default();
    let deadline = subs.iter().map(|s| s.end_date).min().unwrap_or_default();
    let days_left = subs.iter().map(|s| s.days_left).min().unwrap_or_default();
    let current_seats: u64 = subs.iter().map(|s| s.quantity).sum();
    let has_user_rows = ing.customers_with_user_rows.contains(&customer_id);
    let users_to_move: Vec<String> =
        users.values().filter(|u| u.covered_by.is_none()).map(|u| u.upn.clone()).collect();
    let users_remove_only: Vec<String> =
        users.values().filter(|u| u.covered_by.is_some()).map(|u| u.upn.clone()).collect();
    let mut notes = Vec::new();
    let (seats_basis, seats_needed) = if has_user_rows {
        (SeatsBasis::Users, users_to_move.len() as u64)
    } else {
        notes.push(format!(
            "No users file has rows for this customer: seats to buy = the {current_seats} Kaizala Pro seat(s) of its expiring subscriptions."
        ));
        (SeatsBasis::SubscriptionSeats, current_seats)
    };
    if has_user_rows && users.is_empty() {
        notes.push("The users files list no user with a Kaizala Pro licence for this customer: nothing to buy; suspend the subscription(s).".into());
    } else if has_user_rows && users_to_move.is_empty() {
        notes.push("Every Kaizala Pro user already holds a plan that includes Kaizala: nothing to buy, remove Kaizala Pro only.".into());
    }
    if has_user_rows && (users.len() as u64) > current_seats {
        notes.push(format!(
            "{} users hold Kaizala Pro but the expiring subscriptions have {current_seats} seat(s): check for other Kaizala Pro subscriptions.",
            users.len()
        ));
    }
    let frontline = match &info.segment {
        Some(seg) if target::is_frontline(seg) => Some(format!("segment \"{seg}\"")),
        _ if info.frontline => Some("frontline column".to_string()),
        _ if opts.frontline_customers.contains(&customer_id) => Some("--frontline".to_string()),
        _ => None,
    };
    let facts = target::TargetFacts {
        segment: info.segment.as_deref(),
        frontline: frontline.clone(),
        seats: seats_needed,
        forced: opts.forced_target.as_deref(),
    };
    let (offer, reason) = target::choose(&facts);
    let (offer, reason, purchase) = settle(offer, reason, seats_needed, &existing);
    if let Some(spare) = purchase.spare_seats.filter(|&s| s > 0) {
        notes.push(format!(
            "{spare} seat(s) of subscription {} are bought but not assigned: they reduce the seats to buy.",
            purchase.subscription_id.as_deref().unwrap_or_default()
        ));
    }
    let changes = users
        .values()
        .map(|u| UserChange {
            upn: u.upn.clone(),
            display_name: u.display_name.clone(),
            action: if u.covered_by.is_some() { UserAction::RemoveOnly } else { UserAction::Move },
            remove_licence: u.kaizala_licence.clone(),
            assign_licence: u.covered_by.is_none().then(|| offer.clone()),
            covered_by: u.covered_by.clone(),
        })
        .collect();
    CustomerPlan {
        customer_id,
        customer_name: info.name,
        slug: String::new(),
        domains: info.domains.into_iter().collect(),
        account_manager: info.account_manager,
        segment: info.segment,
        frontline: frontline.is_some(),
        deadline,
        days_left,
        lapsed: days_left < 0,
        urgency: Urgency::of(days_left),
        expiring_subscriptions: subs,
        current_seats,
        target: Target { offer_name: offer, reason_text: reason.sentence(), reason },
        seats_basis,
        seats_needed,
        existing_plan_subscriptions: existing,
        seats_to_buy: purchase.seats,
        purchase,
        users_to_move,
        users_remove_only,
        users: changes,
        notes,
        cost: CustomerCost::default(),
    }
}

/// Step A for a target, switching a Business plan to Office 365 E1 when the customer would hold
/// more than 300 seats of it (a top-up counts the seats already there).
pub fn settle(
    offer: String,
    reason: target::TargetReason,
    seats_needed: u64,
    existing: &[PlanSubscription],
) -> (String, target::TargetReason, Purchase) {
    let p = purchase::decide(&offer, seats_needed, existing);
    let after = purchase::seats_after(&p);
    if target::is_business_plan(&offer) && after > target::BUSINESS_SEAT_CAP {
        let (offer, reason) = target::capped(&offer, after, reason);
        let p = purchase::decide(&offer, seats_needed, existing);
        return (offer, reason, p);
    }
    (offer, reason, p)
}
