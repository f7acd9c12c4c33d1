//! Scripts: bash and PowerShell that carry a plan out through the Partner Center REST API (and
//! Microsoft Graph for licences, when chosen).
//!
//! Owns: reading `plan.json` back into the plan model (checked), resolving at
//! generation time every fact a script needs that the plan, the price list lines or the SKU
//! catalogue give (refusing, with the list, when one is missing and the script cannot look it up
//! itself), quoting every value safely, and writing the files. What the scripts do at run time
//! lives in `lib.sh` and `lib.ps1`, shared by every customer's script.

pub mod bash;
pub mod powershell;
pub mod quote;
pub mod status;

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::guid;
use crate::plan::{
    CostSide, CustomerPlan, Plan, PurchaseAction, SeatsBasis, UserAction, SCHEMA_VERSION,
};

/// Which API changes the users' licences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceApi {
    /// Partner Center `licenseupdates` (App+User token).
    PartnerCenter,
    /// Microsoft Graph `assignLicense` (a token for the customer's tenant).
    Graph,
}

impl LicenceApi {
    /// The name scripts use.
    pub fn as_str(self) -> &'static str {
        match self {
            LicenceApi::PartnerCenter => "partner-center",
            LicenceApi::Graph => "graph",
        }
    }
}

/// How step A buys a new subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseApi {
    /// The new commerce cart: create a cart with a catalog item, then check out.
    Cart,
    /// The legacy order resource (offer id and quantity).
    Order,
}

impl PurchaseApi {
    /// The name scripts use.
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseApi::Cart => "cart",
            PurchaseApi::Order => "order",
        }
    }
}

/// What a rollback script does, as its header comment says it (`{results}`: the results file it
/// reads by default).
pub const ROLLBACK_ABOUT: [&str; 5] = [
    "Undoes what the results file the migration scripts wrote (RESULTS_FILE, default",
    "{results}) records as done: reactivates the retired subscriptions, gives the users their",
    "old licence back and takes back what step B assigned. Purchases are never cancelled: it",
    "prints each with its cancellation window and the request that would cancel it.",
    "Dry run by default: prints every request; --apply (-Apply) sends them.",
];

/// Settings of the `scripts` command.
#[derive(Debug, Clone)]
pub struct ScriptOptions {
    /// Write bash scripts.
    pub bash: bool,
    /// Write PowerShell scripts.
    pub powershell: bool,
    /// Licence API.
    pub licence_api: LicenceApi,
    /// Purchase API.
    pub purchase_api: PurchaseApi,
    /// Customers `run-all` processes at a time.
    pub batch_size: u32,
    /// The plan.json the scripts are written from, as given (the README's `status` command).
    pub plan_file: String,
}

/// The one field read before the rest, so that a plan of another schema gets a clear message.
#[derive(Deserialize)]
struct Version {
    schema_version: u32,
}

/// Reads and checks a `plan.json` into the plan model `plan` wrote it from.
pub fn load(path: &Path) -> Result<Plan> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Read { path: name.clone(), source })?;
    let bad = |message: String| Error::File { path: name.clone(), message };
    let unsupported = |v: u32| {
        bad(format!("schema_version {v} is not supported (this version reads {SCHEMA_VERSION})"))
    };
    // Read once; when it does not fit the model, its version tells the better message.
    let mut plan: Plan =
        serde_json::from_str(&text).map_err(|e| match serde_json::from_str::<Version>(&text) {
            Ok(v) if v.schema_version != SCHEMA_VERSION => unsupported(v.schema_version),
            _ => bad(format!("not a plan.json written by kaizala-migrate plan: {e}")),
        })?;
    if plan.schema_version != SCHEMA_VERSION {
        return Err(unsupported(plan.schema_version));
    }
    // A plan written before plans of several offers says each in one place only.
    let excluded = plan.excluded_customers.iter_mut().filter_map(|e| e.plan.as_deref_mut());
    for c in plan.customers.iter_mut().chain(excluded) {
        c.complete();
    }
    for c in &plan.customers {
        let safe = !c.slug.is_empty()
            && c.slug.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        if !safe {
            return Err(bad(format!(
                "customer {}: slug {:?} is not a safe file name",
                c.customer_id, c.slug
            )));
        }
        if guid::parse_guid(&c.customer_id).as_deref() != Some(c.customer_id.as_str()) {
            return Err(bad(format!("{:?} is not a customer tenant id", c.customer_id)));
        }
    }
    Ok(plan)
}

