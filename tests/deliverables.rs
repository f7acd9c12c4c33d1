//! The account managers' deliverables: workbooks read back with calamine, runbooks, the
//! worksheet round trip.

use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::util::*;

fn run_plan(w: &Workdir, extra: &[&str]) -> std::process::Output {
    w.run(&[fixture_args("plan"), vec!["--out", "out"], extra.to_vec()].concat())
}

fn sheet(path: &std::path::Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn consolidated_workbook_holds_every_sheet_and_real_cells() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    let path = w.file("out/worksheet.xlsx");
    let wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["Customers", "Users", "Subscriptions", "Rejected", "Lists"]);
    let customers = sheet(&path, "Customers");
    assert_eq!(customers.len(), 6);
    let header: Vec<String> = customers[0].iter().map(text).collect();
    assert_eq!(header[0], "Customer ID");
    assert_eq!(header[10], "Target plan");
    assert_eq!(header[20], "Recommended target");
    let contoso = &customers[1];
    assert_eq!(text(&contoso[0]), "11111111-1111-4111-8111-111111111111");
    assert_eq!(text(&contoso[1]), "Contoso Ltd");
    match &contoso[4] {
        Data::DateTime(dt) => {
            assert_eq!(dt.to_ymd_hms_milli().0..=dt.to_ymd_hms_milli().0, 2026..=2026)
        }
        other => panic!("deadline is not a date cell: {other:?}"),
    }
    assert_eq!(contoso[5], Data::Float(-16.0));
    assert_eq!(text(&contoso[6]), "lapsed");
    assert_eq!(text(&contoso[10]), "Microsoft 365 Business Basic");
    assert_eq!(contoso[11], Data::Float(3.0));
    assert_eq!(text(&contoso[13]), "Yes");
    let litware = &customers[4];
    assert_eq!(
        text(&litware[12]),
        "increase subscription a7000000-0000-4000-8000-000000000002 from 120 to 570 seats"
    );
    let users = sheet(&path, "Users");
    assert_eq!(users.len(), 1 + 7);
    assert_eq!(text(&users[2][3]), "bob@contoso.com");
    assert_eq!(text(&users[2][5]), "remove only");
    let rejected = sheet(&path, "Rejected");
    assert_eq!(rejected.len(), 3);
    assert_eq!(rejected[1][2], Data::Float(9.0));
    let lists = sheet(&path, "Lists");
    assert_eq!(lists.len(), 16);
}

#[test]
fn per_customer_and_per_account_manager_workbooks() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    let one = sheet(&w.file("out/worksheets/northwind-school-33333333.xlsx"), "Customers");
    assert_eq!(one.len(), 2);
    assert_eq!(text(&one[1][1]), "Northwind School");
    let sven = sheet(&w.file("out/by-account-manager/sven-svensson.xlsx"), "Customers");
    let names: Vec<String> = sven.iter().skip(1).map(|r| text(&r[1])).collect();
    assert_eq!(names, ["Contoso Ltd", "Fabrikam Inc"]);
    let mut files: Vec<String> = std::fs::read_dir(w.file("out/worksheets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "contoso-ltd-11111111.xlsx",
            "customer-88888888.xlsx",
            "fabrikam-inc-22222222.xlsx",
            "litware-industries-77777777.xlsx",
            "northwind-school-33333333.xlsx"
        ]
    );
}

#[test]
fn runbooks_match_snapshots() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    insta::assert_snapshot!("runbook_contoso", w.read("out/runbooks/contoso-ltd-11111111.md"));
    insta::assert_snapshot!(
        "runbook_litware",
        w.read("out/runbooks/litware-industries-77777777.md")
    );
    insta::assert_snapshot!("runbook_index", w.read("out/runbooks/README.md"));
}

#[test]
fn every_deliverable_is_byte_identical_across_runs() {
    let w = Workdir::new();
    assert!(w.run(&[fixture_args("plan"), vec!["--out", "a"]].concat()).status.success());
    assert!(w.run(&[fixture_args("plan"), vec!["--out", "b"]].concat()).status.success());
    for f in [
        "worksheet.xlsx",
        "worksheets/contoso-ltd-11111111.xlsx",
        "by-account-manager/maria-garcia.xlsx",
        "runbooks/README.md",
        "runbooks/northwind-school-33333333.md",
    ] {
        let a = std::fs::read(w.file(&format!("a/{f}"))).unwrap();
        let b = std::fs::read(w.file(&format!("b/{f}"))).unwrap();
        assert!(a == b, "{f} differs between runs");
    }
}

