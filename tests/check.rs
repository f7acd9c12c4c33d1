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