/// Everything one customer's script needs, resolved.
#[derive(Debug, Clone)]
pub struct CustomerJob {
    /// Tenant id.
    pub customer_id: String,
    /// Name for messages.
    pub name: String,
    /// File name stem.
    pub slug: String,
    /// Deadline.
    pub deadline: NaiveDate,
    /// Target plan.
    pub target_plan: String,
    /// Step A, one per offer of the target plan, in its order.
    pub purchases: Vec<PurchaseJob>,
    /// Subscriptions of the target plan the customer had before (never mistaken for the new one).
    pub existing_subscriptions: Vec<String>,
    /// The Kaizala Pro subscriptions to suspend.
    pub expiring_subscriptions: Vec<String>,
    /// Users who get the target plan.
    pub users_move: Vec<String>,
    /// For each of them, the offers (indexes into `purchases`) step B assigns, separated by
    /// spaces: what a rollback takes back.
    pub users_move_take: Vec<String>,
    /// Users who only lose Kaizala Pro.
    pub users_remove_only: Vec<String>,
    /// The plan had no users rows: the script finds the Kaizala Pro users in the tenant.
    pub discover_users: bool,
    /// The retiring product's name, as the scripts' messages say it.
    pub retiring_name: String,
    /// A case-insensitive regular expression a tenant SKU's name or part number matches when
    /// it is the retiring product.
    pub retiring_match: String,
    /// The retiring product's SKU GUIDs.
    pub retiring_sku_ids: Vec<String>,
}

/// Step A for one offer of the target plan, resolved.
#[derive(Debug, Clone)]
pub struct PurchaseJob {
    /// The offer.
    pub offer: String,
    /// Buy, increase or nothing.
    pub action: PurchaseAction,
    /// Seats to buy or add.
    pub seats: u64,
    /// The subscription to increase.
    pub increase_subscription: String,
    /// Its quantity after step A.
    pub new_quantity: u64,
    /// New commerce product id (cart).
    pub product_id: String,
    /// New commerce SKU id (cart).
    pub sku_id: String,
    /// Legacy offer id (order).
    pub offer_id: String,
    /// Term (`P1Y`).
    pub term: String,
    /// Billing (`monthly`).
    pub billing: String,
    /// Candidate SKU GUIDs of the offer (what step B assigns).
    pub sku_ids: Vec<String>,
}

impl PurchaseJob {
    /// The values of one offer's step A: (bash array name, PowerShell key, value, written as a
    /// number in PowerShell). Bash holds each in an array with one item per offer; the SKU ids
    /// are one item, separated by spaces.
    pub fn values(&self) -> [(&'static str, &'static str, String, bool); 10] {
        [
            ("TARGET_OFFERS", "Offer", self.offer.clone(), false),
            ("PURCHASE_ACTIONS", "Action", self.action.as_str().to_string(), false),
            ("PURCHASE_SEATS", "Seats", self.seats.to_string(), true),
            ("PURCHASE_SUBSCRIPTIONS", "Subscription", self.increase_subscription.clone(), false),
            ("PURCHASE_NEW_QUANTITIES", "NewQuantity", self.new_quantity.to_string(), true),
            ("CATALOG_PRODUCTS", "CatalogProduct", self.product_id.clone(), false),
            ("CATALOG_SKUS", "CatalogSku", self.sku_id.clone(), false),
            ("OFFER_IDS", "OfferId", self.offer_id.clone(), false),
            ("PURCHASE_TERMS", "Term", self.term.clone(), false),
            ("PURCHASE_BILLINGS", "Billing", self.billing.clone(), false),
        ]
    }
}

impl CustomerJob {
    /// The single values every customer's script sets: (bash name, PowerShell name, value,
    /// written as a number in PowerShell).
    pub fn scalars(&self, opts: &ScriptOptions) -> [(&'static str, &'static str, String, bool); 7] {
        [
            ("KM_LICENSE_API", "LicenseApi", opts.licence_api.as_str().to_string(), false),
            ("KM_PURCHASE_API", "PurchaseApi", opts.purchase_api.as_str().to_string(), false),
            ("CUSTOMER_ID", "CustomerId", self.customer_id.clone(), false),
            ("CUSTOMER_NAME", "CustomerName", self.name.clone(), false),
            ("TARGET_PLAN", "TargetPlan", self.target_plan.clone(), false),
            ("RETIRING_NAME", "RetiringName", self.retiring_name.clone(), false),
            ("RETIRING_MATCH", "RetiringMatch", self.retiring_match.clone(), false),
        ]
    }

