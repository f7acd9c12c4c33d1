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
    let header = &customers[0];
    assert_eq!(text(&header[0]), "Customer ID", "the customer id is the first column");
    let at = |name: &str| col(header, name);
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
    assert_eq!(text(&contoso[at("Target plan")]), "Microsoft 365 Business Basic");
    assert_eq!(contoso[at("Seats to buy")], Data::Float(3.0));
    assert_eq!(text(&contoso[at("Term")]), "1 year");
    assert_eq!(text(&contoso[at("Billing")]), "monthly");
    assert_eq!(text(&contoso[at("Include")]), "Yes");
    assert_eq!(text(&contoso[at("Recommended target")]), "Microsoft 365 Business Basic");
    let litware = &customers[4];
    assert_eq!(text(&litware[at("Term")]), "", "a top-up keeps its subscription's term");
    assert_eq!(
        text(&litware[at("Step A")]),
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

/// Writes an "edited" copy of a worksheet: every sheet cell for cell, with `edit` applied
/// (as Excel would save the whole file again). `edit` gets the sheet, the row (0 is the
/// header) and the column's header.
pub fn edited_copy(
    src: &std::path::Path,
    dst: &std::path::Path,
    edit: impl Fn(&str, usize, &str, &Data) -> Option<String>,
) {
    let names = {
        let wb: Xlsx<_> = open_workbook(src).unwrap();
        wb.sheet_names()
    };
    let mut wb = Workbook::new();
    for name in names {
        let rows = sheet(src, &name);
        let header: Vec<String> =
            rows.first().map(|r| r.iter().map(text).collect()).unwrap_or_default();
        let ws = wb.add_worksheet().set_name(&name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r32, c16) = (r as u32, c as u16);
                if let Some(new) = edit(&name, r, &header[c], cell) {
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
    }
    wb.save(dst).unwrap();
}

/// The index of a column by its header.
fn col(header: &[Data], name: &str) -> usize {
    header.iter().position(|h| text(h) == name).unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn worksheet_edits_come_back_into_the_plan() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    // Contoso (row 1): target Office 365 E3; Fabrikam (row 2): excluded; Litware (row 4): 460
    // seats and a note. Northwind's unedited row changes nothing.
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("edited.xlsx"), |sheet, r, c, _| {
        match (sheet, r, c) {
            ("Customers", 1, "Target plan") => Some("Office 365 E3".into()),
            ("Customers", 2, "Include") => Some("No".into()),
            ("Customers", 4, "Seats to buy") => Some("460".into()),
            ("Customers", 4, "Notes") => Some("Call the CFO first".into()),
            _ => None,
        }
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
    assert_eq!(litware["worksheet_notes"], "Call the CFO first");
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
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-target.xlsx"), |s, r, c, _| {
        (s == "Customers" && r == 3 && c == "Target plan").then(|| "Visio Plan 2".into())
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
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-seats.xlsx"), |s, r, c, _| {
        (s == "Customers" && r == 1 && c == "Seats to buy").then(|| "1".into())
    });
    let out = w
        .run(&[fixture_args("plan"), vec!["--out", "x", "--overrides", "bad-seats.xlsx"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: bad-seats.xlsx[Customers]:2:L (Seats to buy): seats to buy 1 is fewer than the 3 user(s) to move need (3 after 0 spare seat(s))\n",
        &stderr(&out),
    );
    edited_copy(&w.file("out/worksheet.xlsx"), &w.file("bad-cap.xlsx"), |s, r, c, _| {
        (s == "Customers" && r == 4 && c == "Target plan")
            .then(|| "Microsoft 365 Business Premium".into())
    });
    let out =
        w.run(&[fixture_args("plan"), vec!["--out", "x", "--overrides", "bad-cap.xlsx"]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[Customers]:5:K (Target plan): Microsoft 365 Business Premium holds at most 300 seats; this customer would hold 450"), "{}", stderr(&out));
}

/// The row (0 is the header) of a sheet whose cell under `header` is `value`.
fn row_of(path: &std::path::Path, sheet_name: &str, header: &str, value: &str) -> usize {
    let rows = sheet(path, sheet_name);
    let c = col(&rows[0], header);
    rows.iter().position(|r| text(&r[c]) == value).unwrap_or_else(|| panic!("no {value}"))
}

#[test]
fn everything_set_in_a_workbook_survives_the_round_trip() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    let src = w.file("out/worksheet.xlsx");
    let contoso = row_of(&src, "Customers", "Customer", "Contoso Ltd");
    let fabrikam = row_of(&src, "Customers", "Customer", "Fabrikam Inc");
    let alice = row_of(&src, "Users", "User principal name", "alice@contoso.com");
    edited_copy(&src, &w.file("edited.xlsx"), |sheet, r, c, _| {
        let set = |v: &str| Some(v.to_string());
        match (sheet, c) {
            ("Customers", "A: buy") if r == contoso => set("Done"),
            ("Customers", "B: move users") if r == contoso => set("In progress"),
            ("Customers", "Term") if r == contoso => set("3 years"),
            ("Customers", "Billing") if r == contoso => set("annual"),
            ("Customers", "Notes") if r == contoso => set("Order approved by Anna"),
            ("Customers", "Include") if r == fabrikam => set("No"),
            ("Customers", "Notes") if r == fabrikam => set("Moves to another partner"),
            ("Users", "Status") if r == alice => set("Done"),
            _ => None,
        }
    });
    let again =
        [fixture_args("plan"), vec!["--out", "again", "--overrides", "edited.xlsx"]].concat();
    let o = w.run(&again);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // Into plan.json.
    let plan: Value = serde_json::from_str(&w.read("again/plan.json")).unwrap();
    let c = &plan["customers"][0];
    assert_eq!(c["customer_name"], "Contoso Ltd");
    assert_eq!(c["steps"]["buy"], "done");
    assert_eq!(c["steps"]["move_users"], "in_progress");
    assert_eq!(c["steps"]["suspend"], "to_do");
    assert_eq!(c["purchase"]["term"], "P3Y");
    assert_eq!(c["purchase"]["billing"], "annual");
    assert_eq!(c["purchase"]["terms_source"], "worksheet");
    assert_eq!(c["worksheet_notes"], "Order approved by Anna");
    let users = c["users"].as_array().unwrap();
    let status = |upn: &str| users.iter().find(|u| u["upn"] == upn).unwrap()["status"].clone();
    assert_eq!(status("alice@contoso.com"), "done");
    assert_eq!(status("bob@contoso.com"), "to_do");
    let excluded = &plan["excluded_customers"][0];
    assert_eq!(excluded["customer_name"], "Fabrikam Inc");
    assert_eq!(excluded["plan"]["worksheet_notes"], "Moves to another partner");
    // The cost line and the runbook say the same term and billing.
    let target_line = c["cost"]["lines"].as_array().unwrap().iter().find(|l| l["side"] == "target");
    assert_eq!(target_line.unwrap()["term"], "P3Y");
    assert_eq!(target_line.unwrap()["billing"], "annual");
    let runbook = w.read("again/runbooks/contoso-ltd-11111111.md");
    assert!(runbook.contains("term and billing **3 years, billed annual**"), "{runbook}");
    assert!(runbook.contains("Status in the worksheet: **Done**."), "{runbook}");
    assert!(runbook.contains("- [x] alice@contoso.com"), "{runbook}");
    assert!(runbook.contains("- Worksheet note: Order approved by Anna"), "{runbook}");

    // Into the next workbooks, the excluded customer's row included.
    let next = w.file("again/worksheet.xlsx");
    let rows = sheet(&next, "Customers");
    let at = |name: &str| col(&rows[0], name);
    let row = |name: &str| rows.iter().find(|r| text(&r[1]) == name).unwrap().clone();
    let contoso_row = row("Contoso Ltd");
    for (column, want) in [
        ("A: buy", "Done"),
        ("B: move users", "In progress"),
        ("C: suspend", "To do"),
        ("Term", "3 years"),
        ("Billing", "annual"),
        ("Recommended term", "1 year"),
        ("Recommended billing", "monthly"),
        ("Notes", "Order approved by Anna"),
        ("Include", "Yes"),
    ] {
        assert_eq!(text(&contoso_row[at(column)]), want, "{column}");
    }
    let fabrikam_row = row("Fabrikam Inc");
    assert_eq!(text(&fabrikam_row[at("Include")]), "No");
    assert_eq!(text(&fabrikam_row[at("Notes")]), "Moves to another partner");
    let alice_row = row_of(&next, "Users", "User principal name", "alice@contoso.com");
    let users_sheet = sheet(&next, "Users");
    assert_eq!(text(&users_sheet[alice_row][col(&users_sheet[0], "Status")]), "Done");
    assert!(w.file("again/worksheets/fabrikam-inc-22222222.xlsx").exists());
    assert!(!w.file("again/runbooks/fabrikam-inc-22222222.md").exists());

    // Handed back unedited, the next workbook gives the same plan.
    let third =
        [fixture_args("plan"), vec!["--out", "third", "--overrides", "again/worksheet.xlsx"]]
            .concat();
    let o = w.run(&third);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let third: Value = serde_json::from_str(&w.read("third/plan.json")).unwrap();
    assert!(third["customers"] == plan["customers"], "the plan changed on an unedited round trip");
    assert!(
        third["excluded_customers"][0]["plan"] == plan["excluded_customers"][0]["plan"],
        "the excluded customer changed"
    );
    let per_customer = [
        fixture_args("plan"),
        vec!["--out", "fourth", "--overrides", "again/worksheets/contoso-ltd-11111111.xlsx"],
    ]
    .concat();
    let o = w.run(&per_customer);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fourth: Value = serde_json::from_str(&w.read("fourth/plan.json")).unwrap();
    assert!(fourth["customers"][0] == plan["customers"][0], "a per-customer workbook lost edits");

    // `status` puts the results beside the worksheet's statuses and names where they differ.
    w.write(
        "results.csv",
        "time,customer_id,step,target,outcome,http_status,request_id\n2026-12-02T10:00:00Z,11111111-1111-4111-8111-111111111111,A,Microsoft 365 Business Basic,done,201,r1\n2026-12-02T10:01:00Z,11111111-1111-4111-8111-111111111111,B,alice@contoso.com,done,200,r2\n2026-12-02T10:02:00Z,11111111-1111-4111-8111-111111111111,B,carol@contoso.onmicrosoft.com,done,200,r3\n",
    );
    let o = w.run(&["status", "--plan", "again/plan.json", "--results", "results.csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let contoso_block: String = report
        .lines()
        .skip_while(|l| !l.starts_with("Contoso"))
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    // A: done in both; B: in progress in both; carol is done by the results only.
    assert!(
        contoso_block.contains("  A (buy Microsoft 365 Business Basic): done\n"),
        "{contoso_block}"
    );
    assert!(contoso_block.contains("not started\n"), "{contoso_block}");
    assert!(
        contoso_block.contains(
            "the worksheet marks otherwise: carol@contoso.onmicrosoft.com (results: Done; worksheet: To do)"
        ),
        "{contoso_block}"
    );
    assert!(!contoso_block.contains("alice@contoso.com (results"), "{contoso_block}");
    // Without the worksheet's marks, the same results disagree with it on step A.
    let o = w.run(&["status", "--plan", "out/plan.json", "--results", "results.csv"]);
    assert!(
        stdout(&o).contains("  A (buy Microsoft 365 Business Basic): done (results: Done; the worksheet says To do)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bad_statuses_terms_and_billings_are_errors_at_their_cells() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    let src = w.file("out/worksheet.xlsx");
    let litware = row_of(&src, "Customers", "Customer", "Litware Industries");
    let contoso = row_of(&src, "Customers", "Customer", "Contoso Ltd");
    for (name, row, column, value, want) in [
        ("status", contoso, "A: buy", "Finished", "\"Finished\" is not a status (To do, In progress, Done, Not needed)"),
        ("term", contoso, "Term", "2 years", "\"2 years\" is not a term a subscription can be bought for"),
        ("combo", contoso, "Billing", "triennial", "a 1 year term cannot be billed triennial"),
        ("topup", litware, "Term", "3 years", "step A adds seats to subscription a7000000-0000-4000-8000-000000000002, which keeps its own term and billing"),
    ] {
        let file = format!("{name}.xlsx");
        edited_copy(&src, &w.file(&file), |sheet, r, c, _| {
            (sheet == "Customers" && r == row && c == column).then(|| value.to_string())
        });
        let o = w.run(&[fixture_args("plan"), vec!["--out", "x", "--overrides", &file]].concat());
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = stderr(&o);
        let cell = format!("{file}[Customers]:{}:", row + 1);
        assert!(err.contains(&cell) && err.contains(&format!("({column}): {want}")), "{name}: {err}");
    }
}

#[test]
fn plan_stops_before_overwriting_edited_workbooks_and_names_the_cells() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    // An unedited folder is written again without a word.
    assert!(run_plan(&w, &[]).status.success());
    let book = w.file("out/worksheet.xlsx");
    let contoso = row_of(&book, "Customers", "Customer", "Contoso Ltd");
    let fabrikam = row_of(&book, "Customers", "Customer", "Fabrikam Inc");
    edited_copy(&book, &book, |sheet, r, c, _| match (sheet, c) {
        ("Customers", "Target plan") if r == contoso => Some("Office 365 E3".into()),
        ("Customers", "Include") if r == fabrikam => Some("No".into()),
        _ => None,
    });
    let one = w.file("out/worksheets/litware-industries-77777777.xlsx");
    edited_copy(&one, &one, |sheet, r, c, _| {
        (sheet == "Customers" && r == 1 && c == "C: suspend").then(|| "Done".into())
    });
    let edited = std::fs::read(&book).unwrap();
    let o = run_plan(&w, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for cell in [
        "out/worksheet.xlsx[Customers]:2:K (Target plan): target plan \"Office 365 E3\"",
        "out/worksheet.xlsx[Customers]:3:Q (Include): Include = No",
        "out/worksheets/litware-industries-77777777.xlsx[Customers]:2:T (C: suspend): status Done",
        "--overrides FILE",
        "--force",
    ] {
        assert!(err.contains(cell), "{cell} missing in: {err}");
    }
    assert!(std::fs::read(&book).unwrap() == edited, "the edited workbook was touched");

    // Handed back, the consolidated workbook's edits are kept; the per-customer one still
    // holds an edit this run would lose.
    let o = run_plan(&w, &["--overrides", "out/worksheet.xlsx"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("out/worksheet.xlsx[Customers]"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("litware-industries-77777777.xlsx[Customers]:2:T"),
        "{}",
        stderr(&o)
    );

    // A workbook saved over in another format cannot tell: the run stops too.
    w.write("out/worksheets/contoso-ltd-11111111.xlsx", "Customer ID,Target plan\n");
    let o = run_plan(&w, &["--overrides", "out/worksheet.xlsx"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("out/worksheets/contoso-ltd-11111111.xlsx: not a workbook: ")
            && stderr(&o).contains("(so whether it holds edits cannot be told)"),
        "{}",
        stderr(&o)
    );

    // --force overwrites them.
    let o = run_plan(&w, &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::read(&book).unwrap() != edited);
    assert!(run_plan(&w, &[]).status.success(), "a forced run leaves no edits behind");
}

/// Issue 14: the term and billing chosen in the worksheet are the ones priced, written in the
/// runbook and bought by the scripts.
#[test]
fn term_and_billing_chosen_in_the_worksheet_are_priced_shown_and_bought() {
    let w = Workdir::new();
    let o = w.run(&PRICING);
    assert!(o.status.success(), "{}", stderr(&o));
    let before: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let boston = |p: &Value| {
        p["customers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["customer_name"] == "Boston Corp")
            .unwrap()
            .clone()
    };
    assert_eq!(boston(&before)["purchase"]["term"], "P1Y");
    assert_eq!(boston(&before)["purchase"]["billing"], "monthly");
    let src = w.file("out/worksheet.xlsx");
    let row = row_of(&src, "Customers", "Customer", "Boston Corp");
    edited_copy(&src, &w.file("edited.xlsx"), |sheet, r, c, _| match (sheet, c) {
        ("Customers", "Term") if r == row => Some("1 month".into()),
        _ => None,
    });
    let mut args = PRICING.to_vec();
    args.extend(["--overrides", "edited.xlsx", "--force"]);
    let o = w.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let after: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let c = boston(&after);
    assert_eq!(c["purchase"]["term"], "P1M");
    assert_eq!(c["purchase"]["billing"], "monthly");
    let line = c["cost"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["side"] == "target")
        .unwrap()
        .clone();
    assert_eq!((line["term"].as_str(), line["billing"].as_str()), (Some("P1M"), Some("monthly")));
    assert_eq!(line["unit_price"], "8.64", "priced at the one-month row");
    let runbook = w.read("out/runbooks/boston-corp-b2b2b2b2.md");
    assert!(runbook.contains("term and billing **1 month, billed monthly**"), "{runbook}");
    let o = w.run(&["scripts", "--plan", "out/plan.json", "--out", "s", "--format", "bash"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = w.read("s/bash/boston-corp-b2b2b2b2.sh");
    assert!(script.contains("PURCHASE_TERMS=('P1M')\nPURCHASE_BILLINGS=('monthly')"), "{script}");
}

/// The text of one part of an XLSX.
fn part(path: &std::path::Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
    text
}

/// Issue 14: workbooks print legibly: landscape at 75% (not shrunk to one page wide), the
/// header row (and the customer's name) on every page, long text wrapped in rows tall enough
/// for it; the cost report's print style lets no table be cut off or scroll.
#[test]
fn workbooks_and_the_report_print_legibly() {
    let w = Workdir::new();
    assert!(run_plan(&w, &[]).status.success());
    for book in ["out/worksheet.xlsx", "out/worksheets/contoso-ltd-11111111.xlsx"] {
        let path = w.file(book);
        let workbook = part(&path, "xl/workbook.xml");
        for (i, sheet) in ["Customers", "Users", "Subscriptions"].iter().enumerate() {
            let xml = part(&path, &format!("xl/worksheets/sheet{}.xml", i + 1));
            let setup = xml.split("<pageSetup ").nth(1).unwrap().split("/>").next().unwrap();
            let scale: u32 =
                setup.split("scale=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            assert!(scale >= 70, "{book} {sheet}: printed at {scale}%");
            assert!(setup.contains("orientation=\"landscape\""), "{book} {sheet}: {setup}");
            assert!(!xml.contains("fitToPage"), "{book} {sheet} is shrunk to fit a page");
            assert!(
                workbook.contains(&format!("{sheet}!$1:$1</definedName>")),
                "{book} {sheet}: header not repeated"
            );
        }
        // Contoso's row holds its two alternatives: a row tall enough for the wrapped text.
        let customers = part(&path, "xl/worksheets/sheet1.xml");
        let row2 = customers.split("<row r=\"2\"").nth(1).unwrap().split('>').next().unwrap();
        assert!(
            row2.contains("customHeight=\"1\""),
            "{book}: row 2 keeps the default height: {row2}"
        );
        assert!(part(&path, "xl/styles.xml").contains("wrapText=\"1\""));
    }
    let html = w.read("out/cost-report.html");
    let print = html.split("@media print{").nth(1).unwrap();
    assert!(print.contains(".scroll{overflow:visible}"), "tables scroll when printed");
    assert!(print.contains("table{width:100%"), "{print}");
}
