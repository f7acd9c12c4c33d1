//! Applying the account managers' worksheet edits to the plan.
//!
//! A new target must be a supported replacement plan (and a Business plan holds at most 300
//! seats); a new seat count may not leave users without a seat. Either mistake is an error that
//! names the sheet, row and column. Customers marked Include = No leave the plan for
//! `excluded_customers` (with their plan, for the next workbook); notes, term, billing and the
//! step and user statuses are carried into the plan as the worksheet says them. `lost` tells
//! which edits in a workbook a new plan would not write again.

use super::model::*;
use super::purchase;
use super::target::{self, TargetReason};
use crate::catalog::Catalog;
use crate::error::{Error, Location, Result};
use crate::ingest::overrides::{Override, UserStatus, Worksheet};

fn value_error(location: &Location, message: String) -> Error {
    Error::Value { location: Box::new(location.clone()), message }
}

/// The worksheet's edits by customer, applied one customer at a time as the plan is built
/// (`Planning`); the rows whose customer is not planned are warned about at the end.
pub struct Edits<'a> {
    all: &'a [Override],
    /// Indexes into `all`, per customer id, in worksheet order.
    by_customer: std::collections::HashMap<&'a str, Vec<usize>>,
    /// The users' statuses, per customer id, in worksheet order.
    users: std::collections::HashMap<&'a str, Vec<&'a UserStatus>>,
    /// Customers met in the plan.
    met: std::collections::HashSet<&'a str>,
    /// Users' statuses that name no user of their customer's plan.
    stray_users: Vec<String>,
}

impl<'a> Edits<'a> {
    /// Indexes the edits read from a worksheet.
    pub fn new(sheet: &'a Worksheet) -> Edits<'a> {
        let mut by_customer: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, e) in sheet.customers.iter().enumerate() {
            by_customer.entry(e.customer_id.as_str()).or_default().push(i);
        }
        let mut users: std::collections::HashMap<&str, Vec<&UserStatus>> = Default::default();
        for u in &sheet.users {
            users.entry(u.customer_id.as_str()).or_default().push(u);
        }
        Edits {
            all: &sheet.customers,
            by_customer,
            users,
            met: Default::default(),
            stray_users: Vec::new(),
        }
    }

    /// Applies a customer's edits in worksheet order; returns the customer's entry among the
    /// excluded when a row says Include = No (the first such row is named).
    pub fn apply_to(
        &mut self,
        c: &mut CustomerPlan,
        catalog: &Catalog,
    ) -> Result<Option<ExcludedCustomer>> {
        self.user_statuses(c)?;
        let Some((&key, rows)) = self.by_customer.get_key_value(c.customer_id.as_str()) else {
            return Ok(None);
        };
        self.met.insert(key);
        let mut excluded_by = None;
        for edit in rows.iter().map(|&i| &self.all[i]) {
            if let Some((text, at)) = &edit.target {
                set_target(c, text, at, catalog)?;
            }
            if let Some((seats, at)) = &edit.seats {
                set_seats(c, *seats, at, catalog)?;
            }
            set_terms(c, edit)?;
            set_steps(c, edit)?;
            if let Some((n, _)) = &edit.notes {
                c.worksheet_notes = Some(n.clone());
            }
            if !edit.include {
                excluded_by.get_or_insert(&edit.location);
            }
        }
        Ok(excluded_by.map(|at| ExcludedCustomer {
            customer_id: c.customer_id.clone(),
            customer_name: c.customer_name.clone(),
            deadline: c.deadline,
            reason: format!("Include = No in {at}"),
            plan: None,
        }))
    }

    /// The users' statuses of a customer, by user principal name in any case.
    fn user_statuses(&mut self, c: &mut CustomerPlan) -> Result<()> {
        let Some(rows) = self.users.get(c.customer_id.as_str()) else { return Ok(()) };
        for row in rows {
            let status = parse_status(&row.status, &row.location)?;
            match c.users.iter_mut().find(|u| u.upn.eq_ignore_ascii_case(&row.upn)) {
                Some(u) => u.status = status,
                None if status != StepStatus::ToDo => self.stray_users.push(format!(
                    "{}: user {} is not among customer {}'s users in this plan; its status {} is not kept",
                    row.location,
                    row.upn,
                    c.customer_id,
                    status.label()
                )),
                None => {}
            }
        }
        Ok(())
    }