    /// The lists every customer's script sets: (bash name, PowerShell name, items).
    pub fn lists(&self) -> [(&'static str, &'static str, &[String]); 5] {
        [
            ("EXISTING_SUBSCRIPTIONS", "ExistingSubscriptions", &self.existing_subscriptions),
            ("EXPIRING_SUBSCRIPTIONS", "ExpiringSubscriptions", &self.expiring_subscriptions),
            ("USERS_MOVE", "UsersMove", &self.users_move),
            ("USERS_REMOVE_ONLY", "UsersRemoveOnly", &self.users_remove_only),
            ("RETIRING_SKU_IDS", "RetiringSkuIds", &self.retiring_sku_ids),
        ]
    }
}

/// Resolves every customer's facts; refuses with the full list of what is missing.
pub fn resolve(plan: &Plan, catalog: &Catalog, opts: &ScriptOptions) -> Result<Vec<CustomerJob>> {
    let known = KnownIds::of(plan);
    let retiring = Retiring::of(plan);
    let jobs: Vec<CustomerJob> =
        plan.customers.iter().map(|c| job(c, &known, &retiring, catalog)).collect();
    let missing: Vec<String> = jobs.iter().flat_map(|j| missing_facts(j, opts)).collect();
    if missing.is_empty() {
        Ok(jobs)
    } else {
        Err(Error::MissingFacts { facts: missing })
    }
}

/// The retiring product as every customer's script knows it: its name, a pattern its SKUs'
/// names match, its SKU GUIDs.
struct Retiring {
    name: String,
    pattern: String,
    sku_ids: Vec<String>,
}

impl Retiring {
    fn of(plan: &Plan) -> Retiring {
        let p = &plan.profile;
        let names = if p.names.is_empty() { std::slice::from_ref(&p.name) } else { &p.names[..] };
        let pattern: Vec<String> = names.iter().map(|n| regex_escaped(n)).collect();
        Retiring {
            name: p.name.clone(),
            pattern: pattern.join("|"),
            sku_ids: p.sku_ids.iter().map(|s| s.to_lowercase()).collect(),
        }
    }
}

/// A name as a regular expression that matches it literally (in jq's and .NET's syntax).
fn regex_escaped(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\.^$|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A product's catalogue ids are the same in every market and currency: a customer priced from
/// a list without them takes them from another customer's line for the same offer.
#[derive(Default)]
struct KnownIds<'a> {
    /// Offer to its new commerce (product id, SKU id).
    catalog_item: std::collections::BTreeMap<&'a str, (&'a str, &'a str)>,
    /// Offer to its legacy offer id.
    offer: std::collections::BTreeMap<&'a str, &'a str>,
}

