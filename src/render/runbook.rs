//! Runbooks: `runbooks/<slug>.md`, the Partner Center procedure (steps A, B, C) filled in with
//! one customer's values as checklists, and `runbooks/README.md`, every customer by deadline.

use std::fmt::Write as _;

use chrono::Duration;

use crate::escape::md;
use crate::plan::{
    CustomerPlan, Plan, Purchase, PurchaseAction, SeatsBasis, StepStatus, UserAction,
};

fn name(c: &CustomerPlan) -> String {
    md(c.customer_name.as_deref().unwrap_or(&c.customer_id))
}

/// The runbook of one customer.
pub fn customer(plan: &Plan, c: &CustomerPlan) -> String {
    let mut s = String::new();
    header(&mut s, plan, c);
    subscriptions(&mut s, plan, c);
    step_a(&mut s, plan, c);
    step_b(&mut s, plan, c);
    step_c(&mut s, plan, c);
    cost_section(&mut s, c);
    if !c.notes.is_empty() || c.worksheet_notes.is_some() {
        let _ = writeln!(s, "\n## Notes\n");
        if let Some(n) = &c.worksheet_notes {
            let _ = writeln!(s, "- Worksheet note: {}", md(n));
        }
        for n in &c.notes {
            let _ = writeln!(s, "- {}", md(n));
        }
    }
    s
}

/// A step's status from the worksheet, under its heading, when it is not "To do".
fn status_line(s: &mut String, status: StepStatus) {
    if status != StepStatus::ToDo {
        let _ = writeln!(s, "Status in the worksheet: **{}**.\n", status.label());
    }
}

/// A checkbox, ticked when the worksheet marks the item done.
fn checkbox(status: StepStatus) -> &'static str {
    if status == StepStatus::Done {
        "- [x]"
    } else {
        "- [ ]"
    }
}

/// The title, the customer's facts and what the deadline means.
fn header(s: &mut String, plan: &Plan, c: &CustomerPlan) {
    let product = &plan.profile.name;
    let _ = writeln!(s, "# {product} migration: {}\n", name(c));
    let when = if c.lapsed {
        format!("{} (**lapsed {} day(s) before {}**)", c.deadline, -c.days_left, plan.as_of)
    } else {
        format!("{} ({} day(s) after {})", c.deadline, c.days_left, plan.as_of)
    };
    let _ = writeln!(s, "| | |\n|---|---|");
    let _ = writeln!(s, "| Customer | {} |", name(c));
    let _ = writeln!(s, "| Tenant id | `{}` |", c.customer_id);
    if !c.domains.is_empty() {
        let _ = writeln!(s, "| Domains | {} |", md(&c.domains.join(", ")));
    }
    if let Some(am) = &c.account_manager {
        let _ = writeln!(s, "| Account manager | {} |", md(am));
    }
    let _ = writeln!(s, "| Deadline | {when} |");
    let _ = writeln!(s, "| Target plan | {} |", md(&c.target.plan));
    let _ = writeln!(s, "| Why | {} |", md(&c.target.reason_text));
    if let Some(url) = &plan.profile.reference {
        // A link: its destination is not escaped, so what could end it is left out.
        let dest: String = url
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '<' | '>' | '(' | ')' | '|'))
            .collect();
        let _ = writeln!(s, "| Microsoft's announcement | [{}]({dest}) |", md(url));
    }
    let _ = writeln!(s);
    if c.lapsed {
        let _ = writeln!(
            s,
            "The deadline has passed: the users may already have lost {product}. Do steps A and B now, then C.\n"
        );
    } else {
        let _ = writeln!(
            s,
            "Finish steps A and B before **{}**. Do step C only after every user is moved.\n",
            c.deadline
        );
    }
}

/// The expiring subscriptions.
fn subscriptions(s: &mut String, plan: &Plan, c: &CustomerPlan) {
    let _ = writeln!(s, "## {} subscriptions ending\n", plan.profile.name);
    let _ = writeln!(s, "| Subscription | Offer | Seats | Ends |\n|---|---|---:|---|");
    for sub in &c.expiring_subscriptions {
        let offer = sub.offer_name.as_deref().or(sub.offer_id.as_deref()).unwrap_or("");
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            sub.subscription_id,
            md(offer),
            sub.quantity,
            sub.end_date
        );
    }
}

