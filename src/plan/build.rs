//! Building the plan from detected subscriptions and linked users.
//!
//! Owns: grouping expiring subscriptions by customer, sorting users into "move" and
//! "remove only", the seat count, the deadline, and marking the fate of every subscription and
//! user row in the ledger. It reads the verdicts of `detect` as they are (nothing is classified
//! again); the target rule lives in `target`, step A in `purchase`.

use std::collections::{BTreeMap, BTreeSet};

use super::model::*;
use super::{purchase, slug, target};
use crate::catalog::Catalog;
use crate::detect::{Detection, Verdict, Window};
use crate::ingest::prices::{Billing, Term};
use crate::ingest::{Filtered, Ingested, Status, SubscriptionRecord, UserRecord};

/// What the plan needs besides the ingested data.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// As-of date and horizon.
    pub window: Window,
    /// Horizon in days, as given.
    pub horizon_days: u32,
    /// The target offer forced with --target (canonical name).
    pub forced_target: Option<String>,
    /// Customers named frontline-only with --frontline.
    pub frontline_customers: BTreeSet<String>,
    /// The commitment term a new subscription gets unless the worksheet says otherwise.
    pub term: Term,
    /// How often a new subscription is billed unless the worksheet says otherwise.
    pub billing: Billing,
}

/// Builds the plan from the detection's verdicts and marks every row's fate in `ing.ledger`.
pub fn build(
    ing: &mut Ingested,
    detection: &Detection,
    catalog: &Catalog,
    opts: PlanOptions,
) -> Plan {
    let mut planning = Planning::new(ing, detection, catalog);
    let mut customers = Vec::new();
    while let Some(c) = planning.next_customer(ing, catalog, &opts) {
        customers.push(c);
    }
    planning.finish(customers, Vec::new(), catalog, &opts)
}

/// Planning one affected customer at a time.
///
/// [`build`] keeps every customer. A caller that needs only what planning finds (the ledger,
/// warnings, prices) can drop each customer once it has looked at it, so memory does not grow
/// with the number of affected customers. Slugs, which depend on every customer, are assigned
/// by [`Planning::finish`].
pub struct Planning {
    sorted: Sorted,
    users_of: UsersOf,
    unmatched: BTreeSet<String>,
    /// How many of `sorted.expiring` are planned.
    done: usize,
}

impl Planning {
    /// Sorts the subscriptions and users by what detection said and marks every row's fate in
    /// `ing.ledger`.
    pub fn new(ing: &mut Ingested, detection: &Detection, catalog: &Catalog) -> Planning {
        let mut sorted = sort_subscriptions(ing, detection, catalog);
        let (users_of, unmatched) = users_by_customer(ing, detection);
        sort_by_customer(&mut sorted.expiring, &ing.subscriptions);
        Planning { sorted, users_of, unmatched, done: 0 }
    }

    /// The plan of the next affected customer, in customer-id order; `None` after the last.
    /// `ing` is the one given to [`Planning::new`].
    pub fn next_customer(
        &mut self,
        ing: &Ingested,
        catalog: &Catalog,
        opts: &PlanOptions,
    ) -> Option<CustomerPlan> {
        let subs = &ing.subscriptions;
        let rest = &self.sorted.expiring[self.done..];
        let customer_id = &subs[rest.first()?.index].customer_id;
        let n = rest.iter().take_while(|e| &subs[e.index].customer_id == customer_id).count();
        let expiring_subs = rest[..n]
            .iter()
            .map(|e| {
                let mut s = expiring_subscription(&subs[e.index], e.days_left, e.lapsed);
                s.channel = s.channel.or_before_new_commerce(catalog.profile().end_of_sale);
                s
            })
            .collect();
        self.done += n;
        let facts = CustomerFacts {
            users: self.users_of.remove(customer_id).unwrap_or_default(),
            existing: self.sorted.replacements.remove(customer_id).unwrap_or_default(),
            currency: self.sorted.currency.remove(customer_id),
        };
        Some(customer_plan(ing, opts, catalog, customer_id.clone(), expiring_subs, facts))
    }