impl<'a> KnownIds<'a> {
    fn of(plan: &'a Plan) -> KnownIds<'a> {
        let mut known = KnownIds::default();
        for c in &plan.customers {
            for l in c.cost.lines.iter().filter(|l| l.side == CostSide::Target) {
                let offer = l.offer_name.as_str();
                if let (Some(p), Some(k)) = (&l.product_id, &l.sku_id) {
                    known.catalog_item.entry(offer).or_insert((p.as_str(), k.as_str()));
                }
                if let Some(o) = &l.offer_id {
                    known.offer.entry(offer).or_insert(o.as_str());
                }
            }
        }
        known
    }
}

/// One offer's step A facts, from its purchase, its target cost line and the catalogue.
fn purchase_job(
    c: &CustomerPlan,
    p: &crate::plan::Purchase,
    known: &KnownIds<'_>,
    catalog: &Catalog,
) -> PurchaseJob {
    let offer = p.offer_name.as_str();
    let line = c
        .cost
        .lines
        .iter()
        .filter(|l| l.side == CostSide::Target)
        // A plan of one offer has one target line, whatever it names.
        .find(|l| l.offer_name == offer || c.purchases.len() == 1);
    let (product_id, sku_id) = line
        .and_then(|l| l.product_id.clone().zip(l.sku_id.clone()))
        .or_else(|| known.catalog_item.get(offer).map(|(p, k)| (p.to_string(), k.to_string())))
        .unwrap_or_default();
    PurchaseJob {
        offer: offer.to_string(),
        action: p.action,
        seats: p.seats,
        increase_subscription: p.subscription_id.clone().unwrap_or_default(),
        new_quantity: p.new_quantity.unwrap_or(0),
        product_id,
        sku_id,
        offer_id: line
            .and_then(|l| l.offer_id.clone())
            .or_else(|| known.offer.get(offer).map(|o| o.to_string()))
            .unwrap_or_default(),
        // The purchase's own term and billing (the worksheet's); a plan written before they
        // were recorded falls back to the priced line's, then a year billed monthly.
        term: p
            .term
            .map(|t| t.iso())
            .or_else(|| line.and_then(|l| l.term.clone()))
            .unwrap_or_else(|| "P1Y".into()),
        billing: p
            .billing
            .map(|b| b.as_str().to_string())
            .or_else(|| line.and_then(|l| l.billing.clone()))
            .unwrap_or_else(|| "monthly".into()),
        sku_ids: catalog.sku_guids(offer),
    }
}

/// One customer's script facts, from its plan, its target cost lines and the catalogue.
fn job(
    c: &CustomerPlan,
    known: &KnownIds<'_>,
    retiring: &Retiring,
    catalog: &Catalog,
) -> CustomerJob {
    let users = |action: UserAction| -> Vec<String> {
        c.users.iter().filter(|u| u.action == action).map(|u| u.upn.clone()).collect()
    };
    CustomerJob {
        customer_id: c.customer_id.clone(),
        name: c.customer_name.clone().unwrap_or_else(|| c.customer_id.clone()),
        slug: c.slug.clone(),
        deadline: c.deadline,
        target_plan: c.target.plan.clone(),
        purchases: c.purchases.iter().map(|p| purchase_job(c, p, known, catalog)).collect(),
        existing_subscriptions: c
            .existing_replacements
            .iter()
            .map(|s| s.subscription_id.clone())
            .collect(),
        expiring_subscriptions: c
            .expiring_subscriptions
            .iter()
            .map(|s| s.subscription_id.clone())
            .collect(),
        users_move: users(UserAction::Move),
        users_move_take: c
            .users
            .iter()
            .filter(|u| u.action == UserAction::Move)
            .map(|u| {
                let take: Vec<String> = c
                    .purchases
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| u.assign_licences.contains(&p.offer_name))
                    .map(|(i, _)| i.to_string())
                    .collect();
                take.join(" ")
            })
            .collect(),
        users_remove_only: users(UserAction::RemoveOnly),
        discover_users: c.seats_basis != SeatsBasis::Users,
        retiring_name: retiring.name.clone(),
        retiring_match: retiring.pattern.clone(),
        retiring_sku_ids: retiring.sku_ids.clone(),
    }
}

/// The facts a customer's script would need and cannot look up itself.
fn missing_facts(job: &CustomerJob, opts: &ScriptOptions) -> Vec<String> {
    job.purchases.iter().filter_map(|p| missing_fact(job, p, opts)).collect()
}

/// The fact one offer's step A would need and cannot look up itself, if one is missing.
fn missing_fact(job: &CustomerJob, p: &PurchaseJob, opts: &ScriptOptions) -> Option<String> {
    match p.action {
        PurchaseAction::Buy => match opts.purchase_api {
            PurchaseApi::Cart if p.product_id.is_empty() || p.sku_id.is_empty() => Some(format!(
                "{} ({}): the new commerce product and SKU id of {} (plan with the new commerce price list in --prices, so the purchase line carries them)",
                job.name, job.customer_id, p.offer
            )),
            PurchaseApi::Order if p.offer_id.is_empty() => Some(format!(
                "{} ({}): the offer id of {} for the order API (plan with a price list that has an Offer ID column)",
                job.name, job.customer_id, p.offer
            )),
            _ => None,
        },
        PurchaseAction::Increase if p.increase_subscription.is_empty() || p.new_quantity == 0 => {
            Some(format!(
                "{} ({}): the subscription of {} to increase and its new quantity",
                job.name, job.customer_id, p.offer
            ))
        }
        _ => None,
    }
}