/// Step A: what to buy.
fn step_a(s: &mut String, plan: &Plan, c: &CustomerPlan) {
    let _ = writeln!(s, "\n## A. Buy {}\n", md(&c.target.plan));
    status_line(s, c.steps.buy);
    let several = c.purchases.len() > 1;
    if several {
        let offers: Vec<String> = c.purchases.iter().map(|p| md(&p.offer_name)).collect();
        let _ = writeln!(
            s,
            "{} is {} offers, bought and assigned together: {}.\n",
            md(&c.target.plan),
            offers.len(),
            offers.join(" + ")
        );
    }
    for p in &c.purchases {
        purchase_line(s, plan, c, p, several);
    }
    if c.path == crate::plan::Path::TransitionIfOffered {
        let sub = c.expiring_subscriptions.first().map(|s| s.subscription_id.as_str());
        let _ = writeln!(
            s,
            "- Partner Center may offer to move `{}` to {} itself (a transition, or an upgrade of a legacy subscription, with licence transfer): the scripts ask first and, where it does, use it instead of A and B with the same quantity, term and billing (`--no-transitions` keeps to A and B). By hand: Partner Center > Customers > {} > Subscriptions > `{}`, look for a change of plan with the licences moved.",
            sub.unwrap_or_default(),
            md(&c.target.plan),
            name(c),
            sub.unwrap_or_default()
        );
    }
    if several && !c.buys_nothing() {
        let _ = writeln!(
            s,
            "- [ ] Check that every new or increased subscription is active before step B."
        );
    } else if !c.buys_nothing() {
        let _ = writeln!(s, "- [ ] Check that the subscription is active before step B.");
    }
    if !c.alternatives.is_empty() {
        let _ = writeln!(
            s,
            "\nAlternatives (the account manager decides; to take one, choose its plan in the worksheet's Target plan):\n"
        );
        let currency = c.cost.currency.as_deref();
        for a in &c.alternatives {
            let _ = writeln!(s, "- {}.", md(&super::csv_out::alternative(a, c, currency)));
        }
    }
}

/// One offer's line of step A (`several`: the target plan has more than one offer).
fn purchase_line(s: &mut String, plan: &Plan, c: &CustomerPlan, p: &Purchase, several: bool) {
    match p.action {
        PurchaseAction::Buy => {
            let terms = super::csv_out::terms(p).unwrap_or_default();
            let _ = writeln!(
                s,
                "- [ ] Partner Center > Customers > {} > Add products: buy **{}**, quantity **{}**, term and billing **{}** (the worksheet's Term and Billing columns).",
                name(c),
                md(&p.offer_name),
                p.seats,
                terms
            );
        }
        PurchaseAction::Increase => {
            let _ = writeln!(
                s,
                "- [ ] Partner Center > Customers > {} > Subscriptions > `{}` ({}): change the quantity from {} to **{}** (+{}).",
                name(c),
                p.subscription_id.as_deref().unwrap_or_default(),
                md(&p.offer_name),
                p.current_quantity.unwrap_or_default(),
                p.new_quantity.unwrap_or_default(),
                p.seats
            );
        }
        PurchaseAction::None => {
            let why = match (&p.subscription_id, p.spare_seats) {
                (Some(id), Some(spare)) => format!(
                    "subscription `{id}` already has {spare} unassigned seat(s) of {}",
                    md(&p.offer_name)
                ),
                _ => format!(
                    "every {} user already holds a plan that includes {}",
                    plan.profile.name,
                    plan.profile.service()
                ),
            };
            if several {
                let _ = writeln!(s, "- Nothing to buy of {}: {why}.", md(&p.offer_name));
            } else {
                let _ = writeln!(s, "Nothing to buy: {why}.");
            }
        }
    }
}

/// Step B: each user's licence change.
fn step_b(s: &mut String, plan: &Plan, c: &CustomerPlan) {
    let product = &plan.profile.name;
    let _ = writeln!(s, "\n## B. Move the users\n");
    status_line(s, c.steps.move_users);
    let _ = writeln!(
        s,
        "In the customer's Microsoft 365 admin center (Partner Center > Customers > {} > Microsoft 365 admin center > Users > Active users), for each user:\n",
        name(c)
    );
    match c.seats_basis {
        SeatsBasis::SubscriptionSeats => {
            let _ = writeln!(
                s,
                "The users files had no rows for this customer. In the admin center, open Billing > Licenses > {product} and, for each of the (up to {}) users listed, remove {product} and assign {}; users who already hold a plan with {} only lose {product}.",
                c.current_seats,
                md(&c.target.plan),
                plan.profile.service()
            );
        }
        SeatsBasis::Users if c.users.is_empty() => {
            let _ = writeln!(s, "No user holds a {product} licence: nothing to move.");
        }
        SeatsBasis::Users => user_lines(s, c),
    }
}

fn user_lines(s: &mut String, c: &CustomerPlan) {
    for u in &c.users {
        let who = match &u.display_name {
            Some(d) => format!("{} ({})", md(&u.upn), md(d)),
            None => md(&u.upn),
        };
        let check = checkbox(u.status);
        let _ = match u.action {
            UserAction::Move => writeln!(
                s,
                "{check} {who}: remove **{}**, assign **{}**",
                md(&u.remove_licence),
                u.assign_licences.iter().map(|l| md(l)).collect::<Vec<_>>().join("** and **")
            ),
            UserAction::RemoveOnly => writeln!(
                s,
                "{check} {who}: remove **{}** only (already covered by {})",
                md(&u.remove_licence),
                md(u.covered_by.as_deref().unwrap_or_default())
            ),
        };
    }
}

