//! The plan: everything every output is rendered from.
//!
//! Plain `Serialize` data with sorted collections, so rendering is deterministic. Renderers read
//! it and decide nothing. `plan.json` is this structure; its schema is documented in the README.

use chrono::NaiveDate;
use serde::Serialize;

use super::target::TargetReason;

/// Version of the `plan.json` schema.
pub const SCHEMA_VERSION: u32 = 1;

/// The migration plan for every affected customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Version of this schema.
    pub schema_version: u32,
    /// "Today" for the plan.
    pub as_of: NaiveDate,
    /// Days after as-of within which an end date counts as expiring.
    pub horizon_days: u32,
    /// The last end date that counts as expiring.
    pub horizon_end: NaiveDate,
    /// The replacement plans a target may be (canonical names).
    pub supported_plans: Vec<String>,
    /// Totals.
    pub summary: Summary,
    /// Affected customers, by deadline then customer id.
    pub customers: Vec<CustomerPlan>,
    /// Kaizala Pro subscriptions not planned, and why.
    pub other_kaizala_subscriptions: Vec<OtherSubscription>,
    /// Kaizala Pro users that match no customer (user principal names, sorted).
    pub unmatched_users: Vec<String>,
    /// Customers excluded in the worksheet (not migrated by this plan).
    pub excluded_customers: Vec<ExcludedCustomer>,
    /// Cost totals per currency, overall and by grouping (filled by the price stage).
    pub cost_totals: CostTotals,
    /// Things a person should look at.
    pub warnings: Vec<String>,
}

/// A customer the account manager excluded in the worksheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExcludedCustomer {
    /// Customer tenant id.
    pub customer_id: String,
    /// Company name.
    pub customer_name: Option<String>,
    /// The deadline it had.
    pub deadline: NaiveDate,
    /// Where the exclusion was made.
    pub reason: String,
}

/// Totals over all customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Affected customers.
    pub customers: u64,
    /// Customers whose deadline has passed.
    pub lapsed_customers: u64,
    /// Expiring Kaizala Pro subscriptions.
    pub expiring_subscriptions: u64,
    /// Kaizala Pro seats on those subscriptions.
    pub current_seats: u64,
    /// Seats to buy in all.
    pub seats_to_buy: u64,
    /// Users who get the new plan.
    pub users_to_move: u64,
    /// Users who only lose Kaizala Pro.
    pub users_remove_only: u64,
}

/// How urgent a customer is, by days left to the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// The deadline has passed.
    Lapsed,
    /// 30 days or fewer.
    #[serde(rename = "within_30_days")]
    Within30Days,
    /// 31 to 90 days.
    #[serde(rename = "within_90_days")]
    Within90Days,
    /// More than 90 days.
    Later,
}

impl Urgency {
    /// The bucket for a number of days left.
    pub fn of(days_left: i64) -> Urgency {
        match days_left {
            d if d < 0 => Urgency::Lapsed,
            0..=30 => Urgency::Within30Days,
            31..=90 => Urgency::Within90Days,
            _ => Urgency::Later,
        }
    }

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Lapsed => "lapsed",
            Urgency::Within30Days => "within 30 days",
            Urgency::Within90Days => "within 90 days",
            Urgency::Later => "later",
        }
    }
}

/// What to do for one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerPlan {
    /// Customer tenant id.
    pub customer_id: String,
    /// Company name, when an export gives it.
    pub customer_name: Option<String>,
    /// File name stem for this customer's own outputs (unique within the plan).
    pub slug: String,
    /// Domains seen in the exports.
    pub domains: Vec<String>,
    /// Account manager, when an export gives one.
    pub account_manager: Option<String>,
    /// Segment, when an export gives one.
    pub segment: Option<String>,
    /// The customer's staff are frontline workers (segment, frontline column or --frontline).
    pub frontline: bool,
    /// The earliest end date of the customer's expiring subscriptions.
    pub deadline: NaiveDate,
    /// Days from as-of to the deadline (negative when lapsed).
    pub days_left: i64,
    /// The deadline has passed.
    pub lapsed: bool,
    /// Urgency bucket.
    pub urgency: Urgency,
    /// The expiring Kaizala Pro subscriptions, by end date then id.
    pub expiring_subscriptions: Vec<ExpiringSubscription>,
    /// Kaizala Pro seats on those subscriptions.
    pub current_seats: u64,
    /// The plan to move to.
    pub target: Target,
    /// Where the seat count comes from.
    pub seats_basis: SeatsBasis,
    /// Seats the users need: users to move, or the Kaizala Pro seats without users rows.
    pub seats_needed: u64,
    /// Active subscriptions of replacement plans the customer already has.
    pub existing_plan_subscriptions: Vec<PlanSubscription>,
    /// Step A.
    pub purchase: Purchase,
    /// Seats of the target plan to buy (new, or added to an existing subscription).
    pub seats_to_buy: u64,
    /// Users who get the target plan (user principal names, sorted).
    pub users_to_move: Vec<String>,
    /// Users who already hold a plan with Kaizala and only lose Kaizala Pro (sorted).
    pub users_remove_only: Vec<String>,
    /// One line per user licence change, by user principal name.
    pub users: Vec<UserChange>,
    /// Remarks on this customer's plan.
    pub notes: Vec<String>,
    /// What the customer pays for these seats today and after the move (filled by the price
    /// stage).
    pub cost: CustomerCost,
}