    /// Warnings for the rows whose customer was not met, in worksheet order, then for users'
    /// statuses that name no planned user.
    pub fn unmatched(&self, product: &str) -> Vec<String> {
        let rows = self.all
            .iter()
            .filter(|e| !self.met.contains(e.customer_id.as_str()))
            .map(|edit| format!(
                "{}: customer {} is not in this plan (no expiring {product} subscription in these exports); its row is ignored",
                edit.location, edit.customer_id
            ));
        rows.chain(self.stray_users.iter().cloned()).collect()
    }
}

/// A status cell's value.
fn parse_status(text: &str, at: &Location) -> Result<StepStatus> {
    StepStatus::parse(text).ok_or_else(|| {
        let words: Vec<&str> = StepStatus::ALL.iter().map(|s| s.label()).collect();
        value_error(at, format!("{text:?} is not a status ({})", words.join(", ")))
    })
}

/// The worksheet's step statuses, as written; a step marked "Not needed" that the plan needs,
/// or the reverse, gets a note (the person's mark is kept).
fn set_steps(c: &mut CustomerPlan, edit: &Override) -> Result<()> {
    let [a, b, cc] = &edit.steps;
    let mut steps = c.steps;
    for (cell, step) in [(a, &mut steps.buy), (b, &mut steps.move_users), (cc, &mut steps.suspend)]
    {
        if let Some((text, at)) = cell {
            *step = parse_status(text, at)?;
        }
    }
    c.steps = steps;
    let needs = super::build::default_steps(c);
    let pairs =
        [("A (buy)", steps.buy, needs.buy), ("B (move users)", steps.move_users, needs.move_users)];
    for (name, marked, tool) in pairs {
        if marked == StepStatus::NotNeeded && tool == StepStatus::ToDo {
            c.notes.push(format!(
                "Step {name} is marked Not needed in the worksheet, but the plan has work for it."
            ));
        }
    }
    Ok(())
}

/// The term and billing of a new subscription: the worksheet's, else as recommended. Either
/// set on a step A that buys no new subscription is an error at its cell.
fn set_terms(c: &mut CustomerPlan, edit: &Override) -> Result<()> {
    let bought = c.new_subscription().cloned();
    let not_bought = |at: &Location| {
        let topped: Vec<&str> = c
            .purchases
            .iter()
            .filter(|p| p.action == PurchaseAction::Increase)
            .filter_map(|p| p.subscription_id.as_deref())
            .collect();
        let what = match topped.as_slice() {
            [] => "step A buys nothing".to_string(),
            [id] => format!(
                "step A adds seats to subscription {id}, which keeps its own term and billing"
            ),
            ids => format!(
                "step A adds seats to subscriptions {}, which keep their own term and billing",
                ids.join(", ")
            ),
        };
        value_error(at, format!("{what}; a term and billing apply to a new subscription only"))
    };
    let edited_at = edit.term.as_ref().map(|t| &t.1).or(edit.billing.as_ref().map(|b| &b.1));
    let Some(bought) = bought else {
        if let Some(at) = edited_at {
            return Err(not_bought(at));
        }
        let mut purchases = std::mem::take(&mut c.purchases);
        for p in &mut purchases {
            purchase::set_terms(p, None, None, TermsSource::Default);
        }
        c.set_purchases(purchases);
        return Ok(());
    };
    let term = edit.term.as_ref().map(|t| t.0).or(bought.term).or(c.recommended.term);
    let billing = edit.billing.as_ref().map(|b| b.0).or(bought.billing).or(c.recommended.billing);
    let source = if edit.term.is_some() || edit.billing.is_some() {
        TermsSource::Worksheet
    } else {
        bought.terms_source.unwrap_or(TermsSource::Default)
    };
    if let (Some(t), Some(b)) = (term, billing) {
        if !t.allows(b) {
            let at = edit.billing.as_ref().map(|b| &b.1).or(edit.term.as_ref().map(|t| &t.1));
            if let Some(at) = at {
                return Err(value_error(
                    at,
                    format!(
                        "a {} term cannot be billed {} (a one-month term is billed monthly; a one-year term monthly or annually)",
                        t.words(),
                        b.as_str()
                    ),
                ));
            }
        }
    }
    let mut purchases = std::mem::take(&mut c.purchases);
    for p in &mut purchases {
        purchase::set_terms(p, term, billing, source);
    }
    c.set_purchases(purchases);
    Ok(())
}