    /// The plan of the customers kept (all, some or none of those planned): in deadline order,
    /// with unique slugs and their summary, and the warnings, subscriptions left out and
    /// unmatched users.
    pub fn finish(
        self,
        mut customers: Vec<CustomerPlan>,
        mut excluded: Vec<ExcludedCustomer>,
        catalog: &Catalog,
        opts: &PlanOptions,
    ) -> Plan {
        customers.sort_by(|a, b| (a.deadline, &a.customer_id).cmp(&(b.deadline, &b.customer_id)));
        excluded.sort_by(|a, b| (a.deadline, &a.customer_id).cmp(&(b.deadline, &b.customer_id)));
        {
            // One set of file names over the customers planned and those excluded (whose
            // workbooks are written too, with Include = No).
            let mut all: Vec<&mut CustomerPlan> = customers.iter_mut().collect();
            all.extend(excluded.iter_mut().filter_map(|e| e.plan.as_deref_mut()));
            assign_slugs(&mut all);
        }
        let mut others = self.sorted.others;
        others.sort_by(|a, b| {
            (&a.customer_id, a.end_date, &a.subscription_id).cmp(&(
                &b.customer_id,
                b.end_date,
                &b.subscription_id,
            ))
        });
        let profile = catalog.profile();
        Plan {
            schema_version: SCHEMA_VERSION,
            profile: PlanProfile {
                id: profile.id.clone(),
                name: profile.name.clone(),
                service: profile.service.clone(),
                reference: profile.reference.clone(),
                deprovision_days: profile.deprovision_days,
                service_plans: profile.retiring.service_plans.clone(),
                sku_ids: profile.retiring.sku_ids.clone(),
                // The names the catalogue knows the product by, then the words that mark it.
                names: catalog
                    .kaizala_names()
                    .iter()
                    .chain(&profile.retiring.name_contains)
                    .cloned()
                    .collect(),
            },
            as_of: opts.window.as_of,
            horizon_days: opts.horizon_days,
            horizon_end: opts.window.horizon_end,
            supported_offers: catalog.replacements().iter().map(|p| p.name.clone()).collect(),
            summary: Summary::of(&customers),
            customers,
            other_kaizala_subscriptions: others,
            unmatched_users: self.unmatched.into_iter().collect(),
            excluded_customers: excluded,
            cost_totals: CostTotals::default(),
            warnings: auto_renew_warnings(&self.sorted.auto_renew, catalog),
        }
    }
}

/// Sorts expiring subscriptions by customer id, keeping reading order within a customer until
/// its plan sorts them.
fn sort_by_customer(expiring: &mut Vec<Expiring>, subs: &[SubscriptionRecord]) {
    let customer = |e: &Expiring| subs[e.index].customer_id.as_str();
    // Canonical GUIDs (what ingest makes of every customer id) sort as their 128-bit values,
    // far cheaper to compare than text; the position breaks ties, so the order is stable.
    let mut text = String::with_capacity(36);
    let mut keyed = Vec::with_capacity(expiring.len());
    for (position, e) in expiring.iter().enumerate() {
        let id = customer(e);
        let Some(bits) = crate::guid::guid_bits(id.as_bytes()) else { break };
        crate::guid::write_guid(bits, &mut text);
        if text != id {
            break;
        }
        keyed.push((bits, position));
    }
    if keyed.len() < expiring.len() {
        expiring.sort_by(|a, b| customer(a).cmp(customer(b)));
        return;
    }
    keyed.sort_unstable();
    *expiring = keyed.into_iter().map(|(_, position)| expiring[position]).collect();
}

/// An expiring subscription, by its index in `Ingested::subscriptions`: the plan copies what
/// it needs one customer at a time.
#[derive(Clone, Copy)]
struct Expiring {
    index: usize,
    days_left: i64,
    lapsed: bool,
}

