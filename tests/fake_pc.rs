//! A fake Partner Center and Microsoft Graph on 127.0.0.1, with state, for running the generated
//! scripts against: customers with subscriptions, users, licences and SKUs; the cart, order,
//! subscription, user, licence and SKU endpoints the scripts use; injectable faults; and a log
//! of every request.
//!
//! Graph is served under `/graph/<tenant id>/v1.0/...`, so a test points `GRAPH_BASE_URL` at one
//! tenant, as a tenant-scoped token would.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

pub const TOKEN: &str = "test-token";

/// A fault status that carries the request out and then closes the connection without an
/// answer (a timeout the client cannot tell from a lost request).
pub const DROP: u16 = 0;

/// A fault status that answers only after the fault's `retry_after` seconds (a hang), for
/// reads: the client gives up first.
pub const HANG: u16 = 1;

/// A product the fake catalogue sells: product id, SKU id, catalog item, name, SKU GUID (the
/// SKU GUIDs are Microsoft's, from its licensing table).
pub const CATALOG: [(&str, &str, &str, &str, &str); 4] = [
    (
        "CFQ7TTC0LH18",
        "0001",
        "CFQ7TTC0LH18:0001:AV01",
        "Microsoft 365 Business Basic",
        "3b555118-da6a-4418-894f-7df1e2096870",
    ),
    (
        "CFQ7TTC0LF8R",
        "0001",
        "CFQ7TTC0LF8R:0001:AV02",
        "Office 365 E1",
        "18181a46-0d4e-45cd-891e-60aabd171b4e",
    ),
    (
        "CFQ7TTC0LF8Q",
        "0001",
        "CFQ7TTC0LF8Q:0001:AV03",
        "Office 365 E3",
        "6fd2c87f-b296-42f0-b197-1e91e994b900",
    ),
    (
        "CFQ7TTC0J1FV",
        "0001",
        "CFQ7TTC0J1FV:0001:AV04",
        "Microsoft Teams Phone Standard",
        "e43b5b99-8dfb-405f-9987-dc307f34bcbd",
    ),
];
pub const KAIZALA_SKU: &str = "0aa0aa0a-0000-4000-8000-00000000kaiz";
pub const E3_SKU: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
pub const E4_SKU: &str = "1392051d-0cb9-4b7a-88d5-621fee5e8711";
pub const PHONE_SKU: &str = "e43b5b99-8dfb-405f-9987-dc307f34bcbd";

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub upn: String,
    pub skus: BTreeSet<String>,
    /// Where the user uses the service (ISO country); without one no licence can be assigned.
    pub usage_location: Option<String>,
    /// SKUs the user holds through a group (id of the group): they cannot be removed from the
    /// user directly.
    pub group_skus: BTreeMap<String, String>,
}

/// What Partner Center offers a subscription: a catalog item it may transition to, with its
/// transition type, whether it is eligible, and whether it fails while licences move.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: String,
    pub transition_type: String,
    pub eligible: bool,
    pub fails: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Tenant {
    /// Transitions each subscription (by id) may take.
    pub transitions: BTreeMap<String, Vec<Transition>>,
    /// Upgrades each legacy subscription (by id) may take: (target offer id, its name).
    pub upgrades: BTreeMap<String, Vec<(String, String)>>,
    /// Transitions started: (id, from, to subscription, fails, times read).
    pub started: Vec<(String, String, String, bool, u32)>,
    /// The customer has accepted the Microsoft Customer Agreement.
    pub mca_declined: bool,
    pub country: String,
    pub subscriptions: Vec<Value>,
    pub users: Vec<User>,
    /// SKUs not backed by a subscription here (e.g. Office 365 E3 bought elsewhere): id, name, units.
    pub extra_skus: Vec<(String, String, u64)>,
}

impl Tenant {
    pub fn new(country: &str) -> Tenant {
        Tenant { country: country.into(), ..Default::default() }
    }