/// A new target from the worksheet, with its step A.
fn set_target(c: &mut CustomerPlan, text: &str, at: &Location, catalog: &Catalog) -> Result<()> {
    let offer = catalog
        .replacement(text)
        .map(|p| p.name.clone())
        .ok_or_else(|| value_error(at, catalog.not_a_replacement(text)))?;
    let recommended = c.target.plan.clone();
    let (offer, reason, mut purchases) = purchase::settle(
        offer,
        TargetReason::Worksheet { recommended },
        &|o| c.needs(o),
        &c.existing_replacements,
        catalog,
    );
    if let TargetReason::BusinessCapExceeded { offer, seats } = &reason {
        return Err(value_error(at, target::cap_message(offer, *seats, catalog)));
    }
    let reason_text = reason.sentence(catalog);
    let offers: Vec<String> = purchases.iter().map(|p| p.offer_name.clone()).collect();
    c.target = Target::new(offer, offers, reason_text, reason);
    let before = c.new_subscription().unwrap_or(&c.purchase);
    let (term, billing) =
        (before.term.or(c.recommended.term), before.billing.or(c.recommended.billing));
    let source = before.terms_source.unwrap_or(TermsSource::Default);
    for p in &mut purchases {
        purchase::set_terms(p, term, billing, source);
    }
    c.set_purchases(purchases);
    // The seats the tool computes for the chosen target are its recommendation now: the
    // worksheet tells a seat edit from them.
    c.recommended.seats = c.seats_to_buy;
    c.alternatives = super::build::alternatives(c, catalog);
    c.set_assignments();
    Ok(())
}

/// A new seat count from the worksheet: never fewer than the users to move need, never above
/// the plan's cap. For a plan of several offers it is the seats of the offer that needs the
/// most; each other offer gets the same number more or fewer (its spare seats still count).
fn set_seats(c: &mut CustomerPlan, seats: u64, at: &Location, catalog: &Catalog) -> Result<()> {
    // What the tool computes for each offer; the offer that needs the most takes the cell's
    // number, each other as many fewer as it needs fewer.
    let base =
        purchase::decide_plan(&c.target.plan, &|o| c.needs(o), &c.existing_replacements, catalog);
    let top = base.iter().map(|p| p.seats).max().unwrap_or(0);
    // The least: what the users to move need of an offer, less its spare seats.
    let movers = |offer: &str| crate::plan::model::lacking(&c.users, offer);
    let least = base
        .iter()
        .map(|p| {
            let (need, spare) = (movers(&p.offer_name), p.spare_seats.unwrap_or(0));
            (need.saturating_sub(spare) + top - p.seats, need, spare)
        })
        .max();
    if let Some((least, users, spare)) = least.filter(|l| seats < l.0) {
        return Err(value_error(
            at,
            format!("seats to buy {seats} is fewer than the {users} user(s) to move need ({least} after {spare} spare seat(s))"),
        ));
    }
    let mut purchases = std::mem::take(&mut c.purchases);
    for (p, b) in purchases.iter_mut().zip(&base) {
        let n = seats.saturating_sub(top - b.seats);
        p.seats = n;
        p.new_quantity = p.current_quantity.map(|q| q + n);
        let was_buying = p.action == PurchaseAction::Buy;
        p.action = match (n, &p.subscription_id) {
            (0, _) => PurchaseAction::None,
            (_, Some(_)) => PurchaseAction::Increase,
            (_, None) => PurchaseAction::Buy,
        };
        if !was_buying && p.action == PurchaseAction::Buy {
            // A purchase that now buys gets the recommended term and billing.
            purchase::set_terms(p, c.recommended.term, c.recommended.billing, TermsSource::Default);
        }
    }
    let after = purchase::plan_seats_after(&purchases);
    c.set_purchases(purchases);
    if target::above_cap(&c.target.plan, after, catalog) {
        return Err(value_error(at, target::cap_message(&c.target.plan, after, catalog)));
    }
    c.notes.push(format!("Seats to buy set to {seats} in the worksheet."));
    Ok(())
}

