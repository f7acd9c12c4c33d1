//! The refined target rules: frontline customers, --target, top-ups of an existing subscription
//! of the target plan with its spare seats, and the 300-seat Business cap.

use serde_json::Value;

use crate::util::*;

const C1: &str = "11111111-1111-4111-8111-111111111111";
const C2: &str = "22222222-2222-4222-8222-222222222222";

// Customer 1: Kaizala Pro (10 seats) and Business Basic (5 seats, 3 held by users).
// Customer 2: Kaizala Pro (40 seats), frontline column says yes.
fn subs() -> String {
    format!(
        "CustomerId,Domain,SubscriptionId,OfferName,Quantity,EndDate,AutoRenew,Status,Frontline\n\
         {C1},one.example,k1,Kaizala Pro,10,2027-01-31,false,active,no\n\
         {C1},one.example,bb1,Office 365 Business Essentials,5,2027-09-30,true,active,no\n\
         {C2},two.example,k2,Kaizala Pro,40,2027-02-28,false,active,yes\n"
    )
}

// Customer 1's users: 4 Kaizala Pro users to move; 3 users hold Business Basic already.
const USERS: &str = "User principal name,Licenses\n\
a@one.example,Microsoft Kaizala Pro\n\
b@one.example,Microsoft Kaizala Pro\n\
c@one.example,Microsoft Kaizala Pro\n\
d@one.example,Microsoft Kaizala Pro\n\
e@one.example,Microsoft 365 Business Basic\n\
f@one.example,Microsoft 365 Business Basic\n\
g@one.example,Microsoft 365 Business Basic+Visio Plan 2\n";

fn plan(w: &Workdir, extra: &[&str]) -> Value {
    w.write("s.csv", subs());
    w.write("u.csv", USERS);
    let mut args = vec![
        "plan",
        "--subscriptions",
        "s.csv",
        "--users",
        "u.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ];
    args.extend(extra);
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&w.read("out/plan.json")).unwrap()
}

#[test]
fn an_existing_subscription_of_the_target_is_topped_up_less_its_spare_seats() {
    let w = Workdir::new();
    let p = plan(&w, &[]);
    let c = &p["customers"][0];
    assert_eq!(c["customer_id"], C1);
    assert_eq!(c["target"]["offer_name"], "Microsoft 365 Business Basic");
    assert_eq!(c["seats_needed"], 4);
    let a = &c["purchase"];
    assert_eq!(a["action"], "increase");
    assert_eq!(a["subscription_id"], "bb1");
    assert_eq!(a["spare_seats"], 2);
    assert_eq!(a["seats"], 2);
    assert_eq!(a["new_quantity"], 7);
    assert_eq!(c["seats_to_buy"], 2);
}

#[test]
fn frontline_customers_get_f3() {
    let w = Workdir::new();
    let p = plan(&w, &[]);
    let c = &p["customers"][1];
    assert_eq!(c["customer_id"], C2);
    assert_eq!(c["frontline"], true);
    assert_eq!(c["target"]["offer_name"], "Office 365 F3");
    assert_eq!(c["target"]["reason"]["source"], "frontline column");
    let p = plan(&w, &["--frontline", C1]);
    assert_eq!(p["customers"][0]["target"]["offer_name"], "Office 365 F3");
    assert_eq!(p["customers"][0]["target"]["reason"]["source"], "--frontline");
    assert_eq!(p["customers"][0]["purchase"]["action"], "buy");
    assert_eq!(p["customers"][0]["seats_to_buy"], 4);
}

#[test]
fn forced_target_applies_to_all_but_never_a_business_plan_above_300() {
    let w = Workdir::new();
    let p = plan(&w, &["--target", "office 365 e3"]);
    for c in p["customers"].as_array().unwrap() {
        assert_eq!(c["target"]["offer_name"], "Office 365 E3");
        assert_eq!(c["target"]["reason"]["code"], "forced");
    }
    w.write("s.csv", subs().replace(",40,", ",400,"));
    let out = w.run(&[
        "plan",
        "--subscriptions",
        "s.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out2",
        "--target",
        "Microsoft 365 Business Premium",
    ]);
    assert!(out.status.success());
    let p: Value = serde_json::from_str(&w.read("out2/plan.json")).unwrap();
    let big = &p["customers"][1];
    assert_eq!(big["target"]["offer_name"], "Office 365 E1");
    assert_eq!(big["target"]["reason"]["code"], "business_cap_exceeded");
    assert_eq!(p["customers"][0]["target"]["offer_name"], "Microsoft 365 Business Premium");
}

#[test]
fn an_unsupported_target_is_refused_with_the_list() {
    let w = Workdir::new();
    w.write("s.csv", subs());
    let out =
        w.run(&["plan", "--subscriptions", "s.csv", "--target", "Visio Plan 2", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!w.file("out").exists(), "nothing is written");
    assert!(
        stderr(&out).starts_with("kaizala-migrate: \"Visio Plan 2\" is not a supported replacement plan; supported: Microsoft 365 Business Basic, "),
        "{}",
        stderr(&out)
    );
}