    pub fn subscription(mut self, id: &str, offer: &str, quantity: u64, status: &str) -> Tenant {
        self.subscriptions.push(json!({
            "id": id, "offerId": format!("offer-{offer}"), "offerName": offer, "friendlyName": offer,
            "quantity": quantity, "unitType": "Licenses", "status": status, "autoRenewEnabled": false,
            "billingCycle": "monthly", "termDuration": "P1Y", "commitmentEndDate": "2026-12-20T00:00:00Z",
            "attributes": {"etag": "e1", "objectType": "Subscription"}
        }));
        self
    }

    pub fn user(mut self, upn: &str, skus: &[&str]) -> Tenant {
        let id = format!("u-{}", self.users.len() + 1);
        let usage_location = Some(if self.country.is_empty() { "US" } else { &self.country });
        self.users.push(User {
            id,
            upn: upn.into(),
            skus: skus.iter().map(|s| s.to_string()).collect(),
            usage_location: usage_location.map(str::to_string),
            group_skus: BTreeMap::new(),
        });
        self
    }

    /// Makes subscription `id` a new commerce one: a three-part offer id, product type
    /// OnlineServicesNCE, a one-year term, the cancellation window until `cancel_until` (an
    /// ISO time) and auto renew as given.
    pub fn new_commerce(mut self, id: &str, cancel_until: &str, auto_renew: bool) -> Tenant {
        for s in self.subscriptions.iter_mut().filter(|s| s["id"] == id) {
            s["offerId"] = json!("CFQ7TTC0KZL0:0001:CFQ7TTC0KZL1");
            s["productType"] =
                json!({"id": "OnlineServicesNCE", "displayName": "OnlineServicesNCE"});
            s["termDuration"] = json!("P1Y");
            s["cancellationAllowedUntilDate"] = json!(cancel_until);
            s["autoRenewEnabled"] = json!(auto_renew);
        }
        self
    }

    /// The user (by UPN) has no usage location.
    pub fn without_usage_location(mut self, upn: &str) -> Tenant {
        self.users.iter_mut().filter(|u| u.upn == upn).for_each(|u| u.usage_location = None);
        self
    }

    /// The user (by UPN) holds `sku` through group `group`.
    pub fn through_group(mut self, upn: &str, sku: &str, group: &str) -> Tenant {
        for u in self.users.iter_mut().filter(|u| u.upn == upn) {
            u.skus.insert(sku.to_string());
            u.group_skus.insert(sku.to_string(), group.to_string());
        }
        self
    }

    pub fn extra_sku(mut self, id: &str, name: &str, units: u64) -> Tenant {
        self.extra_skus.push((id.into(), name.into(), units));
        self
    }

    /// (sku id, name, total units) of every SKU the tenant has.
    fn skus(&self) -> Vec<(String, String, u64)> {
        let mut out: BTreeMap<String, (String, u64)> = BTreeMap::new();
        for s in &self.subscriptions {
            if s["status"] != "active" {
                continue;
            }
            let name = s["offerName"].as_str().unwrap_or_default();
            let id = sku_of(name);
            let e = out.entry(id).or_insert((name.to_string(), 0));
            e.1 += s["quantity"].as_u64().unwrap_or(0);
        }
        for (id, name, units) in &self.extra_skus {
            out.entry(id.clone()).or_insert((name.clone(), 0)).1 += units;
        }
        out.into_iter().map(|(id, (name, n))| (id, name, n)).collect()
    }

    fn consumed(&self, sku: &str) -> u64 {
        self.users.iter().filter(|u| u.skus.contains(sku)).count() as u64
    }
}

