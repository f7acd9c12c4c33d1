//! `scan`: the listing in each format, lapsed subscriptions first.

use crate::util::*;

#[test]
fn table_lists_lapsed_first_then_by_end_date() {
    let w = Workdir::new();
    let out = w.run(&fixture_args("scan"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("scan_table", stdout(&out));
}

#[test]
fn csv_and_json_hold_the_same_rows() {
    let w = Workdir::new();
    let csv = stdout(&w.run(&[fixture_args("scan"), vec!["--format", "csv"]].concat()));
    let json = stdout(&w.run(&[fixture_args("scan"), vec!["--format", "json"]].concat()));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.starts_with(
        "state,end_date,days_left,customer_id,customer_name,subscription_id,offer,seats\n"
    ));
    assert_eq!(rows[0]["state"], "LAPSED");
    assert_eq!(rows[0]["subscription_id"], "a1000000-0000-4000-8000-000000000001");
    assert!(csv.lines().nth(1).unwrap().starts_with("LAPSED,2026-11-15,-16,"));
}

#[test]
fn horizon_limits_what_is_expiring() {
    let w = Workdir::new();
    let args = [fixture_args("scan"), vec!["--format", "json", "--horizon-days", "30"]].concat();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&w.run(&args))).unwrap();
    let ends: Vec<&str> = rows.iter().map(|r| r["end_date"].as_str().unwrap()).collect();
    assert_eq!(ends, ["2026-11-15", "2026-12-11"]);
}
