//! The plan: everything every output is rendered from.
//!
//! Plain data with sorted collections, so rendering is deterministic. Renderers read it and
//! decide nothing. `plan.json` is this structure: `plan` writes it and `scripts`, `status` read it
//! back into the same types (enums, not strings), so a renamed field or variant breaks the build
//! or the round-trip test, never a customer. Its schema is documented in the README.
//!
//! A few facts the price stage needs from the exports travel in memory only (`#[serde(skip)]`):
//! their priced result is what `plan.json` shows, in `cost`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::target::TargetReason;
use crate::ingest::prices::{Billing, Term};
pub use crate::money::Money;

/// Version of the `plan.json` schema.
pub const SCHEMA_VERSION: u32 = 1;

/// The migration plan for every affected customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Version of this schema.
    pub schema_version: u32,
    /// The retirement profile the plan follows (a plan written before profiles is Kaizala
    /// Pro's).
    #[serde(default)]
    pub profile: PlanProfile,
    /// "Today" for the plan.
    pub as_of: NaiveDate,
    /// Days after as-of within which an end date counts as expiring.
    pub horizon_days: u32,
    /// The last end date that counts as expiring.
    pub horizon_end: NaiveDate,
    /// The replacement plans a target may be (canonical names).
    #[serde(rename = "supported_plans")]
    pub supported_offers: Vec<String>,
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

/// The retirement profile a plan follows: which product is retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProfile {
    /// The profile's id (`kaizala-pro`).
    pub id: String,
    /// The retiring product's name, as the outputs name it.
    pub name: String,
    /// What users keep on a replacement, as sentences name it ("Kaizala"); the name when
    /// absent.
    #[serde(default)]
    pub service: Option<String>,
    /// The service plans the retiring product provides.
    #[serde(default)]
    pub service_plans: Vec<String>,
    /// The retiring product's SKU GUIDs (the scripts remove these licences).
    #[serde(default)]
    pub sku_ids: Vec<String>,
    /// Names and words that mark the retiring product in a tenant's SKU names (the scripts find
    /// its SKUs by them); the product's name when empty.
    #[serde(default)]
    pub names: Vec<String>,
    /// Microsoft's announcement of the retirement.
    #[serde(default)]
    pub reference: Option<String>,
    /// Days after step C until Microsoft deprovisions the subscription.
    #[serde(default = "default_deprovision_days")]
    pub deprovision_days: u32,
}

fn default_deprovision_days() -> u32 {
    120
}

impl PlanProfile {
    /// What users keep on a replacement, as sentences name it.
    pub fn service(&self) -> &str {
        self.service.as_deref().unwrap_or(&self.name)
    }
}

impl Default for PlanProfile {
    fn default() -> PlanProfile {
        PlanProfile {
            id: "kaizala-pro".into(),
            name: "Kaizala Pro".into(),
            service: Some("Kaizala".into()),
            service_plans: Vec::new(),
            sku_ids: Vec::new(),
            names: vec!["kaizala".into()],
            reference: None,
            deprovision_days: default_deprovision_days(),
        }
    }
}

/// A customer the account manager excluded in the worksheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcludedCustomer {
    /// Customer tenant id.
    pub customer_id: String,
    /// Company name.
    pub customer_name: Option<String>,
    /// The deadline it had.
    pub deadline: NaiveDate,
    /// Where the exclusion was made.
    pub reason: String,
    /// The customer's plan as it would be, with the worksheet's other edits, so that the next
    /// workbook shows the row (Include = No) and its statuses and notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Box<CustomerPlan>>,
}