/// Step C: suspend, and when Microsoft deprovisions.
fn step_c(s: &mut String, plan: &Plan, c: &CustomerPlan) {
    use crate::plan::Channel;
    let product = &plan.profile.name;
    let subs = &c.expiring_subscriptions;
    let all_legacy = subs.iter().all(|s| s.channel == Channel::Legacy);
    let verb = if all_legacy { "Suspend" } else { "Retire" };
    let _ = writeln!(s, "\n## C. {verb} the {product} subscription(s)\n");
    status_line(s, c.steps.suspend);
    let _ = writeln!(s, "Only after every user above is moved:\n");
    let _ = writeln!(s, "- [ ] In the admin center, Billing > Licenses: check that no user holds {product} any more.");
    for sub in subs {
        let at = format!(
            "Partner Center > Customers > {} > Subscriptions > `{}`",
            name(c),
            sub.subscription_id
        );
        let _ = match sub.channel {
            Channel::Legacy => {
                writeln!(s, "- [ ] {at}: set the status to **Suspended**.")
            }
            Channel::NewCommerce => writeln!(
                s,
                "- [ ] {at} (new commerce): **cancel** it while its cancellation window is open (7 days after purchase or renewal); past it, turn **auto renew off**: it runs to {} and is billed until then. Never suspend it: a suspended new commerce subscription keeps billing.",
                sub.end_date
            ),
            Channel::Unknown => writeln!(
                s,
                "- [ ] {at}: a legacy subscription: set the status to **Suspended**; a new commerce one (its offer id reads product:sku:availability): cancel it within its cancellation window, else turn auto renew off (it is billed until {}), never suspend it. The scripts tell them apart.",
                sub.end_date
            ),
        };
    }
    if subs.iter().all(|s| s.channel == Channel::NewCommerce) {
        return;
    }
    let example = c.deadline.max(plan.as_of);
    let days = i64::from(plan.profile.deprovision_days);
    let _ = writeln!(
        s,
        "\nMicrosoft deprovisions a suspended subscription {days} days after suspension, at no further cost: suspended on {example}, it is deprovisioned on {}. Write down the day you suspend.",
        example + Duration::days(days)
    );
}

/// What the customer pays today and after, line by line, as the price stage priced it.
fn cost_section(s: &mut String, c: &CustomerPlan) {
    use crate::plan::{CostSide, Money};
    let k = &c.cost;
    let cur = k.currency.as_deref().unwrap_or("");
    let amount = |m: Option<Money>| match m {
        Some(m) => format!("{m} {cur}").trim_end().to_string(),
        None => "no price".to_string(),
    };
    let _ = writeln!(s, "\n## Cost (monthly)\n");
    let _ = writeln!(s, "| | Offer | Seats | Monthly | Price source |\n|---|---|---:|---:|---|");
    for l in &k.lines {
        let side = match l.side {
            CostSide::Current => "Today",
            CostSide::Target => "After",
        };
        let _ = writeln!(
            s,
            "| {side} | {} | {} | {} | {} |",
            md(&l.offer_name),
            l.seats,
            amount(l.monthly),
            md(&l.price_source)
        );
    }
    match (k.delta_monthly, k.delta_annual) {
        (Some(m), Some(a)) => {
            let _ = writeln!(
                s,
                "\nToday {}, after {}: monthly delta {}, annual delta {}.",
                amount(k.current_monthly),
                amount(k.target_monthly),
                amount(Some(m)),
                amount(Some(a))
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "\nNo delta: {} line(s) have no price (see the price source).",
                k.lines_without_price
            );
        }
    }
    if let Some(saving) = k.remove_only_saving_monthly {
        let _ =
            writeln!(s, "Remove-only users free {} a month of today's cost.", amount(Some(saving)));
    }
    if let Some(rest) = k.remaining_term {
        let _ = writeln!(
            s,
            "The new commerce subscription(s) above bill {} more until their end dates (started months whole), unless cancelled within their cancellation windows: suspending them would not stop it.",
            amount(Some(rest))
        );
    }
}

/// `runbooks/README.md`: every customer by deadline, with links.
pub fn index(plan: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} migration runbooks\n", plan.profile.name);
    let _ = writeln!(
        s,
        "As of {}: {} customer(s), {} lapsed. Sorted by deadline.\n",
        plan.as_of, plan.summary.customers, plan.summary.lapsed_customers
    );
    let _ = writeln!(
        s,
        "| Deadline | Days left | Urgency | Customer | Target plan | Step A | Users to move | Runbook |\n|---|---:|---|---|---|---|---:|---|"
    );
    for c in &plan.customers {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | [{}.md]({}.md) |",
            c.deadline,
            c.days_left,
            c.urgency.label(),
            name(c),
            md(&c.target.plan),
            md(&super::csv_out::step_a_all(&c.purchases)),
            c.users_to_move.len(),
            c.slug,
            c.slug
        );
    }
    if !plan.excluded_customers.is_empty() {
        let _ = writeln!(s, "\nExcluded in the worksheet (no runbook):\n");
        for e in &plan.excluded_customers {
            let n = e.customer_name.as_deref().unwrap_or(&e.customer_id);
            let _ = writeln!(s, "- {} (`{}`), deadline {}", md(n), e.customer_id, e.deadline);
        }
    }
    s
}
