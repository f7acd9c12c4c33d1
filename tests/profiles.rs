//! `profiles`: the built-in retirement profiles, listed and printed; a profile file checked.

use crate::util::*;

#[test]
fn profiles_are_listed_and_shown_as_toml_that_reads_back() {
    let w = Workdir::new();
    let o = w.run(&["profiles"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = stdout(&o);
    for line in [
        "kaizala-pro ",
        "Kaizala Pro ",
        "2020-07-01",
        "office365-e4 ",
        "Office 365 E5, Office 365 E3 + Teams Phone, Office 365 E3",
        "skype-business-online-plan-1 ",
    ] {
        assert!(list.contains(line), "{line:?} missing in:\n{list}");
    }
    for id in ["kaizala-pro", "office365-e4", "skype-business-online-plan-1"] {
        let o = w.run(&["profiles", "show", id]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(&format!("id = \"{id}\"")), "{text}");
        assert!(text.contains("https://learn.microsoft.com/"), "{id} names no source");
        // As a starting point for one's own: the printed text is a profile file that reads.
        w.write("mine.toml", text.replace(&format!("id = \"{id}\""), "id = \"mine\""));
        let o = w.run(&["profiles", "show", "mine.toml"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("id = \"mine\""));
    }
}

#[test]
fn a_bad_profile_file_is_an_error_naming_the_file_and_key() {
    let w = Workdir::new();
    let o = w.run(&["profiles", "show", "kaizala-pro"]);
    let good = stdout(&o);
    w.write("typo.toml", good.replace("offer_names =", "offer_name ="));
    let o = w.run(&["profiles", "show", "typo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("kaizala-migrate: typo.toml: not a retirement profile:"), "{err}");
    assert!(err.contains("offer_name"), "{err}");
    w.write("rule.toml", good.replace("target = \"Office 365 E1\"", "target = \"Office 365 E2\""));
    let o = w.run(&["profiles", "show", "rule.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("target \"Office 365 E2\" is not a replacement's name"),
        "{}",
        stderr(&o)
    );
    let o = w.run(&["profiles", "show", "no-such-profile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither a built-in profile (kaizala-pro, office365-e4, skype-business-online-plan-1) nor a file"), "{}", stderr(&o));
}

/// A partner's own profile file, for a product named otherwise, on exports that name it: the
/// same plan as the Kaizala Pro run, and no output names Kaizala.
#[test]
fn a_partner_profile_on_renamed_exports_gives_the_same_plan() {
    let w = Workdir::new();
    let rename = |t: &str| {
        t.replace("KAIZALA", "CONTOSO CHAT")
            .replace("Kaizala", "Contoso Chat")
            .replace("kaizala", "contoso chat")
    };
    let csv_subscriptions: Vec<&str> =
        SUBSCRIPTIONS.iter().copied().filter(|f| f.ends_with(".csv")).collect();
    let renamed = |files: &[&str]| -> Vec<String> {
        files
            .iter()
            .map(|f| {
                let to = f.replace("fixtures/", "renamed/");
                w.write(&to, rename(&w.read(f)));
                to
            })
            .collect()
    };
    let (subs, users) = (renamed(&csv_subscriptions), renamed(&USERS));
    // The built-in profile, renamed; the service plans (identifiers) stay.
    let builtin = stdout(&w.run(&["profiles", "show", "kaizala-pro"]));
    let plans_line = builtin.lines().find(|l| l.starts_with("service_plans")).unwrap().to_string();
    let mine: String =
        rename(&builtin.replace("id = \"kaizala-pro\"", "id = \"contoso-chat-pro\""))
            .lines()
            .map(|l| {
                if l.starts_with("service_plans") {
                    format!("{plans_line}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
    w.write("chat.toml", mine);

    let mut kaizala = vec!["plan", "--subscriptions"];
    kaizala.extend(&csv_subscriptions);
    kaizala.push("--users");
    kaizala.extend(USERS);
    kaizala.extend(["--as-of", "2026-12-01", "--out", "k"]);
    assert!(w.run(&kaizala).status.success());
    let mut chat = vec!["plan", "--profile", "chat.toml", "--subscriptions"];
    chat.extend(subs.iter().map(String::as_str));
    chat.push("--users");
    chat.extend(users.iter().map(String::as_str));
    chat.extend(["--as-of", "2026-12-01", "--out", "c"]);
    let o = w.run(&chat);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let k: serde_json::Value = serde_json::from_str(&rename(&w.read("k/plan.json"))).unwrap();
    let c: serde_json::Value = serde_json::from_str(&w.read("c/plan.json")).unwrap();
    assert_eq!(c["profile"]["id"], "contoso-chat-pro");
    assert_eq!(c["profile"]["name"], "Contoso Chat Pro");
    for key in ["summary", "warnings", "unmatched_users"] {
        assert!(k[key] == c[key], "{key} differs: {} vs {}", k[key], c[key]);
    }
    // (The field keeps its name in plan.json; renaming the Kaizala run renamed it too.)
    let others = &c["other_kaizala_subscriptions"];
    assert!(k["other_contoso chat_subscriptions"] == *others, "{others}");
    let (kc, cc) = (k["customers"].as_array().unwrap(), c["customers"].as_array().unwrap());
    assert_eq!(kc.len(), cc.len());
    for (a, b) in kc.iter().zip(cc) {
        assert!(a == b, "customer differs:\n{a}\n{b}");
    }

    // No output of the run names Kaizala (but plan.json's profile and field names, and the
    // tool's own name).
    let mut files = vec![w.file("c")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let name = path.display().to_string();
        let text = if name.ends_with(".xlsx") {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            let mut all = String::new();
            for i in 0..zip.len() {
                let _ = std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut all);
            }
            all
        } else {
            std::fs::read_to_string(&path).unwrap_or_default()
        };
        let mut text = text
            .to_lowercase()
            .replace("kaizala-migrate", "")
            .replace("other_kaizala_subscriptions", "");
        if name.ends_with("plan.json") {
            let v: serde_json::Value = serde_json::from_str(&w.read("c/plan.json")).unwrap();
            text = text.replace(&v["profile"].to_string().to_lowercase(), "");
            for plan in v["profile"]["service_plans"].as_array().unwrap() {
                text = text.replace(&plan.as_str().unwrap().to_lowercase(), "");
            }
        }
        assert!(!text.contains("kaizala"), "{name} names Kaizala");
    }
}

#[test]
fn a_profile_that_does_not_exist_is_a_usage_error_and_every_built_in_runs() {
    let w = Workdir::new();
    // The E4 profile's replacement of two offers runs: nothing of it in these exports.
    let o = w.run(&[fixture_args("check"), vec!["--profile", "office365-e4"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = w.run(&[fixture_args("scan"), vec!["--profile", "nope"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--profile nope: profile \"nope\": neither a built-in profile"),
        "{}",
        stderr(&o)
    );
    // A built-in profile of one offer per replacement runs: nothing of it in these exports.
    let o =
        w.run(&[fixture_args("scan"), vec!["--profile", "skype-business-online-plan-1"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 expiring Skype for Business Online (Plan 1) subscription(s)"),
        "{}",
        stdout(&o)
    );
}

const FABRIKAM: &str = "f6f6f6f6-0000-4000-8000-000000000006";
const GRANITE: &str = "a7a7a7a7-0000-4000-8000-000000000007";
const FABRIKAM_E4: &str = "f6000000-0000-4000-8000-00000000000a";
const GRANITE_E4: &str = "a7000000-0000-4000-8000-00000000000a";
const GRANITE_PHONE: &str = "a7000000-0000-4000-8000-00000000000b";

/// Office 365 E4 exports: Fabrikam's users need both offers of E3 + Teams Phone (one already
/// holds E5, a replacement); Granite already has Teams Phone seats to spare.
fn e4_exports(w: &Workdir) {
    w.write(
        "e4/subscriptions.csv",
        format!(
            "CustomerId,CustomerName,AccountManager,Segment,SubscriptionId,OfferName,Quantity,Status,AutoRenewEnabled,CommitmentEndDate,BillingCycle,UnitPrice,Currency\n\
             {FABRIKAM},Fabrikam Inc,Maria Lopez,Commercial,{FABRIKAM_E4},Office 365 Enterprise E4,4,Active,False,2026-12-20,Monthly,22.00,USD\n\
             {GRANITE},Granite LLC,Maria Lopez,Commercial,{GRANITE_E4},Office 365 E4,3,Active,False,2027-01-10,Monthly,22.00,USD\n\
             {GRANITE},Granite LLC,Maria Lopez,Commercial,{GRANITE_PHONE},Microsoft Teams Phone Standard,10,Active,True,2027-06-30,Monthly,10.00,USD\n"
        ),
    );
    let mut users = String::from("CustomerId,User principal name,Display name,Licenses\n");
    for u in ["f1", "f2", "f3"] {
        users += &format!("{FABRIKAM},{u}@fabrikam.example,{u},Office 365 E4\n");
    }
    users += &format!("{FABRIKAM},f4@fabrikam.example,f4,Office 365 E4+Office 365 E5\n");
    for u in ["g1", "g2", "g3"] {
        users += &format!("{GRANITE},{u}@granite.example,{u},Office 365 E4\n");
    }
    for u in ["g4", "g5"] {
        users += &format!("{GRANITE},{u}@granite.example,{u},Microsoft Teams Phone Standard\n");
    }
    w.write("e4/users.csv", users);
    // The new commerce list prices a one-year term for the year.
    let head = "ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,BillingPlan,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,Tags,ERP Price";
    let row = |title: &str, product: &str, price: &str| {
        format!("{title},{product},0001,{title},Microsoft Corporation,{title},1 License,P1Y,Monthly,US,USD,{price},,,2/1/2025 0:00,11/30/9999 23:59,License,{price}\n")
    };
    w.write(
        "e4/nce-usd.csv",
        format!(
            "{head}\n{}{}",
            row("Office 365 E3", "CFQ7TTC0LF8Q", "276.00"),
            row("Microsoft Teams Phone Standard", "CFQ7TTC0J1FV", "120.00")
        ),
    );
}

fn e4_plan(w: &Workdir, out: &str, extra: &[&str]) -> serde_json::Value {
    let args = [
        "plan",
        "--profile",
        "office365-e4",
        "--subscriptions",
        "e4/subscriptions.csv",
        "--users",
        "e4/users.csv",
        "--prices",
        "e4/nce-usd.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        out,
    ];
    let o = w.run(&[&args[..], extra].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&w.read(&format!("{out}/plan.json"))).unwrap()
}

fn customer<'a>(plan: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    plan["customers"].as_array().unwrap().iter().find(|c| c["customer_id"] == id).unwrap()
}

/// Office 365 E4's default replacement is two offers: each is bought (or not) on its own
/// subscriptions, both are priced, both assigned to every user in one request, and the E4
/// subscription is suspended only once nobody holds E4; through the worksheet, the cost report
/// and the scripts against the fake Partner Center.
#[test]
fn a_replacement_of_two_offers_is_bought_priced_assigned_and_carried_out() {
    use crate::fake_pc::{Fake, Tenant, E3_SKU, E4_SKU, PHONE_SKU};
    let w = Workdir::new();
    e4_exports(&w);
    let plan = e4_plan(&w, "out", &[]);
    let both = ["Office 365 E3", "Microsoft Teams Phone Standard"];
    let f = customer(&plan, FABRIKAM);
    assert_eq!(f["target"]["plan"], "Office 365 E3 + Teams Phone");
    assert_eq!(f["target"]["offers"], serde_json::json!(both));
    assert_eq!(f["target"]["offer_name"], "Office 365 E3");
    assert_eq!(f["users_remove_only"], serde_json::json!(["f4@fabrikam.example"]));
    let actions = |c: &serde_json::Value| -> Vec<(String, String, u64)> {
        c["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                (s("offer_name"), s("action"), p["seats"].as_u64().unwrap())
            })
            .collect()
    };
    let t = |o: &str, a: &str, n: u64| (o.to_string(), a.to_string(), n);
    assert_eq!(actions(f), [t(both[0], "buy", 3), t(both[1], "buy", 3)]);
    assert_eq!(f["purchase"]["offer_name"], both[0], "purchase stays the first offer");
    assert_eq!(f["purchases"][1]["term"], "P1Y");
    let user = &f["users"][0];
    assert_eq!(user["assign_licences"], serde_json::json!(both));
    // Granite's 8 spare Teams Phone seats cover its 3 users: only E3 is bought.
    let g = customer(&plan, GRANITE);
    assert_eq!(actions(g), [t(both[0], "buy", 3), t(both[1], "none", 0)]);
    assert_eq!(g["seats_to_buy"], 3);
    // Two cost lines after the move, each at its own list price: 3 x 23 + 3 x 10 a month.
    let lines: Vec<(&str, &str)> = f["cost"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["side"] == "target")
        .map(|l| (l["offer_name"].as_str().unwrap(), l["monthly"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [(both[0], "69.00"), (both[1], "30.00")]);
    assert_eq!(f["cost"]["target_monthly"], "99.00");
    assert_eq!(f["cost"]["current_monthly"], "88.00");
    let runbook = w.read("out/runbooks/fabrikam-inc-f6f6f6f6.md");
    for want in [
        "Office 365 E3 + Teams Phone is 2 offers, bought and assigned together: Office 365 E3 + Microsoft Teams Phone Standard.",
        "buy **Office 365 E3**, quantity **3**",
        "buy **Microsoft Teams Phone Standard**, quantity **3**",
        "remove **Office 365 E4**, assign **Office 365 E3** and **Microsoft Teams Phone Standard**",
    ] {
        assert!(runbook.contains(want), "{want:?} not in:\n{runbook}");
    }
    let granite = w.read("out/runbooks/granite-llc-a7a7a7a7.md");
    assert!(
        granite.contains("- Nothing to buy of Microsoft Teams Phone Standard: subscription `a7000000-0000-4000-8000-00000000000b` already has 8 unassigned seat(s)"),
        "{granite}"
    );
    let report = w.read("out/cost-report.csv");
    assert!(report.contains(",buy+buy,") && report.contains(",buy+none,"), "{report}");

    // Round trip: Fabrikam wants 5 seats; both offers follow, and their lines.
    crate::deliverables::edited_copy(
        &w.file("out/worksheet.xlsx"),
        &w.file("edited.xlsx"),
        |sheet, r, c, _| match (sheet, r, c) {
            ("Customers", 1, "Seats to buy") => Some("5".into()),
            _ => None,
        },
    );
    let row1 = customer(&plan, FABRIKAM)["customer_id"] == plan["customers"][0]["customer_id"];
    assert!(row1, "Fabrikam is the first row");
    let plan = e4_plan(&w, "again", &["--overrides", "edited.xlsx"]);
    let f = customer(&plan, FABRIKAM);
    assert_eq!(actions(f), [t(both[0], "buy", 5), t(both[1], "buy", 5)]);
    assert_eq!(f["cost"]["target_monthly"], "165.00");
    assert_eq!(actions(customer(&plan, GRANITE))[1], t(both[1], "none", 0));

    // The scripts, against the fake Partner Center.
    let o = w.run(&["scripts", "--plan", "again/plan.json", "--out", "s"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut tenants = std::collections::BTreeMap::new();
    let mut fab = Tenant::new("US")
        .subscription(FABRIKAM_E4, "Office 365 Enterprise E4", 4, "active")
        .extra_sku("sku-e5", "Office 365 E5", 1);
    for u in ["f1", "f2", "f3"] {
        fab = fab.user(&format!("{u}@fabrikam.example"), &[E4_SKU]);
    }
    fab = fab.user("f4@fabrikam.example", &[E4_SKU, "sku-e5"]);
    tenants.insert(FABRIKAM.to_string(), fab);
    let mut granite = Tenant::new("US")
        .subscription(GRANITE_E4, "Office 365 E4", 3, "active")
        .subscription(GRANITE_PHONE, "Microsoft Teams Phone Standard", 10, "active");
    for u in ["g1", "g2", "g3"] {
        granite = granite.user(&format!("{u}@granite.example"), &[E4_SKU]);
    }
    for u in ["g4", "g5"] {
        granite = granite.user(&format!("{u}@granite.example"), &[PHONE_SKU]);
    }
    tenants.insert(GRANITE.to_string(), granite);
    let fake = Fake::start(tenants);
    let dry = crate::scripts::bash_with(&w, &fake, "s/bash/fabrikam-inc-f6f6f6f6.sh", &[], &[]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let log = stderr(&dry);
    assert!(log.contains("f1@fabrikam.example: remove Office 365 E4, assign Office 365 E3 and Microsoft Teams Phone Standard"), "{log}");
    assert_eq!(fake.mutating(), 0, "a dry run changes nothing");
    let o = crate::scripts::bash_with(&w, &fake, "s/bash/run-all.sh", &["--apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let seen = fake.seen();
    let carts: Vec<serde_json::Value> = seen
        .iter()
        .filter(|s| s.method == "POST" && s.path.ends_with("/carts"))
        .map(|s| serde_json::from_str(&s.body).unwrap())
        .collect();
    assert_eq!(carts.len(), 2, "one cart per customer");
    let lines = |cart: &serde_json::Value| -> Vec<(String, u64)> {
        cart["lineItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (l["catalogItemId"].as_str().unwrap().to_string(), l["quantity"].as_u64().unwrap())
            })
            .collect()
    };
    let fab_cart = carts.iter().find(|c| c["lineItems"].as_array().unwrap().len() == 2);
    assert_eq!(
        lines(fab_cart.expect("a cart of two lines")),
        [("CFQ7TTC0LF8Q:0001:AV03".to_string(), 5), ("CFQ7TTC0J1FV:0001:AV04".to_string(), 5)]
    );
    // Every moving user got both SKUs in one request.
    for s in seen.iter().filter(|s| s.path.ends_with("/licenseupdates")) {
        let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        let assigned = body["LicensesToAssign"].as_array().unwrap().len();
        assert!(assigned == 0 || assigned == 2 || s.path.contains(GRANITE), "{}", s.body);
    }
    assert!(!fake.state.lock().unwrap().suspended_in_use, "E4 suspended while in use");
    let fab = fake.tenant(FABRIKAM);
    for u in &fab.users {
        assert!(!u.skus.contains(E4_SKU), "{} keeps E4", u.upn);
        let moved = !u.upn.starts_with("f4");
        assert_eq!(u.skus.contains(E3_SKU) && u.skus.contains(PHONE_SKU), moved, "{}", u.upn);
    }
    let status_of = |t: &Tenant, id: &str| {
        t.subscriptions.iter().find(|s| s["id"] == id).unwrap()["status"].clone()
    };
    assert_eq!(status_of(&fab, FABRIKAM_E4), "suspended");
    let granite = fake.tenant(GRANITE);
    for u in granite.users.iter().filter(|u| !u.upn.starts_with("g4") && !u.upn.starts_with("g5")) {
        assert!(u.skus.contains(E3_SKU) && u.skus.contains(PHONE_SKU), "{}", u.upn);
    }
    assert_eq!(status_of(&granite, GRANITE_PHONE), "active");
    assert_eq!(status_of(&granite, GRANITE_E4), "suspended");
    // Each offer has its own results row; status says so; a second run changes nothing.
    let rows = crate::scripts::results(&w);
    let a_rows: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[1] == FABRIKAM && r[2] == "A" && r[4] != "dry-run")
        .map(|r| (r[3].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(a_rows, [(both[0], "done"), (both[1], "done")]);
    let o = w.run(&["status", "--plan", "again/plan.json", "--results", "results.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    assert!(
        report.contains("A (buy Office 365 E3 + Teams Phone): Office 365 E3: done; Microsoft Teams Phone Standard: done"),
        "{report}"
    );
    assert!(report.contains("2 of 2 customer(s) finished"), "{report}");
    let before = fake.mutating();
    let o = crate::scripts::bash_with(&w, &fake, "s/bash/run-all.sh", &["--apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fake.mutating(), before, "a second run sends no change");
    // The PowerShell scripts carry the same purchases and parse.
    let ps = w.read("s/powershell/fabrikam-inc-f6f6f6f6.ps1");
    assert!(
        ps.contains("@{ Offer = 'Microsoft Teams Phone Standard'; Action = 'buy'; Seats = 5;"),
        "{ps}"
    );
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_powershell::LANGUAGE.into()).unwrap();
    for f in ["s/powershell/fabrikam-inc-f6f6f6f6.ps1", "s/powershell/lib.ps1"] {
        let text = w.read(f);
        let tree = parser.parse(&text, None).unwrap();
        let root = tree.root_node();
        assert!(!root.has_error(), "{f}: {}", crate::scripts::first_error(root, &text));
    }
}

/// A user who holds every offer of a replacement needs no seat; one who holds some of them is
/// assigned the rest, and seats are bought only of what the users lack.
#[test]
fn users_holding_a_replacement_s_offers_need_only_the_rest() {
    let w = Workdir::new();
    w.write(
        "voice.toml",
        "id = \"contoso-voice\"\nname = \"Contoso Voice\"\n[retiring]\noffer_names = [\"Contoso Voice\"]\n\
         [[replacement]]\nname = \"Office 365 E3 + Teams Phone\"\noffers = [\"Office 365 E3\", \"Microsoft Teams Phone Standard\"]\n\
         [[rule]]\ntarget = \"Office 365 E3 + Teams Phone\"\n\
         [aliases]\n\"Office 365 E3\" = [\"Office 365 Enterprise E3\"]\n",
    );
    let c = "c8c8c8c8-0000-4000-8000-000000000008";
    w.write(
        "subs.csv",
        format!(
            "CustomerId,CustomerName,SubscriptionId,OfferName,Quantity,Status,AutoRenewEnabled,CommitmentEndDate\n\
             {c},Harbor Ltd,c8000000-0000-4000-8000-00000000000a,Contoso Voice,4,Active,False,2026-12-20\n\
             {c},Harbor Ltd,c8000000-0000-4000-8000-00000000000b,Office 365 E3,5,Active,True,2027-06-30\n"
        ),
    );
    let users = [
        ("u1", "Contoso Voice+Office 365 E3+Microsoft Teams Phone Standard"),
        ("u2", "Contoso Voice+Office 365 Enterprise E3"),
        ("u3", "Contoso Voice"),
        ("u4", "Contoso Voice+Microsoft Teams Phone Standard"),
    ];
    let mut text = String::from("CustomerId,User principal name,Licenses\n");
    for (u, l) in users {
        text += &format!("{c},{u}@harbor.example,{l}\n");
    }
    w.write("users.csv", text);
    let o = w.run(&[
        "plan",
        "--profile",
        "voice.toml",
        "--subscriptions",
        "subs.csv",
        "--users",
        "users.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let h = &plan["customers"][0];
    assert_eq!(h["users_remove_only"], serde_json::json!(["u1@harbor.example"]));
    assert_eq!(h["users"][0]["covered_by"], "Office 365 E3 + Teams Phone");
    let assigned: Vec<(&str, Vec<&str>)> = h["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let a = u["assign_licences"].as_array().unwrap();
            (u["upn"].as_str().unwrap(), a.iter().map(|l| l.as_str().unwrap()).collect())
        })
        .collect();
    assert_eq!(
        assigned,
        [
            ("u1@harbor.example", vec![]),
            ("u2@harbor.example", vec!["Microsoft Teams Phone Standard"]),
            ("u3@harbor.example", vec!["Office 365 E3", "Microsoft Teams Phone Standard"]),
            ("u4@harbor.example", vec!["Office 365 E3"]),
        ]
    );
    // E3: u3 and u4 lack it; the E3 subscription has 3 seats nobody holds (5 bought, u1 and u2
    // hold it). Teams Phone: u2 and u3 lack it, and there is none to spare.
    let p = &h["purchases"];
    assert_eq!((p[0]["action"].as_str(), p[0]["new_quantity"].as_u64()), (Some("none"), Some(5)));
    assert_eq!((p[1]["action"].as_str(), p[1]["seats"].as_u64()), (Some("buy"), Some(2)));
    assert_eq!(h["seats_to_buy"], 2);
    let runbook = w.read("out/runbooks/harbor-ltd-c8c8c8c8.md");
    assert!(
        runbook.contains("u2@harbor.example: remove **Contoso Voice**, assign **Microsoft Teams Phone Standard**"),
        "{runbook}"
    );
}