/// Totals over all customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// Every bucket, most urgent first.
    pub const ALL: [Urgency; 4] =
        [Urgency::Lapsed, Urgency::Within30Days, Urgency::Within90Days, Urgency::Later];

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(rename = "existing_plan_subscriptions")]
    pub existing_replacements: Vec<ReplacementSubscription>,
    /// Step A for the target plan's first offer (`purchases[0]`, kept for compatibility).
    pub purchase: Purchase,
    /// Step A: one purchase per offer of the target plan, in the plan's order (a plan written
    /// before plans of several offers: read as `[purchase]`).
    #[serde(default)]
    pub purchases: Vec<Purchase>,
    /// Whether Partner Center may carry out A and B itself (a transition or upgrade with licence
    /// transfer, which the scripts ask for), or why not.
    #[serde(default)]
    pub path: Path,
    /// What the tool recommended, before the worksheet's edits (the workbook's hidden
    /// "Recommended" columns, which tell edited cells from unedited ones).
    #[serde(default)]
    pub recommended: Recommended,
    /// Alternatives to buying: spare seats of other replacement plans the customer already
    /// holds that could serve its users (the account manager decides).
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
    /// Where steps A, B and C stand, as the worksheet says.
    #[serde(default)]
    pub steps: StepStatuses,
    /// The account manager's notes from the worksheet.
    #[serde(default)]
    pub worksheet_notes: Option<String>,
    /// Seats of the target plan to buy (new, or added to an existing subscription): for a plan
    /// of several offers, the most any of its offers needs.
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
    /// The first currency any subscription of the customer gives in the exports (in memory
    /// only: the price stage settles `cost.currency` from it).
    #[serde(skip)]
    pub export_currency: Option<String>,
}

/// How A and B may be carried out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// One expiring subscription, a target of one offer bought new: Partner Center may offer a
    /// transition (or upgrade) with licence transfer; the scripts ask and use it when it does.
    TransitionIfOffered,
    /// A, B and C: the target is several offers.
    SeveralOffers,
    /// A, B and C: step A buys no new subscription.
    NoNewSubscription,
    /// A, B and C: the customer has several expiring subscriptions.
    SeveralSubscriptions,
    /// A, B and C (a plan written before paths were decided).
    #[default]
    Unknown,
}

impl Path {
    /// The name `plan.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Path::TransitionIfOffered => "transition_if_offered",
            Path::SeveralOffers => "several_offers",
            Path::NoNewSubscription => "no_new_subscription",
            Path::SeveralSubscriptions => "several_subscriptions",
            Path::Unknown => "unknown",
        }
    }
}

impl CustomerPlan {
    /// Sets step A: one purchase per offer of the target plan (`purchase` is the first,
    /// `seats_to_buy` the most any offer needs), and the path it allows.
    pub fn set_purchases(&mut self, purchases: Vec<Purchase>) {
        if let Some(first) = purchases.first() {
            self.purchase = first.clone();
        }
        self.seats_to_buy = purchases.iter().map(|p| p.seats).max().unwrap_or(0);
        self.path = match (purchases.as_slice(), self.expiring_subscriptions.len()) {
            ([_, _, ..], _) => Path::SeveralOffers,
            ([p], _) if p.action != PurchaseAction::Buy => Path::NoNewSubscription,
            (_, n) if n > 1 => Path::SeveralSubscriptions,
            ([_], _) => Path::TransitionIfOffered,
            ([], _) => Path::NoNewSubscription,
        };
        self.purchases = purchases;
    }

    /// The first purchase that buys a new subscription: its term and billing are the ones the
    /// worksheet shows and sets (every new subscription of a plan gets the same).
    pub fn new_subscription(&self) -> Option<&Purchase> {
        self.purchases.iter().find(|p| p.action == PurchaseAction::Buy)
    }

    /// Seats the users need of one offer: one per user to move who does not hold it (without
    /// users rows, the seats needed).
    pub fn needs(&self, offer: &str) -> u64 {
        if self.seats_basis != SeatsBasis::Users {
            return self.seats_needed;
        }
        lacking(&self.users, offer)
    }

    /// Sets what each moving user is assigned: the target's offers the user does not hold.
    pub fn set_assignments(&mut self) {
        let offers = &self.target.offers;
        for u in self.users.iter_mut().filter(|u| u.action == UserAction::Move) {
            u.assign_licences = offers.iter().filter(|o| !u.holds.contains(o)).cloned().collect();
            u.assign_licence = u.assign_licences.first().cloned();
        }
    }