/// Writes an "edited" copy of a worksheet: the Customers sheet cell for cell, with `edit`
/// applied (as Excel would save the whole file again).
fn edited_copy(
    src: &std::path::Path,
    dst: &std::path::Path,
    edit: impl Fn(usize, usize, &Data) -> Option<String>,
) {
    let rows = sheet(src, "Customers");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Customers").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r32, c16) = (r as u32, c as u16);
            if let Some(new) = edit(r, c, cell) {
                match new.parse::<f64>() {
                    Ok(n) => ws.write_number(r32, c16, n).unwrap(),
                    Err(_) => ws.write_string(r32, c16, &new).unwrap(),
                };
                continue;
            }
            match cell {
                Data::String(s) => ws.write_string(r32, c16, s).unwrap(),
                Data::Float(f) => ws.write_number(r32, c16, *f).unwrap(),
                Data::DateTime(d) => ws.write_number(r32, c16, d.as_f64()).unwrap(),
                _ => ws,
            };
        }
    }
    wb.save(dst).unwrap();
}

#[test]
fn worksheet_edits_come_back_into_the_plan() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    // Contoso (row 1): target Office 365 E3; Fabrikam (row 2): excluded; Litware (row 4): 460
    // seats and a note. Northwind's unedited row changes nothing.
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("edited.xlsx"), |r, c, _| match (r, c) {
        (1, 10) => Some("Office 365 E3".into()),
        (2, 13) => Some("No".into()),
        (4, 11) => Some("460".into()),
        (4, 19) => Some("Call the CFO first".into()),
        _ => None,
    });
    let out = w.run(
        &[fixture_args("plan"), vec!["--out", "again", "--overrides", "edited.xlsx"]].concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let after: Value = serde_json::from_str(&w.read("again/plan.json")).unwrap();
    let ids: Vec<&str> = after["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["customer_id"].as_str().unwrap()[..8])
        .collect();
    assert_eq!(ids, ["11111111", "88888888", "77777777", "33333333"]);
    let contoso = &after["customers"][0];
    assert_eq!(contoso["target"]["offer_name"], "Office 365 E3");
    assert_eq!(contoso["target"]["reason"]["code"], "worksheet");
    // Contoso already holds Office 365 E3 (4 seats, 2 assigned): a top-up less 2 spare seats.
    assert_eq!(contoso["purchase"]["action"], "increase");
    assert_eq!(contoso["purchase"]["seats"], 1);
    assert_eq!(contoso["users"][0]["assign_licence"], "Office 365 E3");
    let litware = &after["customers"][2];
    assert_eq!(litware["seats_to_buy"], 460);
    assert_eq!(litware["purchase"]["new_quantity"], 580);
    assert!(litware["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "Worksheet note: Call the CFO first"));
    assert_eq!(
        after["excluded_customers"][0]["customer_id"],
        "22222222-2222-4222-8222-222222222222"
    );
    assert_eq!(after["customers"][3], before["customers"][4], "an unedited row changed");
    assert_eq!(after["summary"]["customers"], 4);
}

#[test]
fn an_unedited_worksheet_changes_nothing() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    let out = w.run(
        &[
            fixture_args("plan"),
            vec!["--out", "again", "--overrides", "out/worksheets/contoso-ltd-11111111.xlsx"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(w.read("out/plan.json"), w.read("again/plan.json"));
}

#[test]
fn bad_worksheet_edits_are_errors_naming_sheet_row_and_column() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-target.xlsx"), |r, c, _| {
        (r == 3 && c == 10).then(|| "Visio Plan 2".into())
    });
    let out = w.run(
        &[fixture_args("plan"), vec!["--out", "x", "--overrides", "bad-target.xlsx"]].concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("kaizala-migrate: bad-target.xlsx[Customers]:4:K (Target plan): \"Visio Plan 2\" is not a supported replacement plan; supported: "),
        "{}",
        stderr(&out)
    );
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-seats.xlsx"), |r, c, _| {
        (r == 1 && c == 11).then(|| "1".into())
    });
    let out = w
        .run(&[fixture_args("plan"), vec!["--out", "x", "--overrides", "bad-seats.xlsx"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: bad-seats.xlsx[Customers]:2:L (Seats to buy): seats to buy 1 is fewer than the 3 user(s) to move need (3 after 0 spare seat(s))\n",
        &stderr(&out),
    );
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-cap.xlsx"), |r, c, _| {
        (r == 4 && c == 10).then(|| "Microsoft 365 Business Premium".into())
    });
    let out =
        w.run(&[fixture_args("plan"), vec!["--out", "x", "--overrides", "bad-cap.xlsx"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[Customers]:5:K (Target plan): Microsoft 365 Business Premium holds at most 300 seats; this customer would hold 450"), "{}", stderr(&out));
}