/// The subscriptions sorted by what detection said about them.
#[derive(Default)]
struct Sorted {
    /// Expiring Kaizala Pro subscriptions, in reading order.
    expiring: Vec<Expiring>,
    /// Kaizala Pro subscriptions left out, with why.
    others: Vec<OtherSubscription>,
    /// Active subscriptions of replacement offers, by affected customer.
    replacements: BTreeMap<String, Vec<ReplacementSubscription>>,
    /// The first currency any subscription of an affected customer gives.
    currency: BTreeMap<String, String>,
    /// Kaizala Pro subscriptions with auto renew on ("{id} of customer {customer}").
    auto_renew: Vec<String>,
}

/// Sorts every subscription by its verdict and marks its rows in the ledger.
fn sort_subscriptions(ing: &mut Ingested, detection: &Detection, catalog: &Catalog) -> Sorted {
    let mut sorted = Sorted::default();
    for (index, (sub, verdict)) in ing.subscriptions.iter().zip(&detection.verdicts).enumerate() {
        let affected = detection.is_affected(&sub.customer_id);
        if let (true, Some(c)) = (affected, &sub.currency) {
            sorted.currency.entry(sub.customer_id.clone()).or_insert_with(|| c.clone());
        }
        match (verdict, verdict.reason()) {
            (Verdict::Expiring { days_left, lapsed }, _) => {
                for &o in &sub.origins {
                    ing.ledger.used(o);
                }
                let (days_left, lapsed) = (*days_left, *lapsed);
                sorted.expiring.push(Expiring { index, days_left, lapsed });
            }
            (_, Some(Filtered::NotKaizala)) => {
                for &o in &sub.origins {
                    ing.ledger.filtered(o, Filtered::NotKaizala);
                }
                let active = matches!(sub.status, None | Some(Status::Active));
                let r = (active && affected).then(|| replacement_subscription(ing, sub, catalog));
                if let Some(r) = r.flatten() {
                    sorted.replacements.entry(sub.customer_id.clone()).or_default().push(r);
                }
            }
            (_, Some(reason)) => {
                if *verdict == Verdict::AutoRenewOn {
                    let s = format!("{} of customer {}", sub.subscription_id, sub.customer_id);
                    sorted.auto_renew.push(s);
                }
                for &o in &sub.origins {
                    ing.ledger.filtered_listed(o, reason);
                }
                sorted.others.push(OtherSubscription {
                    customer_id: sub.customer_id.clone(),
                    subscription_id: sub.subscription_id.clone(),
                    quantity: sub.quantity,
                    end_date: sub.end_date,
                    reason: reason.text(catalog.product()),
                });
            }
            (_, None) => {}
        }
    }
    for subs in sorted.replacements.values_mut() {
        subs.sort_by(|a, b| a.subscription_id.cmp(&b.subscription_id));
    }
    sorted
}

fn expiring_subscription(
    sub: &SubscriptionRecord,
    days_left: i64,
    lapsed: bool,
) -> ExpiringSubscription {
    ExpiringSubscription {
        subscription_id: sub.subscription_id.clone(),
        offer_name: sub.offer_name.clone(),
        offer_id: sub.offer_id.clone(),
        quantity: sub.quantity,
        end_date: sub.end_date,
        days_left,
        lapsed,
        auto_renew: sub.auto_renew,
        billing_cycle: sub.billing_cycle.clone().map(BillingCycle::new),
        unit_price: sub.unit_price,
        currency: sub.currency.clone(),
        channel: Channel::of_offer_id(sub.offer_id.as_deref()),
    }
}

/// The subscription as a replacement the customer already holds, when its offer is one.
fn replacement_subscription(
    ing: &Ingested,
    sub: &SubscriptionRecord,
    catalog: &Catalog,
) -> Option<ReplacementSubscription> {
    let offer = catalog.offer_of(sub.offer_name.as_deref()?)?;
    let assigned = ing.customers_with_user_rows.contains(&sub.customer_id).then(|| {
        ing.replacement_holders
            .get(&sub.customer_id)
            .and_then(|h| h.get(offer))
            .copied()
            .unwrap_or(0)
    });
    Some(ReplacementSubscription {
        subscription_id: sub.subscription_id.clone(),
        offer_name: sub.offer_name.clone().unwrap_or_default(),
        replacement: offer.to_string(),
        quantity: sub.quantity,
        assigned,
        export_price: sub.unit_price.map(|amount| ExportPrice {
            amount,
            currency: sub.currency.clone(),
            billing: sub.billing_cycle.clone().and_then(|b| BillingCycle::new(b).billing),
        }),
    })
}