    /// True when step A buys or adds nothing for any offer.
    pub fn buys_nothing(&self) -> bool {
        self.purchases.iter().all(|p| p.action == PurchaseAction::None)
    }

    /// Fills what a plan written before plans of several offers lacks.
    pub fn complete(&mut self) {
        self.target.complete();
        if self.purchases.is_empty() {
            self.purchases.push(self.purchase.clone());
        }
        for u in &mut self.users {
            if u.assign_licences.is_empty() {
                u.assign_licences.extend(u.assign_licence.clone());
            }
        }
    }
}

/// The users to move who do not hold `offer`.
pub fn lacking(users: &[UserChange], offer: &str) -> u64 {
    let lacks =
        |u: &&UserChange| u.action == UserAction::Move && !u.holds.iter().any(|h| h == offer);
    users.iter().filter(lacks).count() as u64
}

/// One expiring subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Billing cycle as written, with what it means.
    pub billing_cycle: Option<BillingCycle>,
    /// Unit price from the export (written as a decimal string).
    #[serde(with = "decimal_text")]
    pub unit_price: Option<Decimal>,
    /// Currency of the unit price.
    pub currency: Option<String>,
    /// How it is retired: legacy (suspended) or new commerce (cancelled in its window, else left
    /// to end), as its offer id tells.
    #[serde(default)]
    pub channel: Channel,
}

/// How a subscription is sold, which decides how it is retired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Legacy licence-based: suspending it stops its billing.
    Legacy,
    /// New commerce (offer id `product:sku:availability`): suspending it would not stop its
    /// billing; it is cancelled within its cancellation window, else runs to its end date.
    NewCommerce,
    /// The exports do not say (no offer id): the scripts read it from Partner Center.
    #[default]
    Unknown,
}

impl Channel {
    /// The channel an offer id tells: three parts separated by `:` are new commerce.
    pub fn of_offer_id(offer_id: Option<&str>) -> Channel {
        match offer_id.map(str::trim).filter(|o| !o.is_empty()) {
            None => Channel::Unknown,
            Some(o) if o.split(':').count() == 3 => Channel::NewCommerce,
            Some(_) => Channel::Legacy,
        }
    }

    /// An unknown channel of an offer that stopped selling before new commerce sold
    /// licence-based offers (January 2022) is legacy: it was never sold as new commerce.
    pub fn or_before_new_commerce(self, end_of_sale: Option<NaiveDate>) -> Channel {
        let new_commerce = NaiveDate::from_ymd_opt(2022, 1, 10);
        match (self, end_of_sale) {
            (Channel::Unknown, Some(end)) if Some(end) < new_commerce => Channel::Legacy,
            (c, _) => c,
        }
    }

    /// The name `plan.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Legacy => "legacy",
            Channel::NewCommerce => "new_commerce",
            Channel::Unknown => "unknown",
        }
    }
}

impl Target {
    /// The target `plan` (a replacement's name) with its `offers`, and why.
    pub fn new(
        plan: String,
        offers: Vec<String>,
        reason_text: String,
        reason: TargetReason,
    ) -> Target {
        let offers = if offers.is_empty() { vec![plan.clone()] } else { offers };
        Target { offer_name: offers[0].clone(), offers, plan, reason, reason_text }
    }

    /// Fills what a plan written before plans of several offers lacks.
    pub fn complete(&mut self) {
        if self.offers.is_empty() {
            self.offers.push(self.offer_name.clone());
        }
        if self.plan.is_empty() {
            self.plan = self.offer_name.clone();
        }
    }
}

impl ExpiringSubscription {
    /// The subscription's own price, when the export gives one.
    pub fn export_price(&self) -> Option<ExportPrice> {
        Some(ExportPrice {
            amount: self.unit_price?,
            currency: self.currency.clone(),
            billing: self.billing_cycle.as_ref().and_then(|b| b.billing),
        })
    }
}

/// A unit price as a subscriptions export gives it for one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPrice {
    /// Per seat, for the billing period (as written, not rescaled).
    pub amount: Decimal,
    /// Its currency, when the export says.
    pub currency: Option<String>,
    /// The billing period it pays for, when the export says.
    pub billing: Option<Billing>,
}