/// The generated files: (path relative to the output folder, contents, executable).
pub fn render(
    plan: &Plan,
    jobs: &[CustomerJob],
    opts: &ScriptOptions,
) -> Vec<(String, String, bool)> {
    let mut files = Vec::new();
    if opts.bash {
        files.push(("bash/lib.sh".to_string(), bash::LIB.to_string(), false));
        for j in jobs {
            files.push((format!("bash/{}.sh", j.slug), bash::customer(plan, j, opts), true));
            files.push((format!("rollback/{}.sh", j.slug), bash::rollback(plan, j, opts), true));
        }
        files.push(("bash/run-all.sh".to_string(), bash::run_all(plan, jobs, opts), true));
    }
    if opts.powershell {
        files.push(("powershell/lib.ps1".to_string(), powershell::LIB.to_string(), false));
        for j in jobs {
            files.push((
                format!("powershell/{}.ps1", j.slug),
                powershell::customer(plan, j, opts),
                false,
            ));
            files.push((
                format!("rollback/{}.ps1", j.slug),
                powershell::rollback(plan, j, opts),
                false,
            ));
        }
        files.push((
            "powershell/run-all.ps1".to_string(),
            powershell::run_all(plan, jobs, opts),
            false,
        ));
    }
    files.push(("README.md".to_string(), readme(plan, jobs, opts), false));
    files
}

fn readme(plan: &Plan, jobs: &[CustomerJob], opts: &ScriptOptions) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# {} migration scripts\n\nGenerated from plan.json (as of {}) for {} customer(s). Licences through {}; new subscriptions through the {} API.\n\n",
        plan.profile.name,
        plan.as_of,
        jobs.len(),
        match opts.licence_api {
            LicenceApi::PartnerCenter => "Partner Center (`licenseupdates`)",
            LicenceApi::Graph => "Microsoft Graph (`assignLicense`)",
        },
        opts.purchase_api.as_str()
    ));
    // The text speaks of Kaizala Pro; a plan of another profile reads with its product's name.
    // Its examples name a script that exists and the results file the scripts write.
    let slug = jobs.first().map(|j| j.slug.as_str()).unwrap_or("<customer>");
    let results = if opts.bash { "bash/results.csv" } else { "powershell/results.csv" };
    let plan_file = if opts.plan_file.is_empty() { "plan.json" } else { &opts.plan_file };
    s.push_str(
        &include_str!("readme.md")
            .replace("Kaizala Pro", &plan.profile.name)
            .replace("{SLUG}", slug)
            .replace("{RESULTS}", results)
            .replace("{PLAN}", plan_file),
    );
    s.push_str("\n## Customers, in the order run-all takes them\n\n| deadline | customer | step A | users | subscriptions to suspend |\n|---|---|---|---:|---:|\n");
    for j in jobs {
        let each: Vec<String> = j
            .purchases
            .iter()
            .filter(|p| p.action != PurchaseAction::None)
            .map(|p| match p.action {
                PurchaseAction::Increase => {
                    format!("increase {} to {}", p.increase_subscription, p.new_quantity)
                }
                _ => format!("buy {} x {}", p.seats, p.offer),
            })
            .collect();
        let a = if each.is_empty() { "nothing to buy".to_string() } else { each.join("; ") };
        let users = if j.discover_users {
            "found at run time".to_string()
        } else {
            (j.users_move.len() + j.users_remove_only.len()).to_string()
        };
        s.push_str(&format!(
            "| {} | {} (`{}`) | {} | {} | {} |\n",
            j.deadline,
            crate::escape::md(&j.name),
            j.slug,
            crate::escape::md(&a),
            users,
            j.expiring_subscriptions.len()
        ));
    }
    s
}

#[cfg(test)]
mod pattern_tests {
    #[test]
    fn retiring_names_become_a_literal_pattern() {
        assert_eq!(
            super::regex_escaped("Skype for Business Online (Plan 1)"),
            "Skype for Business Online \\(Plan 1\\)"
        );
        assert_eq!(super::regex_escaped("O365_w/o Teams.M3+"), "O365_w\\/o Teams\\.M3\\+");
    }
}
