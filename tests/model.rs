//! plan.json is the plan model written out: reading it back into `plan::model` and writing it
//! again gives the same bytes (issue 11: one model, so a renamed field or variant fails here,
//! not in a customer's script).

use kaizala_migrate::plan::{Plan, PurchaseAction, SeatsBasis, UserAction};
use kaizala_migrate::render::json;

use crate::util::*;

fn round_trip(w: &Workdir, plan_json: &str) -> Plan {
    let path = w.file(plan_json);
    let plan = kaizala_migrate::scripts::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut again = Vec::new();
    json::write(&plan, &mut again).unwrap();
    assert_same_text(&w.read(plan_json), &String::from_utf8_lossy(&again));
    plan
}

#[test]
fn plan_json_reads_back_into_the_plan_model_unchanged() {
    let w = Workdir::new();
    let o = w.run(&PRICING);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = round_trip(&w, "out/plan.json");
    // The enums came back as enums: every purchase action and user action the fixture has.
    let actions: Vec<PurchaseAction> = plan.customers.iter().map(|c| c.purchase.action).collect();
    assert!(actions.contains(&PurchaseAction::Buy), "{actions:?}");
    assert!(actions.contains(&PurchaseAction::Increase), "{actions:?}");
    assert!(plan.customers.iter().any(|c| c.seats_basis == SeatsBasis::Users));
    assert!(plan
        .customers
        .iter()
        .flat_map(|c| &c.users)
        .any(|u| u.action == UserAction::RemoveOnly));
    // Prices kept their exact decimals.
    assert!(plan.customers.iter().any(|c| c.cost.delta_monthly.is_some()));

    let mut main = fixture_args("plan");
    main.extend(["--out", "main"]);
    let o = w.run(&main);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = round_trip(&w, "main/plan.json");
    assert!(plan.customers.iter().any(|c| c.seats_basis == SeatsBasis::SubscriptionSeats));
    assert!(!plan.other_kaizala_subscriptions.is_empty());
}

#[test]
fn a_plan_of_another_schema_is_refused_by_name() {
    let w = Workdir::new();
    let o = w.run(&PRICING);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = w.read("out/plan.json").replace("\"schema_version\": 1", "\"schema_version\": 2");
    w.write("other.json", text);
    let o = w.run(&["scripts", "--plan", "other.json", "--out", "s"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaizala-migrate: other.json: schema_version 2 is not supported (this version reads 1)\n"
    );
    let text = w.read("out/plan.json").replace("\"action\": \"buy\"", "\"action\": \"purchase\"");
    w.write("renamed.json", text);
    let o = w.run(&["scripts", "--plan", "renamed.json", "--out", "s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown variant `purchase`"), "{}", stderr(&o));
}