/// A billing cycle as the export writes it (`Monthly`, `Annual`), and what it means when it is
/// one the tool knows. Written to `plan.json` as the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingCycle {
    /// As written.
    pub written: String,
    /// Its meaning.
    pub billing: Option<Billing>,
}

impl BillingCycle {
    /// Reads a billing cycle cell.
    pub fn new(written: String) -> BillingCycle {
        let billing = Billing::parse(&written).ok();
        BillingCycle { written, billing }
    }
}

impl Serialize for BillingCycle {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.written)
    }
}

impl<'de> Deserialize<'de> for BillingCycle {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<BillingCycle, D::Error> {
        String::deserialize(d).map(BillingCycle::new)
    }
}

/// An optional decimal written as its shortest text (`9.5`, not `9.50`).
mod decimal_text {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.collect_str(&d.normalize()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// The plan to move a customer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The target plan's first offer (for a plan of one offer, the plan).
    pub offer_name: String,
    /// Every offer of the target plan, bought and assigned together (a plan written before
    /// plans of several offers: read as `[offer_name]`).
    #[serde(default)]
    pub offers: Vec<String>,
    /// The target plan's name, as the worksheet and `--target` name it (the offer's name for a
    /// plan of one offer; read as `offer_name` when absent).
    #[serde(default)]
    pub plan: String,
    /// Why it was chosen (machine-readable).
    pub reason: TargetReason,
    /// Why it was chosen, in one sentence.
    pub reason_text: String,
}

/// An active subscription of a replacement plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementSubscription {
    /// Subscription id.
    pub subscription_id: String,
    /// Offer name as exported.
    pub offer_name: String,
    /// The replacement plan it is (canonical name).
    #[serde(rename = "plan")]
    pub replacement: String,
    /// Seats bought.
    pub quantity: u64,
    /// Users holding the plan, when the users files show it.
    pub assigned: Option<u64>,
    /// Its own price as the export gives it (a top-up is priced with it; in memory only).
    #[serde(skip)]
    pub export_price: Option<ExportPrice>,
}

/// What step A does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseAction {
    /// Buy a new subscription of the target plan.
    Buy,
    /// Increase the quantity of the customer's subscription of the target plan.
    Increase,
    /// Nothing to buy.
    None,
}

impl PurchaseAction {
    /// The name `plan.json` and the scripts use.
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseAction::Buy => "buy",
            PurchaseAction::Increase => "increase",
            PurchaseAction::None => "none",
        }
    }
}

/// Step A for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The commitment term of a new subscription (`P1M`, `P1Y`, `P3Y`); `None` when step A
    /// buys nothing new (a top-up keeps its subscription's term).
    #[serde(default)]
    pub term: Option<Term>,
    /// How often a new subscription is billed (`monthly`, `annual`, `triennial`); `None` as
    /// for the term.
    #[serde(default)]
    pub billing: Option<Billing>,
    /// Where the term and billing come from; `None` when step A buys no new subscription.
    #[serde(default)]
    pub terms_source: Option<TermsSource>,
}

/// Where a new subscription's term and billing come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermsSource {
    /// `--term` and `--billing` (a year, billed monthly, unless given).
    Default,
    /// The price list row that prices the offer: the only term and billing it is listed for.
    PriceList,
    /// The account manager chose them in the worksheet.
    Worksheet,
}

/// Where a customer's seat count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatsBasis {
    /// The users files: one seat per user to move.
    Users,
    /// No users file has rows for the customer: the Kaizala Pro seat count.
    SubscriptionSeats,
}

impl SeatsBasis {
    /// The name `plan.json` and the CSV use.
    pub fn as_str(self) -> &'static str {
        match self {
            SeatsBasis::Users => "users",
            SeatsBasis::SubscriptionSeats => "subscription_seats",
        }
    }
}

/// What happens to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// Remove Kaizala Pro and assign the target plan.
    Move,
    /// Remove Kaizala Pro only: the user already holds a plan with Kaizala.
    RemoveOnly,
}