/// One expiring subscription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpiringSubscription {
    /// Partner Center subscription id.
    pub subscription_id: String,
    /// Offer name, when known.
    pub offer_name: Option<String>,
    /// Offer id, when known.
    pub offer_id: Option<String>,
    /// Seats.
    pub quantity: u64,
    /// End date.
    pub end_date: NaiveDate,
    /// Days from as-of to the end date.
    pub days_left: i64,
    /// The end date has passed.
    pub lapsed: bool,
    /// Auto renew, when the export says.
    pub auto_renew: Option<bool>,
    /// Billing cycle as written.
    pub billing_cycle: Option<String>,
    /// Unit price from the export, as a decimal string.
    pub unit_price: Option<String>,
    /// Currency of the unit price.
    pub currency: Option<String>,
}

/// The plan to move a customer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Offer name of the target plan.
    pub offer_name: String,
    /// Why it was chosen (machine-readable).
    pub reason: TargetReason,
    /// Why it was chosen, in one sentence.
    pub reason_text: String,
}

/// An active subscription of a replacement plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSubscription {
    /// Subscription id.
    pub subscription_id: String,
    /// Offer name as exported.
    pub offer_name: String,
    /// The replacement plan it is (canonical name).
    pub plan: String,
    /// Seats bought.
    pub quantity: u64,
    /// Users holding the plan, when the users files show it.
    pub assigned: Option<u64>,
}

/// What step A does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseAction {
    /// Buy a new subscription of the target plan.
    Buy,
    /// Increase the quantity of the customer's subscription of the target plan.
    Increase,
    /// Nothing to buy.
    None,
}

/// Step A for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purchase {
    /// Buy, increase or nothing.
    pub action: PurchaseAction,
    /// The target plan.
    pub offer_name: String,
    /// Seats to buy or add.
    pub seats: u64,
    /// The subscription to increase.
    pub subscription_id: Option<String>,
    /// Its quantity now.
    pub current_quantity: Option<u64>,
    /// Its quantity after step A.
    pub new_quantity: Option<u64>,
    /// Seats bought there but not assigned, when known.
    pub spare_seats: Option<u64>,
}

/// Where a customer's seat count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatsBasis {
    /// The users files: one seat per user to move.
    Users,
    /// No users file has rows for the customer: the Kaizala Pro seat count.
    SubscriptionSeats,
}

/// What happens to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// Remove Kaizala Pro and assign the target plan.
    Move,
    /// Remove Kaizala Pro only: the user already holds a plan with Kaizala.
    RemoveOnly,
}

/// One user licence change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserChange {
    /// User principal name.
    pub upn: String,
    /// Display name, when known.
    pub display_name: Option<String>,
    /// Move or remove only.
    pub action: UserAction,
    /// The licence to remove, as the export names it.
    pub remove_licence: String,
    /// The licence to assign (none for remove-only users).
    pub assign_licence: Option<String>,
    /// The licence that already covers a remove-only user.
    pub covered_by: Option<String>,
}

/// A Kaizala Pro subscription that is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherSubscription {
    /// Customer tenant id.
    pub customer_id: String,
    /// Subscription id.
    pub subscription_id: String,
    /// Seats.
    pub quantity: u64,
    /// End date.
    pub end_date: NaiveDate,
    /// Why it is not planned.
    pub reason: String,
}

/// An exact amount of money, rescaled to its currency's minor unit; written as a decimal string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub rust_decimal::Decimal);

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Which side of the move a cost line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSide {
    /// What the customer pays today (an expiring Kaizala Pro subscription).
    Current,
    /// What the customer pays after the move (the seats step A buys).
    Target,
}