/// The SKU GUID of an offer name.
pub fn sku_of(offer: &str) -> String {
    if offer.to_lowercase().contains("kaizala") {
        return KAIZALA_SKU.to_string();
    }
    if offer.ends_with(" E4") {
        return E4_SKU.to_string();
    }
    CATALOG
        .iter()
        .find(|c| c.3 == offer)
        .map(|c| c.4.to_string())
        .unwrap_or_else(|| format!("sku-{offer}"))
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub method: String,
    pub path_contains: String,
    pub status: u16,
    pub times: u32,
    pub retry_after: Option<u32>,
    pub body: Value,
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub request_id: String,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct State {
    pub tenants: BTreeMap<String, Tenant>,
    pub faults: Vec<Fault>,
    pub seen: Vec<Seen>,
    pub next: u64,
    /// Set when a subscription was suspended while users still held its licence.
    pub suspended_in_use: bool,
    /// Set when a new commerce subscription was suspended (which does not stop its billing).
    pub suspended_new_commerce: bool,
    pub carts: BTreeMap<String, (String, Value)>,
    /// The answer to each changing request, by its MS-RequestId: Partner Center answers a
    /// request sent again with the same id as it did the first time, without doing it twice.
    pub replies: BTreeMap<String, (u16, Value)>,
}

pub struct Fake {
    pub base: String,
    pub state: Arc<Mutex<State>>,
}

impl Fake {
    pub fn start(tenants: BTreeMap<String, Tenant>) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State { tenants, ..Default::default() }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let st = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &st);
                });
            }
        });
        Fake { base, state }
    }

    pub fn fail(
        &self,
        method: &str,
        path_contains: &str,
        status: u16,
        times: u32,
        retry_after: Option<u32>,
        body: Value,
    ) {
        self.state.lock().unwrap().faults.push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            status,
            times,
            retry_after,
            body,
        });
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    pub fn mutating(&self) -> usize {
        self.seen().iter().filter(|s| s.method != "GET").count()
    }

    pub fn tenant(&self, id: &str) -> Tenant {
        self.state.lock().unwrap().tenants[id].clone()
    }
}