impl UserAction {
    /// The name `plan.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            UserAction::Move => "move",
            UserAction::RemoveOnly => "remove_only",
        }
    }
}

/// One user licence change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    /// User principal name.
    pub upn: String,
    /// Display name, when known.
    pub display_name: Option<String>,
    /// Move or remove only.
    pub action: UserAction,
    /// The licence to remove, as the export names it.
    pub remove_licence: String,
    /// The licence to assign (none for remove-only users): the target plan's first offer.
    pub assign_licence: Option<String>,
    /// Every licence to assign: the target plan's offers the user does not hold yet (none for
    /// remove-only users).
    #[serde(default)]
    pub assign_licences: Vec<String>,
    /// Offers of replacement plans the user already holds (by their English names): a plan of
    /// several offers is assigned without them, and seats of them are not bought for the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holds: Vec<String>,
    /// The licence that already covers a remove-only user.
    pub covered_by: Option<String>,
    /// Where this user's change stands, as the worksheet says.
    #[serde(default)]
    pub status: StepStatus,
}

/// Where a step stands, as an account manager marks it in the worksheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not started.
    #[default]
    ToDo,
    /// Started.
    InProgress,
    /// Finished.
    Done,
    /// Nothing to do.
    NotNeeded,
}

impl StepStatus {
    /// Every status, in the worksheet's drop-down order.
    pub const ALL: [StepStatus; 4] =
        [StepStatus::ToDo, StepStatus::InProgress, StepStatus::Done, StepStatus::NotNeeded];

    /// The worksheet's word.
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::ToDo => "To do",
            StepStatus::InProgress => "In progress",
            StepStatus::Done => "Done",
            StepStatus::NotNeeded => "Not needed",
        }
    }

    /// The name `plan.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::ToDo => "to_do",
            StepStatus::InProgress => "in_progress",
            StepStatus::Done => "done",
            StepStatus::NotNeeded => "not_needed",
        }
    }

    /// Reads the worksheet's word (or the `plan.json` name), in any case.
    pub fn parse(text: &str) -> Option<StepStatus> {
        let t = text.trim();
        StepStatus::ALL
            .into_iter()
            .find(|s| t.eq_ignore_ascii_case(s.label()) || t.eq_ignore_ascii_case(s.as_str()))
    }
}

/// The statuses of a customer's three steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepStatuses {
    /// Step A: buy.
    pub buy: StepStatus,
    /// Step B: move the users' licences.
    pub move_users: StepStatus,
    /// Step C: retire the old subscriptions.
    pub suspend: StepStatus,
}

impl StepStatuses {
    /// The three statuses, A to C (the order of the worksheet's columns).
    pub fn each(&self) -> [StepStatus; 3] {
        [self.buy, self.move_users, self.suspend]
    }
}

/// What the tool recommended for a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommended {
    /// The target plan the rule chose.
    pub target: String,
    /// The seats to buy for the target plan in the worksheet (before a seat edit).
    pub seats: u64,
    /// The commitment term a new subscription gets unless the worksheet says otherwise.
    pub term: Option<Term>,
    /// The billing frequency a new subscription gets unless the worksheet says otherwise.
    pub billing: Option<Billing>,
}

/// Spare seats of a replacement plan the customer already holds, offered instead of buying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    /// The plan (canonical name); choosing it as the target uses the seats.
    pub plan: String,
    /// The subscription holding the seats.
    pub subscription_id: String,
    /// Seats bought there and not assigned to anyone.
    pub spare_seats: u64,
    /// Of the seats the customer needs, how many the spare seats would cover.
    pub covers: u64,
    /// Seats still to buy of that plan with it as the target.
    pub seats_to_buy: u64,
    /// The monthly cost of the customer's purchase if it took this plan instead, in the
    /// customer's currency; `None` is "no price" (filled by the price stage).
    pub target_monthly: Option<Money>,
    /// That cost minus the purchase's cost as planned, when both are priced (negative saves).
    pub change_monthly: Option<Money>,
}

