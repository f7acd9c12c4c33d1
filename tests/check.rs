//! `check`: mapping report and row accounting, nothing written.

use crate::util::*;

#[test]
fn check_reports_mapping_and_counts_per_file() {
    let w = Workdir::new();
    let out = w.run(&fixture_args("check"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "fixtures/subscriptions-api.csv: Partner Center subscription export (API fields) (CSV, UTF-8, ','-separated)",
        "  column B \"Id\" -> subscription_id",
        "  column G \"UnitType\" ignored",
        "fixtures/recon-legacy.csv: legacy license-based reconciliation file (CSV, UTF-8, ','-separated)",
        "  column H \"SyndicationPartnerSubscriptionNumber\" -> subscription_id",
        "  column G \"SubscriptionId\" ignored",
        "fixtures/subscriptions.xlsx[Subscriptions]: subscriptions table (workbook)",
        "fixtures/users-contoso.csv: Microsoft 365 admin center user export (CSV, UTF-8 with BOM, ','-separated)",
        "  column C \"User principal name\" -> upn",
        "all files: 30 rows read, 30 accounted for, 2 rejected",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(stderr(&out).contains("rejected: fixtures/subscriptions-api.csv:9:A (CustomerId):"));
}

/// Issue 14: counts in the summary have thousands separators.
#[test]
fn counts_in_the_summary_have_thousands_separators() {
    let w = Workdir::new();
    let mut body = String::from("CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate\n");
    for i in 0..1_200 {
        body.push_str(&format!(
            "11111111-1111-4111-8111-111111111111,s{i},Visio Plan 2,1,2027-01-01\n"
        ));
    }
    w.write("s.csv", body);
    let out = w.run(&["check", "--subscriptions", "s.csv", "--as-of", "2026-12-01"]);
    let text = stdout(&out);
    assert!(
        text.contains("  1,200 rows read = 0 used + 1,200 filtered out + 0 rejected"),
        "{text}"
    );
    assert!(text.contains("all files: 1,200 rows read, 1,200 accounted for, 0 rejected"), "{text}");
}

/// Issue 14: every sheet of a workbook whose header fits is read and accounted for, and the
/// sheets that do not fit are named.
#[test]
fn every_fitting_sheet_of_a_workbook_is_read_and_named() {
    let w = Workdir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let header = [
        "CustomerId",
        "SubscriptionId",
        "OfferName",
        "Quantity",
        "CommitmentEndDate",
        "AutoRenewEnabled",
    ];
    let tabs = [
        ("EU customers", ["11111111-1111-4111-8111-111111111111", "e1"]),
        ("US customers", ["22222222-2222-4222-8222-222222222222", "u1"]),
    ];
    for (tab, [customer, sub]) in tabs {
        let ws = wb.add_worksheet().set_name(tab).unwrap();
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for r in 1..=3u32 {
            let row = [customer, &format!("{sub}-{r}"), "Kaizala Pro", "45", "2027-02-01", "False"];
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r, c as u16, *v).unwrap();
            }
        }
    }
    wb.add_worksheet()
        .set_name("Notes")
        .unwrap()
        .write_string(0, 0, "Exported for the EU and US books")
        .unwrap();
    wb.save(w.file("book.xlsx")).unwrap();
    let out = w.run(&["check", "--subscriptions", "book.xlsx", "--as-of", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "book.xlsx[EU customers]: ",
        "book.xlsx[US customers]: ",
        "sheet \"Notes\" has no header of a subscriptions export: not read",
        "all files: 6 rows read, 6 accounted for, 0 rejected",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let out =
        w.run(&["plan", "--subscriptions", "book.xlsx", "--as-of", "2026-12-01", "--out", "o"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&w.read("o/plan.json")).unwrap();
    assert_eq!(plan["summary"]["customers"], 2);
    assert_eq!(plan["summary"]["current_seats"], 270);
}