fn serve(stream: TcpStream, state: &Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let request_id = headers.get("ms-requestid").cloned().unwrap_or_default();
    let changes = method != "GET" && !request_id.is_empty();
    let (status, answer, retry_after) = 'answer: {
        let mut st = state.lock().unwrap();
        st.seen.push(Seen {
            method: method.clone(),
            path: target.clone(),
            request_id: request_id.clone(),
            body: body.clone(),
        });
        let fault = st
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && f.method == method && target.contains(&f.path_contains))
            .map(|f| {
                f.times -= 1;
                (f.status, f.body.clone(), f.retry_after)
            });
        if let Some((HANG, _, delay)) = fault {
            // Hangs without holding the state, then answers (to a client long gone).
            drop(st);
            std::thread::sleep(std::time::Duration::from_secs(u64::from(delay.unwrap_or(5))));
            let mut st = state.lock().unwrap();
            let reply = route(&mut st, &method, &target, &body);
            break 'answer (reply.0, reply.1, None);
        }
        break 'answer if headers.get("authorization").map(String::as_str)
            != Some(&format!("Bearer {TOKEN}"))
        {
            (401, json!({"code": 401, "description": "bad token"}), None)
        } else if let Some((DROP, ..)) = fault {
            // Done (once per request id), but the answer is lost: the connection closes
            // without one.
            if !(changes && st.replies.contains_key(&request_id)) {
                let reply = route(&mut st, &method, &target, &body);
                if changes {
                    st.replies.insert(request_id, reply);
                }
            }
            return Ok(());
        } else if let Some(reply) = st.replies.get(&request_id).filter(|_| changes) {
            (reply.0, reply.1.clone(), None)
        } else if let Some(fault) = fault {
            fault
        } else {
            let reply = route(&mut st, &method, &target, &body);
            if changes {
                st.replies.insert(request_id, reply.clone());
            }
            (reply.0, reply.1, None)
        };
    };
    let text = answer.to_string();
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        text.len()
    );
    if let Some(r) = retry_after {
        head.push_str(&format!("Retry-After: {r}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The catalogue's availabilities of a product's SKU.
fn availabilities(product: &str, sku: &str) -> (u16, Value) {
    let items: Vec<Value> = CATALOG
        .iter()
        .filter(|c| c.0 == product && c.1 == sku)
        .map(|c| json!({"catalogItemId": c.2}))
        .collect();
    (200, json!({"totalCount": items.len(), "items": items}))
}

fn bad(msg: &str) -> (u16, Value) {
    (400, json!({"code": 400, "description": msg}))
}

fn route(st: &mut State, method: &str, target: &str, body: &str) -> (u16, Value) {
    let path = target.split('?').next().unwrap_or_default();
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let body: Value = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or(Value::Null)
    };
    st.next += 1;
    let next = st.next;
    match (method, seg.as_slice()) {
        ("GET", ["v1", "products", product, "skus", sku, "availabilities"]) => {
            if !query.contains("country=") {
                return bad("country is required");
            }
            availabilities(product, sku)
        }
        ("GET", ["v1", "customers", c]) => match st.tenants.get(*c) {
            // A billing profile without an address says no country.
            Some(t) if t.country.is_empty() => {
                (200, json!({"id": c, "billingProfile": {"id": "bp", "defaultAddress": null}}))
            }
            Some(t) => (
                200,
                json!({"id": c, "billingProfile": {"defaultAddress": {"country": t.country}}}),
            ),
            None => (404, json!({"code": 404, "description": "no such customer"})),
        },
        (_, ["v1", "customers", c, rest @ ..]) => {
            let customer = c.to_string();
            let Some(t) = st.tenants.get_mut(&customer) else { return (404, json!({"code": 404})) };
            match (method, rest) {
                // The customer's own catalog: the same items, for the customer's market.
                ("GET", ["products", product, "skus", sku, "availabilities"]) => {
                    availabilities(product, sku)
                }
                ("GET", ["subscriptions", sub, "transitionEligibilities"]) => {
                    if !query.contains("eligibilityType=") {
                        return bad("eligibilityType is required");
                    }
                    let items: Vec<Value> = t
                        .transitions
                        .get(*sub)
                        .into_iter()
                        .flatten()
                        .map(|x| {
                            let errors: Vec<Value> = if x.eligible {
                                Vec::new()
                            } else {
                                vec![json!({"code": "ineligible", "description": "the customer has add-ons on the subscription"})]
                            };
                            json!({"catalogItemId": x.to, "title": x.to, "eligibilities": [
                                {"isEligible": x.eligible, "transitionType": x.transition_type, "errors": errors}]})
                        })
                        .collect();
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("GET", ["subscriptions", sub, "upgrades"]) => {
                    let items: Vec<Value> = t
                        .upgrades
                        .get(*sub)
                        .into_iter()
                        .flatten()
                        .map(|(id, name)| json!({"targetOffer": {"id": id, "name": name},
                            "upgradeType": "upgrade_with_license_transfer", "isEligible": true, "quantity": 0, "upgradeErrors": []}))
                        .collect();
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("POST", ["subscriptions", sub, "upgrades"]) => {
                    let to = body["targetOffer"]["id"].as_str().unwrap_or_default().to_string();
                    let quantity = body["quantity"].as_u64().unwrap_or(0);
                    let Some((_, name)) =
                        t.upgrades.get(*sub).into_iter().flatten().find(|u| u.0 == to).cloned()
                    else {
                        return bad("no such upgrade for the subscription");
                    };
                    let Some(source) =
                        t.subscriptions.iter().find(|s| s["id"].as_str() == Some(sub)).cloned()
                    else {
                        return (404, json!({"code": 404}));
                    };
                    let new_id = format!("upgraded-{next}");
                    *t = std::mem::take(t).subscription(&new_id, &name, quantity, "active");
                    let from = sku_of(source["offerName"].as_str().unwrap_or_default());
                    let target = sku_of(&name);
                    for u in t.users.iter_mut().filter(|u| u.skus.contains(&from)) {
                        u.skus.remove(&from);
                        u.skus.insert(target.clone());
                    }
                    let s =
                        t.subscriptions.iter_mut().find(|s| s["id"].as_str() == Some(sub)).unwrap();
                    s["status"] = json!("suspended");
                    (
                        200,
                        json!({"sourceSubscriptionId": sub, "targetSubscriptionId": new_id, "upgradeType": "upgrade_with_license_transfer", "upgradeErrors": [], "licenseErrors": []}),
                    )
                }
                ("POST", ["subscriptions", sub, "transitions"]) => {
                    let to = body["toCatalogItemId"].as_str().unwrap_or_default().to_string();
                    let kind = body["transitionType"].as_str().unwrap_or_default().to_string();
                    let quantity = body["quantity"].as_u64().unwrap_or(0);
                    let offered = t
                        .transitions
                        .get(*sub)
                        .into_iter()
                        .flatten()
                        .find(|x| x.to == to && x.transition_type == kind && x.eligible);
                    let Some(offered) = offered.cloned() else {
                        return bad("this transition is not eligible for the subscription");
                    };
                    let Some(product) = CATALOG.iter().find(|c| c.2 == to) else {
                        return bad("unknown catalog item");
                    };
                    let Some(source) =
                        t.subscriptions.iter().find(|s| s["id"].as_str() == Some(sub)).cloned()
                    else {
                        return (404, json!({"code": 404}));
                    };
                    let new_id = format!("transitioned-{next}");
                    *t = std::mem::take(t).subscription(&new_id, product.3, quantity, "active");
                    let id = format!("transition-{next}");
                    t.started.push((id.clone(), sub.to_string(), new_id.clone(), offered.fails, 0));
                    if !offered.fails && kind == "transition_with_license_transfer" {
                        let from = sku_of(source["offerName"].as_str().unwrap_or_default());
                        for u in t.users.iter_mut().filter(|u| u.skus.contains(&from)) {
                            u.skus.remove(&from);
                            u.skus.insert(product.4.to_string());
                        }
                        let s = t
                            .subscriptions
                            .iter_mut()
                            .find(|s| s["id"].as_str() == Some(sub))
                            .unwrap();
                        s["status"] = json!("deleted");
                    }
                    (
                        201,
                        json!({"id": id, "fromSubscriptionId": sub, "toSubscriptionId": new_id, "status": "pending"}),
                    )
                }
                ("GET", ["subscriptions", sub, "transitions"]) => {
                    let mut items = Vec::new();
                    for (id, from, to, fails, reads) in t.started.iter_mut().filter(|x| x.1 == *sub)
                    {
                        // In progress when first read, then done (or failed).
                        *reads += 1;
                        let last = match (*reads, *fails) {
                            (1, _) => "InProgress",
                            (_, true) => "Failed",
                            _ => "Completed",
                        };
                        let conversion = if *reads == 1 { "InProgress" } else { "Completed" };
                        items.push(
                            json!({"id": id, "fromSubscriptionId": from, "toSubscriptionId": to,
                            "events": [{"name": "Conversion", "status": conversion},
                                       {"name": "LicenseReassignment", "status": last}]}),
                        );
                    }
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("GET", ["subscriptions"]) => {
                    (200, json!({"totalCount": t.subscriptions.len(), "items": t.subscriptions}))
                }
                ("GET", ["subscriptions", id]) => {
                    match t.subscriptions.iter().find(|s| s["id"].as_str() == Some(id)) {
                        Some(s) => (200, s.clone()),
                        None => (404, json!({"code": 404})),
                    }
                }
                ("PATCH", ["subscriptions", id]) => {
                    for key in [
                        "id",
                        "offerId",
                        "offerName",
                        "quantity",
                        "status",
                        "autoRenewEnabled",
                        "billingCycle",
                        "commitmentEndDate",
                    ] {
                        if body.get(key).is_none() {
                            return bad(&format!(
                                "the full subscription is required; {key} is missing"
                            ));
                        }
                    }
                    let t_ref = &*t;
                    let in_use = |s: &Value| {
                        t_ref.consumed(&sku_of(s["offerName"].as_str().unwrap_or_default())) > 0
                    };
                    let Some(s) = t.subscriptions.iter().find(|s| s["id"].as_str() == Some(id))
                    else {
                        return (404, json!({"code": 404}));
                    };
                    let new_commerce = s["productType"]["id"] == "OnlineServicesNCE";
                    let ending = matches!(body["status"].as_str(), Some("suspended" | "deleted"));
                    if ending && s["status"] != body["status"] && in_use(s) {
                        st.suspended_in_use = true;
                    }
                    if new_commerce && body["status"] == "suspended" && s["status"] != "suspended" {
                        st.suspended_new_commerce = true;
                    }
                    if body["status"] == "deleted" && s["status"] != "deleted" {
                        // Cancelling is allowed only within the cancellation window.
                        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
                        let until = s["cancellationAllowedUntilDate"].as_str().unwrap_or_default();
                        if !new_commerce || until <= now.as_str() {
                            return bad("the subscription cannot be cancelled: its cancellation window has closed");
                        }
                    }
                    let s = st
                        .tenants
                        .get_mut(&customer)
                        .unwrap()
                        .subscriptions
                        .iter_mut()
                        .find(|s| s["id"].as_str() == Some(id))
                        .unwrap();
                    s["status"] = body["status"].clone();
                    s["quantity"] = body["quantity"].clone();
                    s["autoRenewEnabled"] = body["autoRenewEnabled"].clone();
                    (200, s.clone())
                }
                ("POST", ["carts"]) => {
                    let items = body["lineItems"].as_array().cloned().unwrap_or_default();
                    if items.is_empty() {
                        return bad("a cart needs at least one line item");
                    }
                    for item in &items {
                        if item["catalogItemId"].as_str().is_none()
                            || item["quantity"].as_u64().is_none()
                            || item["termDuration"].as_str().is_none()
                            || item["billingCycle"].as_str().is_none()
                        {
                            return bad("a cart line needs catalogItemId, quantity, termDuration and billingCycle");
                        }
                    }
                    let id = format!("cart-{next}");
                    st.carts.insert(id.clone(), (customer, body.clone()));
                    (201, json!({"id": id, "status": "Active", "lineItems": body["lineItems"]}))
                }
                ("POST", ["carts", cart, "checkout"]) => {
                    let Some((owner, cart_body)) = st.carts.remove(*cart) else {
                        return (404, json!({"code": 404}));
                    };
                    if owner != customer {
                        return (404, json!({"code": 404}));
                    }
                    // Every line is checked before any is bought; each becomes a subscription.
                    let items = cart_body["lineItems"].as_array().cloned().unwrap_or_default();
                    let mut bought = Vec::new();
                    for item in &items {
                        let cat = item["catalogItemId"].as_str().unwrap_or_default();
                        let Some(product) = CATALOG.iter().find(|c| c.2 == cat) else {
                            return bad("unknown catalog item");
                        };
                        bought.push((product.3, item["quantity"].as_u64().unwrap_or(0)));
                    }
                    let t = st.tenants.get_mut(&customer).unwrap();
                    let mut lines = Vec::new();
                    for (k, (name, quantity)) in bought.into_iter().enumerate() {
                        let sub_id = format!("new-{next}-{k}");
                        *t = std::mem::take(t).subscription(&sub_id, name, quantity, "active");
                        lines.push(json!({"lineItemNumber": k, "subscriptionId": sub_id}));
                    }
                    (
                        201,
                        json!({"orders": [{"id": format!("order-{next}"), "lineItems": lines}], "orderErrors": []}),
                    )
                }
                ("POST", ["orders"]) => {
                    let item = &body["lineItems"][0];
                    let offer = item["offerId"].as_str().unwrap_or_default().to_string();
                    let quantity = item["quantity"].as_u64().unwrap_or(0);
                    let name = CATALOG
                        .iter()
                        .find(|c| offer.contains(c.0))
                        .map(|c| c.3)
                        .unwrap_or("Microsoft 365 Business Basic");
                    let sub_id = format!("new-{next}");
                    *t = std::mem::take(t).subscription(&sub_id, name, quantity, "active");
                    (201, json!({"id": format!("order-{next}"), "status": "completed"}))
                }
                ("GET", ["subscribedskus"]) => {
                    let items: Vec<Value> = t
                        .skus()
                        .into_iter()
                        .map(|(id, name, total)| {
                            let used = t.consumed(&id);
                            json!({"productSku": {"id": id, "name": name, "skuPartNumber": name.to_uppercase().replace(' ', "_")},
                                   "totalUnits": total, "consumedUnits": used, "availableUnits": total.saturating_sub(used)})
                        })
                        .collect();
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("GET", ["users"]) => {
                    let items: Vec<Value> = t
                        .users
                        .iter()
                        .map(|u| json!({"id": u.id, "userPrincipalName": u.upn, "state": "active", "usageLocation": u.usage_location}))
                        .collect();
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("PATCH", ["users", uid]) => match t.users.iter_mut().find(|u| u.id == *uid) {
                    Some(u) => {
                        if let Some(l) = body["usageLocation"].as_str() {
                            u.usage_location = Some(l.to_string());
                        }
                        (
                            200,
                            json!({"id": u.id, "userPrincipalName": u.upn, "usageLocation": u.usage_location}),
                        )
                    }
                    None => (404, json!({"code": 404})),
                },
                ("GET", ["agreements"]) => {
                    if !query.contains("agreementType=MicrosoftCustomerAgreement") {
                        return bad("agreementType is required");
                    }
                    let items: Vec<Value> = if t.mca_declined {
                        Vec::new()
                    } else {
                        vec![
                            json!({"primaryContact": {"email": "admin@example.com"}, "dateAgreed": "2024-01-01T00:00:00Z", "type": "MicrosoftCustomerAgreement", "agreementLink": "https://aka.ms/customeragreement"}),
                        ]
                    };
                    (200, json!({"totalCount": items.len(), "items": items}))
                }
                ("GET", ["users", uid, "licenses"]) => {
                    match t.users.iter().find(|u| u.id == *uid) {
                        Some(u) => {
                            let skus = t.skus();
                            let items: Vec<Value> = u
                                .skus
                                .iter()
                                .map(|s| {
                                    let name = skus
                                        .iter()
                                        .find(|k| &k.0 == s)
                                        .map(|k| k.1.clone())
                                        .unwrap_or_default();
                                    json!({"productSku": {"id": s, "name": name}})
                                })
                                .collect();
                            (200, json!({"totalCount": items.len(), "items": items}))
                        }
                        None => (404, json!({"code": 404})),
                    }
                }
                ("POST", ["users", uid, "licenseupdates"]) => {
                    let uid = uid.to_string();
                    license_update(
                        t,
                        |u| u.id == uid,
                        &body["LicensesToAssign"],
                        &body["LicensesToRemove"],
                        "SkuId",
                        201,
                    )
                }
                _ => {
                    (404, json!({"code": 404, "description": format!("no route {method} {path}")}))
                }
            }
        }
        (_, ["graph", tenant, "v1.0", rest @ ..]) => {
            let Some(t) = st.tenants.get_mut(*tenant) else {
                return (404, json!({"error": {"code": "NotFound"}}));
            };
            match (method, rest) {
                ("GET", ["subscribedSkus"]) => {
                    let value: Vec<Value> = t
                        .skus()
                        .into_iter()
                        .map(|(id, name, total)| json!({"skuId": id, "skuPartNumber": name.to_uppercase().replace(' ', "_"), "consumedUnits": t.consumed(&id), "prepaidUnits": {"enabled": total}}))
                        .collect();
                    (200, json!({"value": value}))
                }
                ("GET", ["users", upn]) => {
                    let upn = percent_decode(upn);
                    match t.users.iter().find(|u| u.upn.eq_ignore_ascii_case(&upn)) {
                        Some(u) => {
                            let states: Vec<Value> = u
                                .skus
                                .iter()
                                .map(|s| json!({"skuId": s, "assignedByGroup": u.group_skus.get(s), "state": "Active", "disabledPlans": []}))
                                .collect();
                            (
                                200,
                                json!({"id": u.id, "userPrincipalName": u.upn, "usageLocation": u.usage_location,
                                       "assignedLicenses": u.skus.iter().map(|s| json!({"skuId": s, "disabledPlans": []})).collect::<Vec<_>>(),
                                       "licenseAssignmentStates": states}),
                            )
                        }
                        None => (404, json!({"error": {"code": "Request_ResourceNotFound"}})),
                    }
                }
                ("PATCH", ["users", upn]) => {
                    let upn = percent_decode(upn);
                    match t.users.iter_mut().find(|u| u.upn.eq_ignore_ascii_case(&upn)) {
                        Some(u) => {
                            if let Some(l) = body["usageLocation"].as_str() {
                                u.usage_location = Some(l.to_string());
                            }
                            (204, Value::Null)
                        }
                        None => (404, json!({"error": {"code": "Request_ResourceNotFound"}})),
                    }
                }
                ("POST", ["users", upn, "assignLicense"]) => {
                    let upn = percent_decode(upn);
                    license_update(
                        t,
                        |u| u.upn.eq_ignore_ascii_case(&upn),
                        &body["addLicenses"],
                        &body["removeLicenses"],
                        "skuId",
                        200,
                    )
                }
                _ => (404, json!({"error": {"code": "NotFound"}})),
            }
        }
        _ => (404, json!({"code": 404, "description": format!("no route {method} {path}")})),
    }
}

fn license_update(
    t: &mut Tenant,
    pick: impl Fn(&User) -> bool,
    assign: &Value,
    remove: &Value,
    key: &str,
    ok: u16,
) -> (u16, Value) {
    let (Some(assign), Some(remove)) = (assign.as_array(), remove.as_array()) else {
        return bad("both the assign and the remove lists are required");
    };
    if assign.is_empty() && remove.is_empty() {
        return bad("No license changes provided");
    }
    let skus = t.skus();
    for a in assign {
        let id = a[key].as_str().unwrap_or_default().to_lowercase();
        let Some((_, _, total)) = skus.iter().find(|s| s.0 == id) else {
            return bad(&format!("the tenant has no SKU {id}"));
        };
        if t.consumed(&id) >= *total {
            return (400, json!({"code": 60012, "description": "no licences available"}));
        }
    }
    let Some(u) = t.users.iter_mut().find(|u| pick(u)) else { return (404, json!({"code": 404})) };
    if !assign.is_empty() && u.usage_location.is_none() {
        return bad("License assignment cannot be done for user with invalid usage location.");
    }
    for r in remove {
        let id = r.as_str().unwrap_or_default().to_lowercase();
        if let Some(group) = u.group_skus.get(&id) {
            return bad(&format!("User license is inherited from a group membership ({group}) and it cannot be removed directly from the user."));
        }
    }
    for r in remove {
        u.skus.remove(&r.as_str().unwrap_or_default().to_lowercase());
    }
    for a in assign {
        u.skus.insert(a[key].as_str().unwrap_or_default().to_lowercase());
    }
    (ok, json!({"licensesToAssign": assign, "licenseWarnings": []}))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