/// One warning per subscription with auto renew on while they are few; one summary when a book
/// has many (they are all listed in plan.json's other_kaizala_subscriptions either way).
fn auto_renew_warnings(auto_renew: &[String], catalog: &Catalog) -> Vec<String> {
    const LISTED: usize = 10;
    let product = catalog.product();
    let when = match catalog.profile().end_of_sale {
        Some(d) => format!("which should not exist after {}", d.format("%-d %B %Y")),
        None => "which a retired offer should not have".to_string(),
    };
    if auto_renew.len() <= LISTED {
        return auto_renew
            .iter()
            .map(|s| {
                format!(
                "{product} subscription {s} has auto renew on, {when}: check it in Partner Center"
            )
            })
            .collect();
    }
    vec![format!(
        "{} {product} subscriptions have auto renew on, {when}: check them in Partner Center (listed in plan.json, other_kaizala_subscriptions); the first {LISTED}: {}",
        auto_renew.len(),
        auto_renew[..LISTED].join("; ")
    )]
}

type UsersOf = BTreeMap<String, BTreeMap<String, UserRecord>>;

/// Users of affected customers, one per customer and user principal name; the user principal
/// names of Kaizala Pro users linked to no customer.
fn users_by_customer(ing: &mut Ingested, detection: &Detection) -> (UsersOf, BTreeSet<String>) {
    let mut users_of: UsersOf = BTreeMap::new();
    let mut unmatched = BTreeSet::new();
    for user in std::mem::take(&mut ing.users) {
        let Some(customer) = user.customer_id.clone() else {
            ing.ledger.filtered_listed(user.origin, Filtered::NoCustomer);
            unmatched.insert(user.upn.to_lowercase());
            continue;
        };
        if !detection.is_affected(&customer) {
            ing.ledger.filtered(user.origin, Filtered::CustomerNotAffected);
            continue;
        }
        let slot = users_of.entry(customer).or_default();
        match slot.get(&user.upn.to_lowercase()) {
            None => {
                ing.ledger.used(user.origin);
                slot.insert(user.upn.to_lowercase(), user);
            }
            Some(first) if same_licences(first, &user) => {
                ing.ledger.filtered(user.origin, Filtered::DuplicateUser);
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
    (users_of, unmatched)
}

fn same_licences(a: &UserRecord, b: &UserRecord) -> bool {
    let set = |u: &UserRecord| u.licences.iter().map(|l| l.to_lowercase()).collect::<BTreeSet<_>>();
    set(a) == set(b)
}

/// Slugs are made unique in customer-id order, so they do not depend on deadlines.
fn assign_slugs(customers: &mut [&mut CustomerPlan]) {
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
}

/// What the exports say about one affected customer besides its expiring subscriptions.
struct CustomerFacts {
    users: BTreeMap<String, UserRecord>,
    existing: Vec<ReplacementSubscription>,
    currency: Option<String>,
}

fn customer_plan(
    ing: &Ingested,
    opts: &PlanOptions,
    catalog: &Catalog,
    customer_id: String,
    mut subs: Vec<ExpiringSubscription>,
    facts: CustomerFacts,
) -> CustomerPlan {
    subs.sort_by(|a, b| (a.end_date, &a.subscription_id).cmp(&(b.end_date, &b.subscription_id)));
    // Most customers have one: the room a growing vector kept for more is given back.
    subs.shrink_to_fit();
    let CustomerFacts { users, existing, currency } = facts;
    let bits = crate::guid::guid_bits(customer_id.as_bytes());
    let info = bits.and_then(|b| ing.customers.get(&b)).cloned().unwrap_or_default();
    let deadline = subs.iter().map(|s| s.end_date).min().unwrap_or_default();
    let days_left = subs.iter().map(|s| s.days_left).min().unwrap_or_default();
    let current_seats: u64 = subs.iter().map(|s| s.quantity).sum();
    let has_user_rows = ing.customers_with_user_rows.contains(&customer_id);
    let users_to_move: Vec<String> =
        users.values().filter(|u| u.covered_by.is_none()).map(|u| u.upn.clone()).collect();
    let users_remove_only: Vec<String> =
        users.values().filter(|u| u.covered_by.is_some()).map(|u| u.upn.clone()).collect();
    let (seats_basis, seats_needed) = if has_user_rows {
        (SeatsBasis::Users, users_to_move.len() as u64)
    } else {
        (SeatsBasis::SubscriptionSeats, current_seats)
    };
    let mut notes =
        seat_notes((has_user_rows, current_seats, users.len(), users_to_move.is_empty()), catalog);
    let frontline = frontline_source(&info, opts, catalog, &customer_id);
    let facts = target::TargetFacts {
        segment: info.segment.as_deref(),
        frontline: frontline.clone(),
        seats: seats_needed,
        forced: opts.forced_target.as_deref(),
    };
    let (offer, reason) = target::choose(&facts, catalog);
    let changes = user_changes(&users);
    let needs = |o: &str| if has_user_rows { lacking(&changes, o) } else { seats_needed };
    let (offer, reason, purchases) =
        step_a((offer, reason), &needs, &existing, (opts, catalog), &mut notes);
    let offers: Vec<String> = purchases.iter().map(|p| p.offer_name.clone()).collect();
    let recommended = Recommended {
        target: offer.clone(),
        seats: purchases.iter().map(|p| p.seats).max().unwrap_or(0),
        term: Some(opts.term),
        billing: Some(opts.billing),
    };
    let mut plan = CustomerPlan {
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
        target: Target::new(offer, offers, reason.sentence(catalog), reason),
        seats_basis,
        seats_needed,
        existing_replacements: existing,
        seats_to_buy: 0,
        purchase: purchases[0].clone(),
        purchases: Vec::new(),
        path: Path::Unknown,
        recommended,
        alternatives: Vec::new(),
        steps: StepStatuses::default(),
        worksheet_notes: None,
        users_to_move,
        users_remove_only,
        users: changes,
        notes,
        cost: CustomerCost::default(),
        export_currency: currency,
    };
    plan.set_purchases(purchases);
    plan.set_assignments();
    plan.steps = default_steps(&plan);
    plan.alternatives = alternatives(&plan, catalog);
    plan
}

/// Step A for the chosen target: one purchase per offer with the default term and billing, and
/// a note for each subscription whose spare seats reduce what is bought.
fn step_a(
    (offer, reason): (String, target::TargetReason),
    needs: purchase::Needs<'_>,
    existing: &[ReplacementSubscription],
    (opts, catalog): (&PlanOptions, &Catalog),
    notes: &mut Vec<String>,
) -> (String, target::TargetReason, Vec<Purchase>) {
    let (offer, reason, mut purchases) = purchase::settle(offer, reason, needs, existing, catalog);
    for p in &mut purchases {
        purchase::set_terms(p, Some(opts.term), Some(opts.billing), TermsSource::Default);
        if let Some(spare) = p.spare_seats.filter(|&s| s > 0) {
            notes.push(format!(
                "{spare} seat(s) of subscription {} are bought but not assigned: they reduce the seats to buy.",
                p.subscription_id.as_deref().unwrap_or_default()
            ));
        }
    }
    (offer, reason, purchases)
}

/// The statuses a customer's steps start with: a step with nothing to do is "Not needed".
pub fn default_steps(c: &CustomerPlan) -> StepStatuses {
    let nothing_to_buy = c.buys_nothing();
    let nobody_to_move = c.users.is_empty() && c.seats_basis == SeatsBasis::Users;
    let not_needed = |none: bool| if none { StepStatus::NotNeeded } else { StepStatus::ToDo };
    StepStatuses {
        buy: not_needed(nothing_to_buy),
        move_users: not_needed(nobody_to_move),
        suspend: StepStatus::ToDo,
    }
}

/// Spare seats of the other replacement plans the customer holds, as alternatives to what
/// step A buys: each is what choosing that plan as the target would do (its spare seats used
/// first, the rest topped up), where that plan may hold the customer's seats. Plans of one offer
/// only: spare seats of one offer of a plan of several do not make a seat of it.
pub fn alternatives(c: &CustomerPlan, catalog: &Catalog) -> Vec<Alternative> {
    if c.seats_needed == 0 || c.seats_to_buy == 0 {
        return Vec::new();
    }
    let single = |offer: &str| catalog.replacement(offer).is_some_and(|r| r.offers.len() == 1);
    let mut plans: Vec<&str> = c
        .existing_replacements
        .iter()
        .filter(|e| e.replacement != c.target.plan && single(&e.replacement))
        .filter(|e| e.assigned.is_some_and(|a| a < e.quantity))
        .map(|e| e.replacement.as_str())
        .collect();
    plans.sort_unstable();
    plans.dedup();
    plans
        .into_iter()
        .filter_map(|plan| {
            let p = purchase::decide(plan, c.seats_needed, &c.existing_replacements);
            if target::above_cap(plan, purchase::seats_after(&p), catalog) {
                return None;
            }
            let spare = p.spare_seats.unwrap_or(0);
            Some(Alternative {
                plan: plan.to_string(),
                subscription_id: p.subscription_id.clone().unwrap_or_default(),
                spare_seats: spare,
                covers: spare.min(c.seats_needed),
                seats_to_buy: p.seats,
                target_monthly: None,
                change_monthly: None,
            })
        })
        .collect()
}

/// Remarks on where the seat count comes from and what the users files show.
/// `facts`: whether any users file has rows for the customer, the retiring product's seats,
/// its users, and whether none of them needs a seat.
fn seat_notes(facts: (bool, u64, usize, bool), catalog: &Catalog) -> Vec<String> {
    let (has_user_rows, current_seats, users, none_to_move) = facts;
    let (product, service) = (catalog.product(), catalog.service());
    let mut notes = Vec::new();
    if !has_user_rows {
        notes.push(format!(
            "No users file has rows for this customer: seats to buy = the {current_seats} {product} seat(s) of its expiring subscriptions."
        ));
    }
    if has_user_rows && users == 0 {
        notes.push(format!("The users files list no user with a {product} licence for this customer: nothing to buy; suspend the subscription(s)."));
    } else if has_user_rows && none_to_move {
        notes.push(format!("Every {product} user already holds a plan that includes {service}: nothing to buy, remove {product} only."));
    }
    if has_user_rows && (users as u64) > current_seats {
        notes.push(format!(
            "{users} users hold {product} but the expiring subscriptions have {current_seats} seat(s): check for other {product} subscriptions."
        ));
    }
    notes
}

/// Why the customer counts as frontline-only, if it does.
fn frontline_source(
    info: &crate::ingest::CustomerInfo,
    opts: &PlanOptions,
    catalog: &Catalog,
    customer_id: &str,
) -> Option<String> {
    match &info.segment {
        Some(seg) if catalog.targets().is_frontline(seg) => Some(format!("segment \"{seg}\"")),
        _ if info.frontline => Some("frontline column".to_string()),
        _ if opts.frontline_customers.contains(customer_id) => Some("--frontline".to_string()),
        _ => None,
    }
}

/// Each user's change; what a moving user is assigned is set once the target is known
/// (`CustomerPlan::set_assignments`).
fn user_changes(users: &BTreeMap<String, UserRecord>) -> Vec<UserChange> {
    users
        .values()
        .map(|u| UserChange {
            upn: u.upn.clone(),
            display_name: u.display_name.clone(),
            action: if u.covered_by.is_some() { UserAction::RemoveOnly } else { UserAction::Move },
            remove_licence: u.kaizala_licence.clone(),
            assign_licence: None,
            assign_licences: Vec::new(),
            holds: u.offers.clone(),
            covered_by: u.covered_by.clone(),
            status: StepStatus::ToDo,
        })
        .collect()
}
