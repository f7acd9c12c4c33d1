//! The generated scripts, run with curl against a fake Partner Center and Graph on 127.0.0.1.
//!
//! Needs bash, curl and jq (the bash scripts' own requirements) and shellcheck; `.ci/run`
//! installs what is missing.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::fake_pc::{Fake, Tenant, E3_SKU, KAIZALA_SKU, TOKEN};
use crate::util::*;

const ALPINE: &str = "a1a1a1a1-0000-4000-8000-000000000001";
const BOSTON: &str = "b2b2b2b2-0000-4000-8000-000000000002";
const CASCADE: &str = "c3c3c3c3-0000-4000-8000-000000000003";
const DELTA: &str = "d4d4d4d4-0000-4000-8000-000000000004";
const ECHO: &str = "e5e5e5e5-0000-4000-8000-000000000005";
const BB_SKU: &str = "3b555118-da6a-4418-894f-7df1e2096870";
const E1_SKU: &str = "18181a46-0d4e-45cd-891e-60aabd171b4e";

/// The pricing fixtures' customers as live tenants.
fn tenants() -> BTreeMap<String, Tenant> {
    let mut t = BTreeMap::new();
    let mut alpine = Tenant::new("AT")
        .subscription("a1000000-0000-4000-8000-00000000000a", "Kaizala Pro", 10, "active")
        .extra_sku(E3_SKU, "Office 365 E3", 2);
    for u in ["ana", "ben", "cleo", "dan"] {
        alpine = alpine.user(&format!("{u}@alpine.example"), &[KAIZALA_SKU]);
    }
    for u in ["eva", "finn"] {
        alpine = alpine.user(&format!("{u}@alpine.example"), &[KAIZALA_SKU, E3_SKU]);
    }
    t.insert(ALPINE.into(), alpine);
    t.insert(
        BOSTON.into(),
        Tenant::new("US")
            .subscription("b2000000-0000-4000-8000-00000000000a", "Kaizala Pro", 3, "active")
            .user("x@boston.example", &[KAIZALA_SKU])
            .user("y@boston.example", &[KAIZALA_SKU])
            .user("z@boston.example", &[]),
    );
    t.insert(
        CASCADE.into(),
        Tenant::new("US")
            .subscription("c3000000-0000-4000-8000-00000000000a", "Kaizala Pro", 400, "active")
            .user("p@cascade.example", &[KAIZALA_SKU]),
    );
    let mut delta = Tenant::new("DE")
        .subscription("d4000000-0000-4000-8000-00000000000a", "Kaizala Pro", 5, "active")
        .subscription(
            "d4000000-0000-4000-8000-00000000000b",
            "Microsoft 365 Business Basic",
            4,
            "active",
        );
    for i in 1..=5 {
        delta = delta.user(&format!("d{i}@delta.example"), &[KAIZALA_SKU]);
    }
    for i in 6..=8 {
        delta = delta.user(&format!("d{i}@delta.example"), &[BB_SKU]);
    }
    t.insert(DELTA.into(), delta);
    t.insert(
        ECHO.into(),
        Tenant::new("CH")
            .subscription("e5000000-0000-4000-8000-00000000000a", "Kaizala Pro", 2, "active")
            .user("q@echo.example", &[KAIZALA_SKU]),
    );
    t
}

/// Plans the pricing fixtures and writes the scripts into `s/`.
fn generate(w: &Workdir, extra: &[&str]) {
    let o = w.run(&PRICING);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = w.run(&[&["scripts", "--plan", "out/plan.json", "--out", "s"][..], extra].concat());
    assert!(o.status.success(), "{}", stderr(&o));
}

fn bash(w: &Workdir, fake: &Fake, script: &str, args: &[&str]) -> Output {
    bash_with(w, fake, script, args, &[])
}

pub(crate) fn bash_with(
    w: &Workdir,
    fake: &Fake,
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    Command::new("bash")
        .arg(w.file(script))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .env("PARTNER_CENTER_BASE_URL", &fake.base)
        .env("RESULTS_FILE", w.file("results.csv"))
        .env("KM_MAX_ATTEMPTS", "4")
        .envs(env.iter().copied())
        .current_dir(w.path())
        .output()
        .unwrap()
}

pub(crate) fn results(w: &Workdir) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_path(w.file("results.csv")).unwrap();
    rdr.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn sub<'a>(t: &'a Tenant, id: &str) -> &'a Value {
    t.subscriptions.iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("no subscription {id}"))
}

fn kaizala_holders(t: &Tenant) -> usize {
    t.users.iter().filter(|u| u.skus.contains(KAIZALA_SKU)).count()
}

