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

/// Issue 14: the table fits the width it is given, down to 80 (the terminal's, else `COLUMNS`,
/// else 100): ids shortened first, then names cut with "…"; given room, whole ids.
#[test]
fn the_table_fits_the_terminal_width() {
    let w = Workdir::new();
    let scan = |columns: &str| {
        let out = assert_cmd::Command::cargo_bin("kaizala-migrate")
            .unwrap()
            .env_clear()
            .env("COLUMNS", columns)
            .current_dir(w.path())
            .args(fixture_args("scan"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let wide = scan("200");
    assert!(wide.contains("11111111-1111-4111-8111-111111111111"), "{wide}");
    for (columns, most) in [("100", 100), ("80", 80)] {
        let text = scan(columns);
        for line in text.lines() {
            assert!(line.chars().count() <= most, "COLUMNS={columns}: {line:?}");
        }
        assert!(text.contains("11111111…"), "{text}");
    }
    assert!(scan("80").contains("Litware I…"), "names are cut, not dropped");
}
