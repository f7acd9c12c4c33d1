//! Applying the account managers' worksheet edits to the plan.
//!
//! A new target must be a supported replacement plan (and a Business plan holds at most 300
//! seats); a new seat count may not leave users without a seat. Either mistake is an error that
//! names the sheet, row and column. Customers marked Include = No leave the plan for
//! `excluded_customers`; notes are carried into the customer's notes.

use super::model::*;
use super::purchase;
use super::target::{self, TargetReason};
use crate::catalog::Catalog;
use crate::error::{Error, Location, Result};
use crate::ingest::overrides::Override;

fn value_error(location: &Location, message: String) -> Error {
    Error::Value { location: Box::new(location.clone()), message }
}

/// The worksheet's edits by customer, applied one customer at a time as the plan is built
/// (`Planning`); the rows whose customer is not planned are warned about at the end.
pub struct Edits<'a> {
    all: &'a [Override],
    /// Indexes into `all`, per customer id, in worksheet order.
    by_customer: std::collections::HashMap<&'a str, Vec<usize>>,
    /// Customers met in the plan.
    met: std::collections::HashSet<&'a str>,
}

impl<'a> Edits<'a> {
    /// Indexes the edits read from a worksheet.
    pub fn new(all: &'a [Override]) -> Edits<'a> {
        let mut by_customer: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, e) in all.iter().enumerate() {
            by_customer.entry(e.customer_id.as_str()).or_default().push(i);
        }
        Edits { all, by_customer, met: Default::default() }
    }

    /// Applies a customer's edits in worksheet order; returns the customer's entry among the
    /// excluded when a row says Include = No (the first such row is named).
    pub fn apply_to(
        &mut self,
        c: &mut CustomerPlan,
        catalog: &Catalog,
    ) -> Result<Option<ExcludedCustomer>> {
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
            if let Some(n) = &edit.notes {
                c.notes.push(format!("Worksheet note: {n}"));
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
        }))
    }

    /// Warnings for the rows whose customer was not met, in worksheet order.
    pub fn unmatched(&self) -> Vec<String> {
        self.all
            .iter()
            .filter(|e| !self.met.contains(e.customer_id.as_str()))
            .map(|edit| format!(
                "{}: customer {} is not in this plan (no expiring Kaizala Pro subscription in these exports); its row is ignored",
                edit.location, edit.customer_id
            ))
            .collect()
    }
}

/// A new target from the worksheet, with its step A.
fn set_target(c: &mut CustomerPlan, text: &str, at: &Location, catalog: &Catalog) -> Result<()> {
    let offer = catalog
        .replacement(text)
        .map(|p| p.name.clone())
        .ok_or_else(|| value_error(at, catalog.not_a_replacement(text)))?;
    let recommended = c.target.offer_name.clone();
    let (offer, reason, p) = purchase::settle(
        offer,
        TargetReason::Worksheet { recommended },
        c.seats_needed,
        &c.existing_replacements,
        catalog,
    );
    if let TargetReason::BusinessCapExceeded { offer, seats } = &reason {
        return Err(value_error(at, target::cap_message(offer, *seats, catalog)));
    }
    let reason_text = reason.sentence(catalog);
    c.target = Target { offer_name: offer, reason_text, reason };
    c.seats_to_buy = p.seats;
    c.purchase = p;
    for u in &mut c.users {
        if u.action == UserAction::Move {
            u.assign_licence = Some(c.target.offer_name.clone());
        }
    }
    Ok(())
}

/// A new seat count from the worksheet: never fewer than the users to move need, never above
/// the offer's cap.
fn set_seats(c: &mut CustomerPlan, seats: u64, at: &Location, catalog: &Catalog) -> Result<()> {
    let spare = c.purchase.spare_seats.unwrap_or(0);
    let least = (c.users_to_move.len() as u64).saturating_sub(spare);
    if seats < least {
        return Err(value_error(
            at,
            format!("seats to buy {seats} is fewer than the {} user(s) to move need ({least} after {spare} spare seat(s))", c.users_to_move.len()),
        ));
    }
    let p = &mut c.purchase;
    p.seats = seats;
    p.new_quantity = p.current_quantity.map(|q| q + seats);
    p.action = match (seats, &p.subscription_id) {
        (0, _) => PurchaseAction::None,
        (_, Some(_)) => PurchaseAction::Increase,
        (_, None) => PurchaseAction::Buy,
    };
    let after = purchase::seats_after(p);
    if target::above_cap(&p.offer_name, after, catalog) {
        return Err(value_error(at, target::cap_message(&p.offer_name, after, catalog)));
    }
    c.seats_to_buy = seats;
    c.notes.push(format!("Seats to buy set to {seats} in the worksheet."));
    Ok(())
}