fn assert_migrated(fake: &Fake) {
    let st = fake.state.lock().unwrap();
    assert!(!st.suspended_in_use, "a Kaizala Pro subscription was suspended while users held it");
    drop(st);
    // Alpine: 4 Business Basic seats bought, 4 users moved, 2 only lose Kaizala Pro.
    let alpine = fake.tenant(ALPINE);
    let bought: Vec<&Value> = alpine
        .subscriptions
        .iter()
        .filter(|s| s["offerName"] == "Microsoft 365 Business Basic")
        .collect();
    assert_eq!(bought.len(), 1, "exactly one purchase");
    assert_eq!(bought[0]["quantity"], 4);
    for u in &alpine.users {
        assert!(!u.skus.contains(KAIZALA_SKU), "{} still on Kaizala Pro", u.upn);
        let mover = ["ana", "ben", "cleo", "dan"].iter().any(|n| u.upn.starts_with(n));
        assert_eq!(u.skus.contains(BB_SKU), mover, "{}", u.upn);
    }
    assert_eq!(sub(&alpine, "a1000000-0000-4000-8000-00000000000a")["status"], "suspended");
    // Delta: top-up of its own Business Basic subscription from 4 to 8, no second subscription.
    let delta = fake.tenant(DELTA);
    assert_eq!(sub(&delta, "d4000000-0000-4000-8000-00000000000b")["quantity"], 8);
    assert_eq!(delta.subscriptions.len(), 2);
    assert_eq!(kaizala_holders(&delta), 0);
    assert_eq!(delta.users.iter().filter(|u| u.skus.contains(BB_SKU)).count(), 8);
    assert_eq!(sub(&delta, "d4000000-0000-4000-8000-00000000000a")["status"], "suspended");
    // Cascade: Office 365 E1 x 400; its users were found at run time.
    let cascade = fake.tenant(CASCADE);
    assert!(cascade
        .subscriptions
        .iter()
        .any(|s| s["offerName"] == "Office 365 E1" && s["quantity"] == 400));
    assert!(cascade.users[0].skus.contains(E1_SKU));
    assert_eq!(sub(&cascade, "c3000000-0000-4000-8000-00000000000a")["status"], "suspended");
    for id in [BOSTON, ECHO] {
        let t = fake.tenant(id);
        assert_eq!(kaizala_holders(&t), 0, "{id}");
        assert!(
            t.subscriptions
                .iter()
                .all(|s| s["offerName"] != "Kaizala Pro" || s["status"] == "suspended"),
            "{id}"
        );
    }
}

#[test]
fn run_all_migrates_every_customer_and_a_second_run_changes_nothing() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash", "--batch-size", "2"]);
    let fake = Fake::start(tenants());
    let o = bash(&w, &fake, "s/bash/run-all.sh", &["--apply"]);
    assert!(
        o.status.success(),
        "{}\n{}\n{}",
        stdout(&o),
        stderr(&o),
        w.read("s/bash/logs/alpine-ag-a1a1a1a1.log")
    );
    assert_migrated(&fake);
    // Cart lines carry the plan's catalog item, term and billing.
    let carts: Vec<Value> = fake
        .seen()
        .iter()
        .filter(|s| s.method == "POST" && s.path.ends_with("/carts"))
        .map(|s| serde_json::from_str(&s.body).unwrap())
        .collect();
    assert!(carts.iter().any(|c| c["lineItems"][0] == json!({"id": 0, "catalogItemId": "CFQ7TTC0LF8R:0001:AV02", "quantity": 400, "billingCycle": "annual", "termDuration": "P1Y", "friendlyName": "Office 365 E1 (Kaizala Pro replacement)"})), "{carts:?}");

    let before = fake.mutating();
    let o = bash(&w, &fake, "s/bash/run-all.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fake.mutating(), before, "the second run sent a changing request");
    assert_migrated(&fake);
    let rows = results(&w);
    let second: Vec<&Vec<String>> =
        rows.iter().rev().take_while(|r| r[4] == "skipped-already-done" || r[4] == "ok").collect();
    assert!(second.len() >= 20, "second run rows should all be skipped: {rows:?}");

    // status reads the results back.
    let o = w.run(&["status", "--plan", "out/plan.json", "--results", "results.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("5 of 5 customer(s) finished"), "{}", stdout(&o));
}

#[test]
fn throttling_is_retried_after_the_servers_retry_after() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    let path = format!("/v1/customers/{ALPINE}/subscriptions");
    fake.fail(
        "GET",
        &path,
        429,
        2,
        Some(1),
        json!({"code": 429, "description": "Too many requests"}),
    );
    let started = std::time::Instant::now();
    // Without transitions, the first request under that path is step A's list.
    let o = bash(&w, &fake, "s/bash/alpine-ag-a1a1a1a1.sh", &["--apply", "--no-transitions"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(started.elapsed() >= std::time::Duration::from_secs(2), "Retry-After: 1 twice");
    let tries: Vec<_> =
        fake.seen().into_iter().filter(|s| s.method == "GET" && s.path == path).collect();
    assert!(tries.len() >= 3, "{tries:?}");
    assert_ne!(tries[0].request_id, tries[1].request_id, "a new MS-RequestId after an answer");
    assert!(stderr(&o).contains("HTTP 429; retrying in 1s"), "{}", stderr(&o));
    assert_eq!(
        sub(&fake.tenant(ALPINE), "a1000000-0000-4000-8000-00000000000a")["status"],
        "suspended"
    );
}

#[test]
fn a_failed_user_leaves_c_undone_and_a_rerun_completes_it() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    // ben is u-2 in Alpine's tenant.
    fake.fail(
        "POST",
        &format!("/v1/customers/{ALPINE}/users/u-2/licenseupdates"),
        400,
        1,
        None,
        json!({"code": 60012, "description": "no licences"}),
    );
    let o = bash(&w, &fake, "s/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("no licences of this plan are left to assign"), "{err}");
    assert!(err.contains("refused: step B did not finish"), "{err}");
    let alpine = fake.tenant(ALPINE);
    assert_eq!(
        sub(&alpine, "a1000000-0000-4000-8000-00000000000a")["status"],
        "active",
        "C must not run"
    );
    assert_eq!(kaizala_holders(&alpine), 1, "only ben still holds Kaizala Pro");
    let o = w.run(&["status", "--plan", "out/plan.json", "--results", "results.csv"]);
    assert!(stdout(&o).contains("still on Kaizala Pro: ben@alpine.example"), "{}", stdout(&o));

    let o = bash(&w, &fake, "s/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let alpine = fake.tenant(ALPINE);
    assert_eq!(kaizala_holders(&alpine), 0);
    assert_eq!(sub(&alpine, "a1000000-0000-4000-8000-00000000000a")["status"], "suspended");
    let bought = alpine
        .subscriptions
        .iter()
        .filter(|s| s["offerName"] == "Microsoft 365 Business Basic")
        .count();
    assert_eq!(bought, 1, "the re-run did not buy again");
}

#[test]
fn a_dry_run_sends_no_changing_request_and_prints_what_it_would() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    let o = bash(&w, &fake, "s/bash/run-all.sh", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fake.mutating(), 0, "{:?}", fake.seen());
    let log = w.read("s/bash/logs/alpine-ag-a1a1a1a1.log");
    // Shown with --nocapture: what an operator sees.
    println!("{log}");
    assert!(
        log.contains(&format!(
            "DRY RUN, would send: POST {}/v1/customers/{ALPINE}/carts",
            fake.base
        )),
        "{log}"
    );
    assert!(log.contains("\"catalogItemId\": \"CFQ7TTC0LH18:0001:AV01\""), "{log}");
    assert!(log.contains(&format!("DRY RUN, would send: PATCH {}/v1/customers/{ALPINE}/subscriptions/a1000000-0000-4000-8000-00000000000a", fake.base)), "{log}");
    assert!(log.contains("\"status\": \"suspended\""), "{log}");
    assert!(results(&w).iter().all(|r| r[4] != "done"));
    assert!(!log.contains(TOKEN), "the token must never be printed");
    assert!(!std::fs::read_to_string(w.file("results.csv")).unwrap().contains(TOKEN));
}

#[test]
fn a_missing_token_stops_before_any_request() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    let without_token = |script: &str| {
        Command::new("bash")
            .arg(w.file(script))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PARTNER_CENTER_BASE_URL", &fake.base)
            .output()
            .unwrap()
    };
    let o = without_token("s/bash/alpine-ag-a1a1a1a1.sh");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("PARTNER_CENTER_TOKEN is not set"), "{}", stderr(&o));
    assert!(fake.seen().is_empty());
    // run-all refuses once, before any customer starts.
    let o = without_token("s/bash/run-all.sh");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("PARTNER_CENTER_TOKEN is not set").count(), 1, "{err}");
    assert!(!stdout(&o).contains("FAILED") && !stdout(&o).contains("=="), "{}", stdout(&o));
    assert!(fake.seen().is_empty());
    assert!(!w.file("s/bash/logs").exists(), "no customer was started");
}