/// One priced line of a customer's cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    /// Today or after.
    pub side: CostSide,
    /// The offer priced.
    pub offer_name: String,
    /// The subscription, for current lines and top-ups.
    pub subscription_id: Option<String>,
    /// Seats on the line.
    pub seats: u64,
    /// The unit price as its source gives it, per seat per `price_period_months`.
    pub unit_price: Option<Money>,
    /// Months the unit price pays for (1 monthly, 12 annual, 36 for a three-year term).
    pub price_period_months: Option<u32>,
    /// The monthly price per seat (exact quotient, for reading; lines are computed from the
    /// unit price).
    pub unit_monthly: Option<String>,
    /// The line's monthly amount; `None` is "no price", never zero.
    pub monthly: Option<Money>,
    /// Where the price comes from, or "no price: why".
    pub price_source: String,
    /// Commitment term of the chosen price (`P1Y`), when the list says.
    pub term: Option<String>,
    /// Billing frequency of the chosen price, when the source says.
    pub billing: Option<String>,
    /// Offer id of the chosen price row (legacy lists).
    pub offer_id: Option<String>,
    /// Product id of the chosen price row (new commerce).
    pub product_id: Option<String>,
    /// SKU id of the chosen price row (new commerce), as text.
    pub sku_id: Option<String>,
}

/// A customer's cost today and after the move, in one currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomerCost {
    /// ISO 4217 code; `None` when no source says.
    pub currency: Option<String>,
    /// Sum of the priced current lines; `None` when none is priced.
    pub current_monthly: Option<Money>,
    /// Sum of the priced target lines; zero when nothing is bought; `None` when the purchase
    /// has no price.
    pub target_monthly: Option<Money>,
    /// Target minus current, when every line is priced.
    pub delta_monthly: Option<Money>,
    /// 12 × the monthly delta.
    pub delta_annual: Option<Money>,
    /// The part of today's cost that ends without replacement: remove-only users' Kaizala Pro
    /// seats at the current price.
    pub remove_only_saving_monthly: Option<Money>,
    /// Lines with no price (left out of the sums above).
    pub lines_without_price: u64,
    /// Every line.
    pub lines: Vec<CostLine>,
}

/// Cost totals in one currency for one group of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTotal {
    /// The group: an account manager, a target plan, an urgency bucket, a deadline month
    /// (`YYYY-MM`), or `all`.
    pub key: String,
    /// ISO 4217 code; `None` for customers no source gives a currency for.
    pub currency: Option<String>,
    /// Customers in the group.
    pub customers: u64,
    /// Seats the users need on the new plans.
    pub seats_to_migrate: u64,
    /// Seats to buy.
    pub seats_to_buy: u64,
    /// Sum of priced current lines.
    pub current_monthly: Money,
    /// Sum of priced target lines.
    pub target_monthly: Money,
    /// Sum of the customers' monthly deltas (customers with every line priced).
    pub delta_monthly: Money,
    /// 12 × `delta_monthly`.
    pub delta_annual: Money,
    /// Sum of remove-only savings.
    pub remove_only_saving_monthly: Money,
    /// Lines with no price, left out of the sums.
    pub lines_without_price: u64,
    /// Customers left out of the delta because a line has no price.
    pub customers_without_delta: u64,
}

/// Seats to migrate in one deadline month, over all currencies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthSeats {
    /// `YYYY-MM`.
    pub month: String,
    /// Customers whose deadline falls in the month.
    pub customers: u64,
    /// Seats their users need on the new plans.
    pub seats_to_migrate: u64,
}

/// Cost totals, per currency: never added across currencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostTotals {
    /// The price lists read (files and sheets), in the order given.
    pub price_lists: Vec<String>,
    /// One row per currency (key `all`).
    pub overall: Vec<GroupTotal>,
    /// By account manager (`(none)` when the exports name none).
    pub by_account_manager: Vec<GroupTotal>,
    /// By target plan.
    pub by_target_plan: Vec<GroupTotal>,
    /// By urgency bucket, most urgent first.
    pub by_urgency: Vec<GroupTotal>,
    /// By deadline month.
    pub by_deadline_month: Vec<GroupTotal>,
    /// Seats to migrate by deadline month (a count, so over all currencies).
    pub seats_by_deadline_month: Vec<MonthSeats>,
}
