//! `plan` on the fixtures: the plan's contents, the row accounting, the files and determinism.
//!
//! Fixture customers (as of 2026-12-01, horizon 365 days):
//!
//! ```text
//! 1111 Contoso     API export, lapsed 2026-11-15, 10 seats; users by domain (admin export)
//! 2222 Fabrikam    API export + XLSX (same subscription, merged), due in 10 days, no users
//! 8888 Proseware   batch migration tool CSV, due 2027-01-15, no users
//! 7777 Litware     legacy recon, 3 charge rows (400 cycle, 50 prorate, 450 cycle) -> 450 seats
//! 3333 Northwind   XLSX, education, due 2027-06-30, users in a combined file
//! 4444 Tailspin    outside the horizon     5555 Woodgrove  auto renew on
//! 6666 Adatum      already suspended       a bad row (customer id "not-a-tenant-id")
//! ```

use serde_json::Value;

use crate::util::*;

fn plan_json(w: &Workdir) -> Value {
    let out = w.run(&[fixture_args("plan"), vec!["--out", "out"]].concat());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    serde_json::from_str(&w.read("out/plan.json")).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[test]
fn plan_lists_each_affected_customer_as_hand_checked() {
    let w = Workdir::new();
    let plan = plan_json(&w);
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(plan["as_of"], "2026-12-01");
    let customers = plan["customers"].as_array().unwrap();
    // (id prefix, deadline, days_left, lapsed, current seats, seats to buy, basis, target)
    let want = [
        ("11111111", "2026-11-15", -16, true, 10, 3, "users", "Microsoft 365 Business Basic"),
        (
            "22222222",
            "2026-12-11",
            10,
            false,
            25,
            25,
            "subscription_seats",
            "Microsoft 365 Business Basic",
        ),
        (
            "88888888",
            "2027-01-15",
            45,
            false,
            5,
            5,
            "subscription_seats",
            "Microsoft 365 Business Basic",
        ),
        ("77777777", "2027-03-31", 120, false, 450, 450, "subscription_seats", "Office 365 E1"),
        ("33333333", "2027-06-30", 211, false, 40, 2, "users", "Office 365 A1"),
    ];
    assert_eq!(customers.len(), want.len());
    for (c, (id, deadline, days, lapsed, seats, buy, basis, target)) in customers.iter().zip(want) {
        let cid = c["customer_id"].as_str().unwrap();
        assert!(cid.starts_with(id), "{cid} in place of {id}");
        assert_eq!(c["deadline"], deadline, "{id}");
        assert_eq!(c["days_left"], days, "{id}");
        assert_eq!(c["lapsed"], lapsed, "{id}");
        assert_eq!(c["current_seats"], seats, "{id}");
        assert_eq!(c["seats_to_buy"], buy, "{id}");
        assert_eq!(c["seats_basis"], basis, "{id}");
        assert_eq!(c["target"]["offer_name"], target, "{id}");
        assert!(!c["target"]["reason_text"].as_str().unwrap().is_empty());
    }
    let contoso = &customers[0];
    assert_eq!(contoso["customer_name"], "Contoso Ltd");
    assert_eq!(
        strings(&contoso["users_to_move"]),
        ["alice@contoso.com", "carol@contoso.onmicrosoft.com", "emma@contoso.com"]
    );
    assert_eq!(strings(&contoso["users_remove_only"]), ["bob@contoso.com"]);
    assert_eq!(
        contoso["expiring_subscriptions"][0]["subscription_id"],
        "a1000000-0000-4000-8000-000000000001"
    );
    assert_eq!(contoso["urgency"], "lapsed");
    let northwind = &customers[4];
    assert_eq!(northwind["target"]["reason"]["code"], "education");
    assert_eq!(
        strings(&northwind["users_to_move"]),
        ["teacher1@northwind.edu", "teacher2@northwind.edu"]
    );
    assert_eq!(strings(&northwind["users_remove_only"]), ["principal@northwind.edu"]);
    let litware = &customers[3];
    assert_eq!(litware["expiring_subscriptions"][0]["unit_price"], "2");
    assert_eq!(litware["expiring_subscriptions"][0]["currency"], "USD");
    // Litware already has 120 seats of Office 365 E1: step A tops that subscription up.
    assert_eq!(litware["purchase"]["action"], "increase");
    assert_eq!(litware["purchase"]["subscription_id"], "a7000000-0000-4000-8000-000000000002");
    assert_eq!(litware["purchase"]["new_quantity"], 570);

    let others: Vec<(String, String)> = plan["other_kaizala_subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["customer_id"].as_str().unwrap()[..8].to_string(),
                o["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        others,
        [
            ("44444444".to_string(), "Kaizala Pro ending after the horizon".to_string()),
            ("55555555".to_string(), "Kaizala Pro with auto renew on".to_string()),
            ("66666666".to_string(), "Kaizala Pro, already suspended".to_string()),
        ]
    );
    assert_eq!(strings(&plan["unmatched_users"]), ["zoe@unknown.example"]);
    assert_eq!(plan["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(plan["summary"]["seats_to_buy"], 485);
}

#[test]
fn every_row_is_accounted_for_per_file() {
    let w = Workdir::new();
    let out = w.run(&[fixture_args("plan"), vec!["--out", "out"]].concat());
    let text = stdout(&out);
    for line in [
        "  7 rows read = 2 used + 4 filtered out + 1 rejected",
        "  4 rows read = 3 used + 1 filtered out + 0 rejected",
        "  2 rows read = 1 used + 1 filtered out + 0 rejected",
        "  3 rows read = 2 used + 1 filtered out + 0 rejected",
        "  6 rows read = 4 used + 2 filtered out + 0 rejected",
        "  6 rows read = 3 used + 2 filtered out + 1 rejected",
        "  2 rows read = 0 used + 2 filtered out + 0 rejected",
        "all files: 30 rows read, 30 accounted for, 2 rejected",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

#[test]
fn rejected_and_filtered_rows_are_written_with_their_places() {
    let w = Workdir::new();
    let _ = plan_json(&w);
    assert_same_text(
        "file,sheet,row,column,header,reason\n\
         fixtures/subscriptions-api.csv,,9,A,CustomerId,\"\"\"not-a-tenant-id\"\" is not a customer tenant id (a GUID)\"\n\
         fixtures/users-combined.csv,,7,A,CustomerId,\"\"\"northwind\"\" is not a customer tenant id (a GUID)\"\n",
        &w.read("out/rejected.csv"),
    );
    assert_same_text(
        "file,sheet,row,reason\n\
         fixtures/subscriptions-api.csv,,6,Kaizala Pro ending after the horizon\n\
         fixtures/subscriptions-api.csv,,7,Kaizala Pro with auto renew on\n\
         fixtures/subscriptions-api.csv,,8,\"Kaizala Pro, already suspended\"\n\
         fixtures/users-unknown.csv,,2,matches no customer of the subscriptions files\n",
        &w.read("out/filtered.csv"),
    );
}

#[test]
fn worksheet_and_users_csv_match_snapshots() {
    let w = Workdir::new();
    let _ = plan_json(&w);
    insta::assert_snapshot!("worksheet_csv", w.read("out/worksheet.csv"));
    insta::assert_snapshot!("users_csv", w.read("out/users.csv"));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let w = Workdir::new();
    let a = w.run(&[fixture_args("plan"), vec!["--out", "a"]].concat());
    let b = w.run(&[fixture_args("plan"), vec!["--out", "b"]].concat());
    assert!(a.status.success() && b.status.success());
    for f in ["plan.json", "worksheet.csv", "users.csv", "rejected.csv", "filtered.csv"] {
        assert_eq!(w.read(&format!("a/{f}")), w.read(&format!("b/{f}")), "{f}");
    }
}

#[test]
fn file_order_does_not_change_the_plan() {
    let w = Workdir::new();
    let mut args = vec!["plan", "--subscriptions"];
    args.extend(SUBSCRIPTIONS.iter().rev());
    args.push("--users");
    args.extend(USERS.iter().rev());
    args.extend(["--as-of", "2026-12-01", "--out", "rev"]);
    assert!(w.run(&args).status.success());
    let _ = plan_json(&w);
    assert_eq!(w.read("rev/plan.json"), w.read("out/plan.json"));
}

#[test]
fn strict_turns_rejected_rows_into_exit_code_2_but_still_writes_the_plan() {
    let w = Workdir::new();
    let out = w.run(&[fixture_args("plan"), vec!["--out", "out", "--strict"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(w.file("out/plan.json").exists());
}

#[test]
fn users_file_can_name_its_customer() {
    let w = Workdir::new();
    w.write(
        "fixtures/fabrikam-users.csv",
        "Display name,User principal name,Licenses\nFred,fred@fabrikam.onmicrosoft.com,Microsoft Kaizala Pro\n",
    );
    let out = w.run(&[
        "plan",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "--users",
        "fixtures/fabrikam-users.csv=22222222-2222-4222-8222-222222222222",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let fabrikam = plan["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == "22222222-2222-4222-8222-222222222222")
        .unwrap();
    assert_eq!(strings(&fabrikam["users_to_move"]), ["fred@fabrikam.onmicrosoft.com"]);
    assert_eq!(fabrikam["seats_to_buy"], 1);
    assert_eq!(fabrikam["seats_basis"], "users");
}