#[test]
fn names_and_user_names_cannot_inject_into_the_scripts() {
    let w = Workdir::new();
    generate(&w, &["--format", "both"]);
    let evil_name =
        "O'Brien \"&\" Sons; rm -rf / `touch pwned-name` $(touch pwned-name2) \\ ${HOME}";
    let evil_upn = "$(touch pwned-upn)'\"`touch pwned-tick`@alpine.example";
    let mut plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let alpine = plan["customers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["customer_id"] == ALPINE)
        .unwrap();
    alpine["customer_name"] = json!(evil_name);
    alpine["users"][0]["upn"] = json!(evil_upn);
    w.write("evil.json", serde_json::to_string(&plan).unwrap());
    let o = w.run(&["scripts", "--plan", "evil.json", "--out", "e"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // shellcheck finds nothing in them either (every check, down to style): a name is data.
    let o = Command::new("shellcheck")
        .args(["-x", "--severity=style", "alpine-ag-a1a1a1a1.sh", "run-all.sh"])
        .current_dir(w.file("e/bash"))
        .output()
        .expect("shellcheck must be installed (.ci/run installs it)");
    assert!(o.status.success(), "shellcheck:\n{}{}", stdout(&o), stderr(&o));
    let mut t = tenants();
    let alpine_tenant = t.remove(ALPINE).unwrap();
    let mut users = alpine_tenant.users.clone();
    users[0].upn = evil_upn.to_string();
    t.insert(ALPINE.into(), Tenant { users, ..alpine_tenant });
    let fake = Fake::start(t);
    let o = bash(&w, &fake, "e/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["pwned-name", "pwned-name2", "pwned-upn", "pwned-tick", "e/bash/pwned-name"] {
        assert!(!w.file(f).exists(), "{f} was created: the script ran injected text");
    }
    assert!(stderr(&o).contains(evil_name), "the name is shown as written");
    assert!(
        fake.tenant(ALPINE).users[0].skus.contains(BB_SKU),
        "the user with the odd name was moved"
    );
}

#[test]
fn graph_licences_and_the_order_api() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash", "--license-api", "graph"]);
    let fake = Fake::start(tenants());
    let o = Command::new("bash")
        .arg(w.file("s/bash/alpine-ag-a1a1a1a1.sh"))
        .arg("--apply")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PARTNER_CENTER_TOKEN", TOKEN)
        .env("GRAPH_TOKEN", TOKEN)
        .env("PARTNER_CENTER_BASE_URL", &fake.base)
        .env("GRAPH_BASE_URL", format!("{}/graph/{ALPINE}", fake.base))
        .env("RESULTS_FILE", w.file("results.csv"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let assigns = fake.seen().iter().filter(|s| s.path.ends_with("/assignLicense")).count();
    assert_eq!(assigns, 6, "one Graph licence change per user");
    assert_eq!(kaizala_holders(&fake.tenant(ALPINE)), 0);

    // Without an offer id (no legacy list line for the target), the order API is refused.
    let o = w.run(&["scripts", "--plan", "out/plan.json", "--out", "o", "--purchase-api", "order"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("cannot write scripts")
            && err.contains("the offer id of Microsoft 365 Business Basic"),
        "{err}"
    );
    assert!(!w.file("o/bash").exists(), "nothing is written when a fact is missing");
}

#[test]
fn generated_bash_passes_shellcheck() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let dir = w.file("s/bash");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sh"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    let o = Command::new("shellcheck")
        .args(["-x", "--severity=style"])
        .args(&files)
        .current_dir(&dir)
        .output()
        .expect("shellcheck must be installed (.ci/run installs it)");
    assert!(o.status.success(), "shellcheck:\n{}{}", stdout(&o), stderr(&o));
    // The rollback scripts, which source ../bash/lib.sh.
    let o = Command::new("shellcheck")
        .args(["-x", "--severity=style"])
        .args(files.iter().filter(|f| f.as_str() != "lib.sh" && f.as_str() != "run-all.sh"))
        .current_dir(w.file("s/rollback"))
        .output()
        .unwrap();
    assert!(o.status.success(), "shellcheck rollback:\n{}{}", stdout(&o), stderr(&o));
}

#[test]
fn generated_powershell_parses_without_errors() {
    let w = Workdir::new();
    generate(&w, &["--format", "powershell"]);
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).unwrap();
    let mut n = 0;
    let entries = ["s/powershell", "s/rollback"]
        .iter()
        .flat_map(|d| std::fs::read_dir(w.file(d)).unwrap().collect::<Vec<_>>());
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ps1") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let tree = parser.parse(&text, None).unwrap();
        let root = tree.root_node();
        assert!(
            !root.has_error(),
            "{}: parse errors in {}",
            path.display(),
            first_error(root, &text)
        );
        n += 1;
    }
    assert!(n >= 12, "{n} PowerShell files");
    // The parser does find errors.
    let bad = parser.parse("function f( { $x = @(1, 2", None).unwrap();
    assert!(bad.root_node().has_error());
}

pub(crate) fn first_error(node: tree_sitter::Node, text: &str) -> String {
    if node.is_error() || node.is_missing() {
        let start = node.start_byte().saturating_sub(60);
        let end = (node.end_byte() + 60).min(text.len());
        return format!(
            "line {}: ...{}...",
            node.start_position().row + 1,
            text.get(start..end).unwrap_or_default()
        );
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error() {
            return first_error(child, text);
        }
    }
    String::new()
}

/// Issue 13: tracing (SHELLOPTS=xtrace exported, which run-all passes to every customer's
/// script, or bash -x) never prints the token.
#[test]
fn tracing_never_prints_the_token() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash", "--batch-size", "2"]);
    let fake = Fake::start(tenants());
    let o = bash_with(&w, &fake, "s/bash/run-all.sh", &["--apply"], &[("SHELLOPTS", "xtrace")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_migrated(&fake);
    let mut seen = format!("{}{}", stdout(&o), stderr(&o));
    for entry in std::fs::read_dir(w.file("s/bash/logs")).unwrap() {
        seen.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    // Tracing was on: its lines are there, the token is not.
    assert!(seen.contains("+ km_request GET"), "no trace in the logs");
    assert!(!seen.contains(TOKEN), "the token was printed under xtrace");
}

/// Issue 13: the results file is safe to open in a spreadsheet: a target starting with = + - @
/// gets an apostrophe, an earlier run's row is still found, and `status` reads the name back.
#[test]
fn results_cells_are_not_taken_for_formulas() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    w.write(
        "t.sh",
        "source s/bash/lib.sh\n\
         CUSTOMER_ID=c1\nKM_RESULTS=r.csv\nkm_results_header r.csv\n\
         km_result B '=HYPERLINK(\"http://x\")' done 200 rid\n\
         km_result B '-1+1' done 200 rid\n\
         km_result B '@SUM(A1)' failed 500 rid\n\
         km_done_before B '=HYPERLINK(\"http://x\")' && echo found-1\n\
         km_done_before B '-1+1' && echo found-2\n\
         km_done_before B '@SUM(A1)' || echo not-done-3\n",
    );
    let o = Command::new("bash").arg("t.sh").current_dir(w.path()).output().unwrap();
    assert_eq!(stdout(&o), "found-1\nfound-2\nnot-done-3\n", "{}", stderr(&o));
    let rows: Vec<Vec<String>> = csv::Reader::from_path(w.file("r.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let targets: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(targets, ["'=HYPERLINK(\"http://x\")", "'-1+1", "'@SUM(A1)"]);
}

/// A legacy order that got no answer may have been placed: it is sent again with the same
/// MS-RequestId only (Partner Center answers it as before without ordering twice), and a later
/// run finds the subscription instead of ordering again.
#[test]
fn an_order_without_an_answer_is_retried_with_its_request_id_and_never_placed_twice() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let mut plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    // The legacy offer ids a legacy price list would give every customer's purchase.
    for c in plan["customers"].as_array_mut().unwrap() {
        for line in c["cost"]["lines"].as_array_mut().unwrap() {
            if line["side"] == "target" {
                let product = if line["offer_name"] == "Office 365 E1" {
                    "CFQ7TTC0LF8R"
                } else {
                    "CFQ7TTC0LH18"
                };
                line["offer_id"] = json!(format!("{product}-legacy"));
            }
        }
    }
    w.write("order.json", serde_json::to_string(&plan).unwrap());
    let o = w.run(&[
        "scripts",
        "--plan",
        "order.json",
        "--out",
        "o",
        "--format",
        "bash",
        "--purchase-api",
        "order",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fake = Fake::start(tenants());
    fake.fail("POST", "/orders", crate::fake_pc::DROP, 1, None, json!(null));
    let o = bash(&w, &fake, "o/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("with the same MS-RequestId"), "{}", stderr(&o));
    let orders: Vec<String> = fake
        .seen()
        .iter()
        .filter(|s| s.method == "POST" && s.path.ends_with("/orders"))
        .map(|s| s.request_id.clone())
        .collect();
    assert_eq!(orders.len(), 2, "sent, then sent again after no answer");
    assert_eq!(orders[0], orders[1], "the same MS-RequestId");
    let bought = |fake: &Fake| {
        let t = fake.tenant(ALPINE);
        t.subscriptions.iter().filter(|s| s["offerName"] == "Microsoft 365 Business Basic").count()
    };
    assert_eq!(bought(&fake), 1, "one order placed");
    // Every answer lost: the purchase is recorded as failed; the next run finds the
    // subscription the order made and orders nothing.
    let fake = Fake::start(tenants());
    fake.fail("POST", "/orders", crate::fake_pc::DROP, 10, None, json!(null));
    let results2 = w.file("results2.csv").display().to_string();
    let env = [("KM_MAX_ATTEMPTS", "2"), ("RESULTS_FILE", results2.as_str())];
    let o = bash_with(&w, &fake, "o/bash/alpine-ag-a1a1a1a1.sh", &["--apply"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("stopped: step A failed"), "{}", stderr(&o));
    assert_eq!(bought(&fake), 1);
    let env = [("RESULTS_FILE", results2.as_str())];
    let o = bash_with(&w, &fake, "o/bash/alpine-ag-a1a1a1a1.sh", &["--apply"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(bought(&fake), 1, "never a second order");
    let orders = fake.seen().iter().filter(|s| s.path.ends_with("/orders")).count();
    assert_eq!(orders, 2, "the second run sent no order");
}

/// A customer whose billing profile says no country: the catalog item comes from the
/// customer's own catalog, and the purchase goes ahead.
#[test]
fn a_customer_without_a_country_is_sold_from_its_own_catalog() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let mut t = tenants();
    t.get_mut(BOSTON).unwrap().country = String::new();
    let fake = Fake::start(t);
    let o = bash(&w, &fake, "s/bash/boston-corp-b2b2b2b2.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("no country: availabilities from the customer's own catalog"));
    let seen = fake.seen();
    let own = format!("/v1/customers/{BOSTON}/products/CFQ7TTC0LH18/skus/0001/availabilities");
    assert!(seen.iter().any(|s| s.path == own), "asked {own}");
    assert!(!seen.iter().any(|s| s.path.starts_with("/v1/products/")), "no country-wide lookup");
    let boston = fake.tenant(BOSTON);
    assert!(boston.subscriptions.iter().any(|s| s["offerName"] == "Microsoft 365 Business Basic"));
    assert_eq!(kaizala_holders(&boston), 0);
}

/// Results rows the plan cannot explain (another plan's customers, a subscription or user it
/// does not touch) are named, once each with their count.
#[test]
fn status_warns_about_results_the_plan_does_not_explain() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let head = "time,customer_id,step,target,outcome,http_status,request_id\n";
    let rows = format!(
        "{head}2026-12-02T10:00:00Z,{ALPINE},C,a1000000-0000-4000-8000-00000000000a,done,200,r1\n\
         2026-12-02T10:00:01Z,99999999-0000-4000-8000-000000000009,A,Office 365 E1,done,201,r2\n\
         2026-12-02T10:00:02Z,99999999-0000-4000-8000-000000000009,B,x@y.example,done,200,r3\n\
         2026-12-02T10:00:03Z,{ALPINE},C,ffffffff-0000-4000-8000-00000000000f,done,200,r4\n\
         2026-12-02T10:00:04Z,{ALPINE},B,stranger@alpine.example,failed,404,r5\n\
         2026-12-02T10:00:05Z,{ALPINE},B,(tenant users),failed,500,r6\n"
    );
    w.write("results.csv", rows);
    let o = w.run(&["status", "--plan", "out/plan.json", "--results", "results.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    for want in [
        "warning: results have 2 row(s) the plan does not explain: customer 99999999-0000-4000-8000-000000000009 is not in the plan",
        "warning: results have 1 row(s) the plan does not explain: subscription ffffffff-0000-4000-8000-00000000000f is not one the plan retires for customer a1a1a1a1-0000-4000-8000-000000000001",
        "warning: results have 1 row(s) the plan does not explain: user stranger@alpine.example is not one the plan moves for customer a1a1a1a1-0000-4000-8000-000000000001",
    ] {
        assert!(report.contains(want), "{want:?} not in:\n{report}");
    }
    assert_eq!(report.matches("warning:").count(), 3, "{report}");
}

/// The pre-flight reads before any change and reports what would stop the migration: a user
/// without a usage location, a licence held through a group (step B then does not start), a
/// customer without the Microsoft Customer Agreement (step A does not start), too few free
/// licences, and a token that may not read the licences (nothing changes; the roles are named).
#[test]
fn the_pre_flight_finds_what_would_stop_the_migration_before_any_change() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let mut t = tenants();
    let alpine = t.remove(ALPINE).unwrap();
    let alpine = alpine.without_usage_location("ana@alpine.example").through_group(
        "ben@alpine.example",
        KAIZALA_SKU,
        "g-sales",
    );
    t.insert(ALPINE.into(), alpine);
    t.get_mut(BOSTON).unwrap().mca_declined = true;
    // Delta's 4 Business Basic seats are all taken: after the top-up (+4) 4 are free for 5 users.
    let delta = t.remove(DELTA).unwrap().user("d9@delta.example", &[BB_SKU]);
    t.insert(DELTA.into(), delta);
    let fake = Fake::start(t);
    let graph = format!("{}/graph/{ALPINE}", fake.base);
    let env = [("GRAPH_TOKEN", TOKEN), ("GRAPH_BASE_URL", graph.as_str())];
    let alpine_sh = "s/bash/alpine-ag-a1a1a1a1.sh";
    let dry = bash_with(&w, &fake, alpine_sh, &[], &env);
    let log = stderr(&dry);
    assert_eq!(dry.status.code(), Some(0), "a dry run that read everything succeeds:\n{log}");
    for want in [
        "P. pre-flight (reads only)",
        "! ana@alpine.example has no usage location, so no licence can be assigned: set it in the admin center, or run with --set-usage-location to set AT (the customer's country)",
        "! ben@alpine.example holds Kaizala Pro through group(s) g-sales: remove Kaizala Pro from the group's licences",
        "B. move the users to Microsoft 365 Business Basic\n   not started: licences assigned through groups",
    ] {
        assert!(log.contains(want), "{want:?} not in:\n{log}");
    }
    assert_eq!(fake.mutating(), 0, "the pre-flight and a dry run change nothing");
    let p_rows: Vec<(String, String)> = results(&w)
        .into_iter()
        .filter(|r| r[2] == "P")
        .map(|r| (r[3].clone(), r[4].clone()))
        .collect();
    let row = |t: &str, o: &str| (t.to_string(), o.to_string());
    assert_eq!(
        p_rows,
        [
            row("(access)", "ok"),
            row("usage-location:ana@alpine.example", "attention"),
            row("group:ben@alpine.example", "attention"),
        ]
    );
    // --set-usage-location shows the change in the dry run, from the customer's country.
    let o = bash_with(&w, &fake, alpine_sh, &["--set-usage-location"], &env);
    let log = stderr(&o);
    assert!(log.contains("ana@alpine.example has no usage location: set to AT"), "{log}");
    assert!(
        log.contains("DRY RUN, would send: PATCH ") && log.contains("\"usageLocation\": \"AT\"")
    );
    // Applying: the purchase goes ahead, step B does not start, nothing is suspended.
    let o = bash_with(&w, &fake, alpine_sh, &["--apply", "--set-usage-location"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let tenant = fake.tenant(ALPINE);
    assert_eq!(tenant.users[0].usage_location.as_deref(), Some("AT"), "ana's usage location set");
    assert_eq!(kaizala_holders(&tenant), 6, "nobody moved while a group holds a licence");
    assert_eq!(sub(&tenant, "a1000000-0000-4000-8000-00000000000a")["status"], "active");
    let o = w.run(&["status", "--plan", "out/plan.json", "--results", "results.csv"]);
    assert!(
        stdout(&o).contains("P (pre-flight): needs attention: group:ben@alpine.example\n"),
        "{}",
        stdout(&o)
    );

    // Boston has not accepted the Microsoft Customer Agreement: no cart is made.
    let o = bash(&w, &fake, "s/bash/boston-corp-b2b2b2b2.sh", &["--apply"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("has not accepted the Microsoft Customer Agreement"));
    assert!(!fake.seen().iter().any(|s| s.path.contains(BOSTON) && s.path.contains("/carts")));

    // Delta: too few free licences after the top-up.
    let o = bash(&w, &fake, "s/bash/delta-gmbh-d4d4d4d4.sh", &[]);
    assert!(
        stderr(&o).contains("! after step A the tenant would have 4 free Microsoft 365 Business Basic licence(s) for 5 user(s) who need one"),
        "{}",
        stderr(&o)
    );

    // A token that may not read the licences: stopped before any change, the role named.
    fake.fail("GET", "/subscribedskus", 403, 1, None, json!({"code": 403}));
    let before = fake.mutating();
    let o = bash(&w, &fake, "s/bash/echo-sarl-e5e5e5e5.sh", &["--apply"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("the token may not read the tenant's licences: step B needs the GDAP role License Administrator"), "{log}");
    assert!(log.contains("nothing was changed"), "{log}");
    assert_eq!(fake.mutating(), before);
}

/// Step C by channel: a legacy subscription is suspended; a new commerce one is never
/// suspended: cancelled within its cancellation window, else its auto renew is turned off and it
/// runs to its end date.
#[test]
fn new_commerce_subscriptions_are_cancelled_in_their_window_or_left_to_end_never_suspended() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let mut t = tenants();
    let echo_sub = "e5000000-0000-4000-8000-00000000000a";
    let boston_sub = "b2000000-0000-4000-8000-00000000000a";
    let echo = t.remove(ECHO).unwrap().new_commerce(echo_sub, "2099-01-01T00:00:00Z", false);
    t.insert(ECHO.into(), echo);
    let boston = t.remove(BOSTON).unwrap().new_commerce(boston_sub, "2025-01-08T00:00:00Z", true);
    t.insert(BOSTON.into(), boston);
    let fake = Fake::start(t);
    let dry = bash(&w, &fake, "s/bash/echo-sarl-e5e5e5e5.sh", &[]);
    assert!(
        stderr(&dry).contains(
            "(new commerce): within its cancellation window (until 2099-01-01T00:00:00Z): cancel"
        ),
        "{}",
        stderr(&dry)
    );
    let o = bash(&w, &fake, "s/bash/run-all.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let st = fake.state.lock().unwrap();
    assert!(!st.suspended_new_commerce, "a new commerce subscription was suspended");
    assert!(!st.suspended_in_use);
    drop(st);
    assert_eq!(sub(&fake.tenant(ECHO), echo_sub)["status"], "deleted", "cancelled in its window");
    let boston = fake.tenant(BOSTON);
    assert_eq!(sub(&boston, boston_sub)["status"], "active", "left to run to its end date");
    assert_eq!(sub(&boston, boston_sub)["autoRenewEnabled"], false);
    assert_eq!(
        sub(&fake.tenant(ALPINE), "a1000000-0000-4000-8000-00000000000a")["status"],
        "suspended"
    );
    let log = std::fs::read_to_string(w.file("s/bash/logs/boston-corp-b2b2b2b2.log")).unwrap();
    assert!(
        log.contains("(new commerce): past its cancellation window: turn auto renew off; it ends on 2026-12-20 and is billed until then"),
        "{log}"
    );
    // Again: nothing left to do.
    let before = fake.mutating();
    let o = bash(&w, &fake, "s/bash/run-all.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fake.mutating(), before);
}

/// A rollback driven by the results file: the retired subscription is active again, every user
/// step B changed has the old licence back and loses what step B assigned, the purchase stays
/// (shown with the request that would cancel it); a dry run first changes nothing.
#[test]
fn a_rollback_undoes_b_and_c_from_the_results_and_never_cancels_a_purchase() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    let o = bash(&w, &fake, "s/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let migrated = fake.tenant(ALPINE);
    assert_eq!(kaizala_holders(&migrated), 0);
    let before = fake.mutating();
    let dry = bash(&w, &fake, "s/rollback/alpine-ag-a1a1a1a1.sh", &[]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert_eq!(fake.mutating(), before, "a dry run of the rollback changes nothing");
    let log = stderr(&dry);
    assert!(log.contains("a1000000-0000-4000-8000-00000000000a: reactivate"), "{log}");
    assert!(log.contains("not cancelled automatically; to cancel: PATCH"), "{log}");
    let o = bash(&w, &fake, "s/rollback/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = fake.tenant(ALPINE);
    assert_eq!(sub(&t, "a1000000-0000-4000-8000-00000000000a")["status"], "active");
    for u in &t.users {
        assert!(u.skus.contains(KAIZALA_SKU), "{} has Kaizala Pro back", u.upn);
        assert!(!u.skus.contains(BB_SKU), "{} keeps what step B assigned", u.upn);
    }
    assert!(t.users.iter().filter(|u| u.skus.contains(E3_SKU)).count() == 2, "E3 untouched");
    let bought =
        t.subscriptions.iter().filter(|s| s["offerName"] == "Microsoft 365 Business Basic").count();
    assert_eq!(bought, 1, "the purchase is not cancelled");
    let again = fake.mutating();
    let o = bash(&w, &fake, "s/rollback/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fake.mutating(), again, "a second rollback has nothing left to do");
    // A customer with nothing done: nothing to roll back.
    let o = bash(&w, &fake, "s/rollback/echo-sarl-e5e5e5e5.sh", &["--apply"]);
    assert!(o.status.success() && stderr(&o).contains("nothing to roll back"), "{}", stderr(&o));
}

/// Where Partner Center offers a transition with licence transfer to the target, it replaces A
/// and B: the users who only lose Kaizala Pro lose it first, the transition is followed to its
/// end, B then finds the users moved and C has nothing left to suspend. An ineligible one, or
/// --no-transitions, keeps to A, B and C; one that fails mid-way stops before C.
#[test]
fn an_eligible_transition_replaces_a_and_b_and_a_failed_one_stops_before_c() {
    use crate::fake_pc::Transition;
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let offer = |eligible: bool, fails: bool| Transition {
        to: "CFQ7TTC0LH18:0001:AV01".into(),
        transition_type: "transition_with_license_transfer".into(),
        eligible,
        fails,
    };
    let source = "a1000000-0000-4000-8000-00000000000a";
    let with = |x: Option<Transition>| {
        let mut t = tenants();
        if let Some(x) = x {
            t.get_mut(ALPINE).unwrap().transitions.insert(source.into(), vec![x]);
        }
        Fake::start(t)
    };
    let env = [("KM_POLL_SECONDS", "0")];
    let script = "s/bash/alpine-ag-a1a1a1a1.sh";
    let fake = with(Some(offer(true, false)));
    let dry = bash_with(&w, &fake, script, &[], &env);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let log = stderr(&dry);
    for want in [
        "transition to CFQ7TTC0LH18:0001:AV01: transition_with_license_transfer eligible",
        "path: transition with licence transfer to CFQ7TTC0LH18:0001:AV01, instead of A and B",
        "DRY RUN, would send: POST ",
    ] {
        assert!(log.contains(want), "{want:?} not in:\n{log}");
    }
    assert_eq!(fake.mutating(), 0);
    let o = bash_with(&w, &fake, script, &["--apply"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = fake.seen();
    let posts: Vec<&str> =
        seen.iter().filter(|s| s.method == "POST").map(|s| s.path.as_str()).collect();
    assert!(posts.iter().any(|p| p.ends_with("/transitions")), "{posts:?}");
    assert!(!posts.iter().any(|p| p.contains("/carts")), "no purchase beside the transition");
    let body: Value = serde_json::from_str(
        &seen.iter().find(|s| s.path.ends_with("/transitions") && s.method == "POST").unwrap().body,
    )
    .unwrap();
    assert_eq!(body["quantity"], 4);
    assert_eq!(body["transitionType"], "transition_with_license_transfer");
    let t = fake.tenant(ALPINE);
    assert_eq!(kaizala_holders(&t), 0);
    for u in &t.users {
        let mover = ["ana", "ben", "cleo", "dan"].iter().any(|n| u.upn.starts_with(n));
        assert_eq!(u.skus.contains(BB_SKU), mover, "{}: only the users to move were moved", u.upn);
    }
    assert!(!fake.state.lock().unwrap().suspended_in_use);
    assert_eq!(sub(&t, source)["status"], "deleted", "ended by the transition, left as it is");

    // Not eligible: A, B and C as ever.
    let w2 = Workdir::new();
    generate(&w2, &["--format", "bash"]);
    let fake = with(Some(offer(false, false)));
    let o = bash_with(&w2, &fake, script, &["--apply"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("not eligible (the customer has add-ons on the subscription)"));
    assert!(fake.seen().iter().any(|s| s.path.contains("/carts")), "bought through the cart");

    // Failing mid-way: stopped, nothing retired.
    let w3 = Workdir::new();
    generate(&w3, &["--format", "bash"]);
    let fake = with(Some(offer(true, true)));
    let o = bash_with(&w3, &fake, script, &["--apply"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the transition failed"), "{}", stderr(&o));
    assert_eq!(sub(&fake.tenant(ALPINE), source)["status"], "active", "nothing retired");

    // --no-transitions: not even asked.
    let w4 = Workdir::new();
    generate(&w4, &["--format", "bash"]);
    let fake = with(Some(offer(true, false)));
    let o = bash_with(&w4, &fake, script, &["--apply", "--no-transitions"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!fake.seen().iter().any(|s| s.path.contains("transition")));
}

/// A legacy subscription with an eligible upgrade with licence transfer to the target's offer
/// takes it instead of A and B.
#[test]
fn an_eligible_upgrade_of_a_legacy_subscription_replaces_a_and_b() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let mut plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    for c in plan["customers"].as_array_mut().unwrap() {
        for line in c["cost"]["lines"].as_array_mut().unwrap() {
            if line["side"] == "target" && line["offer_name"] == "Microsoft 365 Business Basic" {
                line["offer_id"] = json!("CFQ7TTC0LH18-legacy");
            }
        }
    }
    w.write("upgrade.json", serde_json::to_string(&plan).unwrap());
    let o = w.run(&["scripts", "--plan", "upgrade.json", "--out", "u", "--format", "bash"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let source = "a1000000-0000-4000-8000-00000000000a";
    let mut t = tenants();
    t.get_mut(ALPINE).unwrap().upgrades.insert(
        source.into(),
        vec![("CFQ7TTC0LH18-legacy".into(), "Microsoft 365 Business Basic".into())],
    );
    let fake = Fake::start(t);
    let o = bash(&w, &fake, "u/bash/alpine-ag-a1a1a1a1.sh", &["--apply"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("path: upgrade with licence transfer to CFQ7TTC0LH18-legacy"));
    let seen = fake.seen();
    let up = seen.iter().find(|s| s.method == "POST" && s.path.ends_with("/upgrades")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&up.body).unwrap()["quantity"], 4);
    assert!(!seen.iter().any(|s| s.path.contains("/carts")), "nothing bought beside it");
    let t = fake.tenant(ALPINE);
    assert_eq!(kaizala_holders(&t), 0);
    let movers = t.users.iter().filter(|u| u.skus.contains(BB_SKU)).count();
    assert_eq!(movers, 4, "the remove-only users lost Kaizala Pro before the upgrade");
}

/// A token that may read but not change licences: step B fails with the roles named, and
/// nothing is retired. A request that hangs is given up and sent again with its id.
#[test]
fn a_token_that_cannot_assign_and_a_hanging_request() {
    let w = Workdir::new();
    generate(&w, &["--format", "bash"]);
    let fake = Fake::start(tenants());
    fake.fail(
        "POST",
        "/licenseupdates",
        403,
        100,
        None,
        json!({"code": 403, "description": "Forbidden"}),
    );
    let o = bash(&w, &fake, "s/bash/alpine-ag-a1a1a1a1.sh", &["--apply", "--no-transitions"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(log.contains("not allowed (HTTP 403): changing licences needs the GDAP role License Administrator or User Administrator"), "{log}");
    assert!(log.contains("refused: step B did not finish"), "{log}");
    assert_eq!(
        sub(&fake.tenant(ALPINE), "a1000000-0000-4000-8000-00000000000a")["status"],
        "active"
    );

    let fake = Fake::start(tenants());
    fake.fail("GET", "/subscribedskus", crate::fake_pc::HANG, 1, Some(3), json!(null));
    let env = [("KM_TIMEOUT", "1"), ("RESULTS_FILE", "hang.csv")];
    let o = bash_with(&w, &fake, "s/bash/echo-sarl-e5e5e5e5.sh", &["--apply"], &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("retrying in 2s with the same MS-RequestId"), "{}", stderr(&o));
    let reads: Vec<String> = fake
        .seen()
        .iter()
        .filter(|s| s.path.ends_with("/subscribedskus"))
        .map(|s| s.request_id.clone())
        .collect();
    assert_eq!(reads[0], reads[1], "given up, then sent again with the same MS-RequestId");
}