/// A Kaizala Pro subscription that is not in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherSubscription {
    /// Customer tenant id.
    pub customer_id: String,
    /// Subscription id.
    pub subscription_id: String,
    /// Seats.
    pub quantity: u64,
    /// End date.
    pub end_date: NaiveDate,
    /// Why it is not planned, in words (a filter reason with the profile's product name).
    pub reason: String,
}

/// Which side of the move a cost line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSide {
    /// What the customer pays today (an expiring Kaizala Pro subscription).
    Current,
    /// What the customer pays after the move (the seats step A buys).
    Target,
}

impl CostSide {
    /// The name `plan.json` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            CostSide::Current => "current",
            CostSide::Target => "target",
        }
    }
}

/// One priced line of a customer's cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// What the new commerce subscriptions among the expiring ones still cost from as-of to
    /// their end dates (started months count whole): step C cannot stop it by suspending them,
    /// only by cancelling within their cancellation windows. `None` when there are none or none
    /// is priced.
    #[serde(default)]
    pub remaining_term: Option<Money>,
    /// Every line.
    pub lines: Vec<CostLine>,
}

/// Cost totals in one currency for one group of customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthSeats {
    /// `YYYY-MM`.
    pub month: String,
    /// Customers whose deadline falls in the month.
    pub customers: u64,
    /// Seats their users need on the new plans.
    pub seats_to_migrate: u64,
}

/// Cost totals, per currency: never added across currencies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The warnings about offers without a price (also in `Plan::warnings`), for the report to
    /// list (in memory only).
    #[serde(skip)]
    pub price_warnings: Vec<String>,
}

impl Summary {
    /// Totals over customers.
    pub fn of(customers: &[CustomerPlan]) -> Summary {
        Summary {
            customers: customers.len() as u64,
            lapsed_customers: customers.iter().filter(|c| c.lapsed).count() as u64,
            expiring_subscriptions: customers
                .iter()
                .map(|c| c.expiring_subscriptions.len() as u64)
                .sum(),
            current_seats: customers.iter().map(|c| c.current_seats).sum(),
            seats_to_buy: customers.iter().map(|c| c.seats_to_buy).sum(),
            users_to_move: customers.iter().map(|c| c.users_to_move.len() as u64).sum(),
            users_remove_only: customers.iter().map(|c| c.users_remove_only.len() as u64).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: Serialize>(v: T) -> String {
        serde_json::to_value(v).unwrap().as_str().unwrap().to_string()
    }

    #[test]
    fn names_in_code_are_the_names_in_plan_json() {
        for a in [PurchaseAction::Buy, PurchaseAction::Increase, PurchaseAction::None] {
            assert_eq!(text(a), a.as_str());
        }
        for b in [SeatsBasis::Users, SeatsBasis::SubscriptionSeats] {
            assert_eq!(text(b), b.as_str());
        }
        for u in [UserAction::Move, UserAction::RemoveOnly] {
            assert_eq!(text(u), u.as_str());
        }
        for c in [CostSide::Current, CostSide::Target] {
            assert_eq!(text(c), c.as_str());
        }
        for c in [Channel::Legacy, Channel::NewCommerce, Channel::Unknown] {
            assert_eq!(text(c), c.as_str());
        }
        for p in [
            Path::TransitionIfOffered,
            Path::SeveralOffers,
            Path::NoNewSubscription,
            Path::SeveralSubscriptions,
            Path::Unknown,
        ] {
            assert_eq!(text(p), p.as_str());
        }
        let nce = Channel::of_offer_id(Some("CFQ7TTC0LH18:0001:CFQ7TTC0K5RJ"));
        assert_eq!(nce, Channel::NewCommerce);
        assert_eq!(Channel::of_offer_id(Some("KAIZALA-PRO-LEGACY")), Channel::Legacy);
        assert_eq!(Channel::of_offer_id(Some(" ")), Channel::Unknown);
    }

    #[test]
    fn a_billing_cycle_keeps_its_text_and_its_meaning() {
        let b: BillingCycle = serde_json::from_str("\"Annual\"").unwrap();
        assert_eq!(b.billing, Some(Billing::Annual));
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"Annual\"");
    }
}