/// The cells of a workbook written earlier that hold a person's work the plan would not write
/// again: a target, seat count, term or billing that differs from its Recommended column, an
/// Include = No, notes, and steps or users marked In progress or Done, where the plan's value
/// differs (or the customer is not in it). Each is named by its place and value.
pub fn lost(sheet: &Worksheet, plan: &Plan, catalog: &Catalog) -> Vec<String> {
    let mut planned: std::collections::HashMap<&str, (&CustomerPlan, bool)> = Default::default();
    for c in &plan.customers {
        planned.insert(c.customer_id.as_str(), (c, true));
    }
    for c in plan.excluded_customers.iter().filter_map(|e| e.plan.as_deref()) {
        planned.insert(c.customer_id.as_str(), (c, false));
    }
    let mut lost = Vec::new();
    let mut note = |at: &Location, what: String| lost.push(format!("{at}: {what}"));
    let worked = |s: StepStatus| matches!(s, StepStatus::InProgress | StepStatus::Done);
    for e in &sheet.customers {
        let now = planned.get(e.customer_id.as_str()).copied();
        let c = now.map(|(c, _)| c);
        if let Some((text, at)) = &e.target {
            let same = catalog.replacement(text).map(|p| p.name.as_str())
                == c.map(|c| c.target.plan.as_str());
            if !same {
                note(at, format!("target plan {text:?}"));
            }
        }
        if let Some((seats, at)) = &e.seats {
            if c.map(|c| c.seats_to_buy) != Some(*seats) {
                note(at, format!("seats to buy {seats}"));
            }
        }
        if let Some((term, at)) = &e.term {
            if c.and_then(|c| c.new_subscription()).and_then(|p| p.term) != Some(*term) {
                note(at, format!("term {}", term.words()));
            }
        }
        if let Some((billing, at)) = &e.billing {
            if c.and_then(|c| c.new_subscription()).and_then(|p| p.billing) != Some(*billing) {
                note(at, format!("billing {}", billing.as_str()));
            }
        }
        if !e.include && now.map(|(_, included)| included) != Some(false) {
            note(&e.include_at, "Include = No".into());
        }
        if let Some((text, at)) = &e.notes {
            if c.and_then(|c| c.worksheet_notes.as_deref()) != Some(text.as_str()) {
                note(at, format!("notes {:?}", crate::escape::bounded(text, 60)));
            }
        }
        let steps = c.map(|c| c.steps.each());
        for (k, cell) in e.steps.iter().enumerate() {
            let Some((text, at)) = cell else { continue };
            let Some(marked) = StepStatus::parse(text).filter(|s| worked(*s)) else { continue };
            if steps.map(|s| s[k]) != Some(marked) {
                note(at, format!("status {}", marked.label()));
            }
        }
    }
    for u in &sheet.users {
        let Some(marked) = StepStatus::parse(&u.status).filter(|s| worked(*s)) else { continue };
        let now = planned.get(u.customer_id.as_str()).and_then(|(c, _)| {
            c.users.iter().find(|x| x.upn.eq_ignore_ascii_case(&u.upn)).map(|x| x.status)
        });
        if now != Some(marked) {
            note(&u.location, format!("{} status {}", u.upn, marked.label()));
        }
    }
    lost
}
