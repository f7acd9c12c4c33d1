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
