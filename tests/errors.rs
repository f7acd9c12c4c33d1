//! Every error path: the message names the file, row and column, and the exit code is right.

use crate::util::*;

const HEADER: &str =
    "CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n";
const C1: &str = "11111111-1111-4111-8111-111111111111";
const C2: &str = "22222222-2222-4222-8222-222222222222";
const C3: &str = "33333333-3333-4333-8333-333333333333";

/// `plan` on s.csv and u.csv into out/.
fn plan_with_users(w: &Workdir) -> std::process::Output {
    let args = ["--subscriptions", "s.csv", "--users", "u.csv", "--as-of", "2026-12-01"];
    w.run(&[&["plan"][..], &args, &["--out", "out"]].concat())
}

fn run_subs(w: &Workdir, name: &str, body: &str, extra: &[&str]) -> std::process::Output {
    w.write(name, body);
    let mut args = vec!["plan", "--subscriptions", name, "--as-of", "2026-12-01", "--out", "out"];
    args.extend(extra);
    w.run(&args)
}

#[test]
fn missing_required_column_stops_with_found_and_accepted_names() {
    let w = Workdir::new();
    let out = run_subs(&w, "s.csv", "CustomerId,SubscriptionId,OfferName,Quantity\nx,y,z,1\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("kaizala-migrate: s.csv:1: missing required column(s) end_date; columns found: \"CustomerId\", \"SubscriptionId\", \"OfferName\", \"Quantity\"; accepted names: end_date: CommitmentEndDate | CommitmentEndDateTime |"),
        "{err}"
    );
}

#[test]
fn a_file_with_no_recognisable_header_is_refused() {
    let w = Workdir::new();
    let out = run_subs(&w, "s.csv", "a,b,c\n1,2,3\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("kaizala-migrate: s.csv: no header row of a subscriptions export found in the first 2 rows; a header needs a subscription_id column"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let w = Workdir::new();
    let out = w.run(&["scan", "--subscriptions", "nope.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("kaizala-migrate: nope.csv: cannot read: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ambiguous_day_month_order_is_refused_naming_the_column_and_the_option() {
    let w = Workdir::new();
    let body = format!("{HEADER}{C1},s1,Kaizala Pro,3,1/2/2027,False,Active\n");
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: s.csv:E (CommitmentEndDate): dates such as \"1/2/2027\" could be day/month or month/day and no value in the column decides it; run again with --date-order dmy or --date-order mdy\n",
        &stderr(&out),
    );
    let out = run_subs(&w, "s.csv", &body, &["--date-order", "dmy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(w.read("out/plan.json").contains("\"deadline\": \"2027-02-01\""));
}

#[test]
fn a_column_mixing_day_month_and_month_day_is_refused() {
    let w = Workdir::new();
    let body = format!(
        "{HEADER}{C1},s1,Kaizala Pro,3,13/1/2027,False,Active\n{C1},s2,Kaizala Pro,3,1/13/2027,False,Active\n"
    );
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: s.csv:E (CommitmentEndDate): the column mixes day/month (13/1/2027) and month/day (1/13/2027) dates\n",
        &stderr(&out),
    );
}

#[test]
fn bad_values_reject_their_row_naming_file_row_and_column() {
    let w = Workdir::new();
    let body = format!(
        "{HEADER}\
         {C1},s1,Kaizala Pro,ten,2027-01-01,False,Active\n\
         {C1},s2,Kaizala Pro,3,soon,False,Active\n\
         {C1},s3,Kaizala Pro,3,2027-01-01,maybe,Active\n\
         {C1},s4,Kaizala Pro,3,2027-01-01,False,Sleeping\n\
         {C1},,Kaizala Pro,3,2027-01-01,False,Active\n\
         {C1},s6,,3,2027-01-01,False,Active\n\
         {C1},s7,Kaizala Pro,2.5,2027-01-01,False,Active\n\
         {C1},s8,Kaizala Pro,3,2027-01-01,False,Active\n\
         {C1},s8,Kaizala Pro,3,2027-02-01,False,Active\n"
    );
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_same_text(
        "rejected: s.csv:2:D (Quantity): \"ten\" is not a whole number of seats\n\
         rejected: s.csv:3:E (CommitmentEndDate): \"soon\" is not a date\n\
         rejected: s.csv:4:F (AutoRenewEnabled): \"maybe\" is not a yes/no value\n\
         rejected: s.csv:5:G (Status): \"Sleeping\" is not a subscription status (active, suspended, deleted, expired, disabled, pending)\n\
         rejected: s.csv:6:B (SubscriptionId): empty, but the value is required\n\
         rejected: s.csv:7:C (OfferName): no offer name or offer id\n\
         rejected: s.csv:8:D (Quantity): \"2.5\" is not a whole number of seats\n\
         rejected: s.csv:10:E (CommitmentEndDate): subscription s8 conflicts with s.csv:9: end_date 2027-01-01 there, 2027-02-01 here\n",
        &stderr(&out),
    );
    assert!(
        stdout(&out).contains("  9 rows read = 1 used + 0 filtered out + 8 rejected"),
        "{}",
        stdout(&out)
    );
    let strict = run_subs(&w, "s.csv", &body, &["--strict"]);
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn users_file_errors_name_their_place() {
    let w = Workdir::new();
    w.write(
        "u.csv",
        "User principal name,Licenses\n,Microsoft Kaizala Pro\nnot-an-address,Microsoft Kaizala Pro\n",
    );
    let out = w.run(&[
        "plan",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "--users",
        "u.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ]);
    let err = stderr(&out);
    assert!(err.contains("rejected: u.csv:2:A (User principal name): empty, but the user principal name is required\n"), "{err}");
    assert!(err.contains("rejected: u.csv:3:A (User principal name): \"not-an-address\" is not a user principal name (no @domain)\n"), "{err}");
}

#[test]
fn users_customer_suffix_must_be_a_tenant_id() {
    let w = Workdir::new();
    let out = w.run(&[
        "scan",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "--users",
        "fixtures/users-contoso.csv=contoso",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: fixtures/users-contoso.csv=contoso: the customer after '=' must be a customer tenant id (a GUID)\n",
        &stderr(&out),
    );
}

#[test]
fn a_missing_sheet_lists_the_sheets() {
    let w = Workdir::new();
    let out = w.run(&["scan", "--subscriptions", "fixtures/subscriptions.xlsx#Nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_same_text(
        "kaizala-migrate: fixtures/subscriptions.xlsx: no sheet named \"Nope\"; sheets: Read me, Subscriptions\n",
        &stderr(&out),
    );
}

#[test]
fn a_named_sheet_in_a_text_file_is_a_usage_error() {
    let w = Workdir::new();
    let out = w.run(&["scan", "--subscriptions", "fixtures/subscriptions-api.csv#Sheet1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a sheet was named with '#' but the file is not a workbook"));
}

#[test]
fn a_broken_workbook_is_refused_not_a_panic() {
    let w = Workdir::new();
    w.write("broken.xlsx", b"PK\x03\x04this is not really a zip file");
    let out = w.run(&["scan", "--subscriptions", "broken.xlsx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("kaizala-migrate: broken.xlsx: not a readable workbook:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let w = Workdir::new();
    let out = w.run(&[
        "scan",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "--as-of",
        "1/12/2026",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a date of the form YYYY-MM-DD"));
}

#[test]
fn bad_amounts_reject_their_row() {
    let w = Workdir::new();
    let body = format!(
        "CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate,UnitPrice\n\
         {C1},s1,Kaizala Pro,3,2027-01-01,\"1,234\"\n\
         {C1},s2,Kaizala Pro,3,2027-01-01,cheap\n"
    );
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_same_text(
        "rejected: s.csv:2:F (UnitPrice): \"1,234\" could be a thousands group or a fraction, and no other value in the column decides it\n\
         rejected: s.csv:3:F (UnitPrice): \"cheap\" is not an amount\n",
        &stderr(&out),
    );
}

#[test]
fn the_same_user_with_other_licences_in_another_file_is_rejected_naming_both() {
    let w = Workdir::new();
    w.write("u1.csv", "User principal name,Licenses\nAlice@Contoso.com,Microsoft Kaizala Pro\n");
    w.write(
        "u2.csv",
        "User principal name,Licenses\nalice@contoso.com,Microsoft Kaizala Pro+Office 365 E3\n",
    );
    let out = w.run(&[
        "plan",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "fixtures/subscriptions.xlsx",
        "--users",
        "u1.csv",
        "u2.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ]);
    assert!(
        stderr(&out).contains("rejected: u2.csv:2:B (Licenses): user alice@contoso.com conflicts with u1.csv:2: licences \"Microsoft Kaizala Pro\" there, \"Microsoft Kaizala Pro+Office 365 E3\" here\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_output_that_cannot_be_written_is_exit_code_1() {
    let w = Workdir::new();
    w.write("taken", "a file where the output folder should go");
    let out =
        w.run(&["plan", "--subscriptions", "fixtures/subscriptions-api.csv", "--out", "taken"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("kaizala-migrate: taken: cannot write: "), "{}", stderr(&out));
}

/// Issue 13: a quantity is a whole number in its whole cell, and at most 10,000,000 seats.
#[test]
fn quantities_are_whole_numbers_in_their_whole_cell_within_a_limit() {
    let w = Workdir::new();
    let body = format!(
        "{HEADER}\
         {C1},s1,Kaizala Pro,x5,2027-01-01,False,Active\n\
         {C1},s2,Kaizala Pro,5 seats,2027-01-01,False,Active\n\
         {C1},s3,Kaizala Pro,1e1,2027-01-01,False,Active\n\
         {C1},s4,Kaizala Pro,1e308,2027-01-01,False,Active\n\
         {C1},s5,Kaizala Pro,18446744073709551615,2027-01-01,False,Active\n\
         {C1},s6,Kaizala Pro,9223372036854775807,2027-01-01,False,Active\n\
         {C1},s7,Kaizala Pro,\"10,000,001\",2027-01-01,False,Active\n\
         {C1},s8,Kaizala Pro,-3,2027-01-01,False,Active\n\
         {C1},s9,Kaizala Pro,\"1,234\",2027-01-01,False,Active\n\
         {C1},s10,Kaizala Pro,12.0,2027-01-01,False,Active\n\
         {C1},s11,Kaizala Pro,+7,2027-01-01,False,Active\n\
         {C1},s12,Kaizala Pro,10000000,2027-01-01,False,Active\n"
    );
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_same_text(
        "rejected: s.csv:2:D (Quantity): \"x5\" is not a whole number of seats\n\
         rejected: s.csv:3:D (Quantity): \"5 seats\" is not a whole number of seats\n\
         rejected: s.csv:4:D (Quantity): \"1e1\" is not a whole number of seats\n\
         rejected: s.csv:5:D (Quantity): \"1e308\" is not a whole number of seats\n\
         rejected: s.csv:6:D (Quantity): \"18446744073709551615\" seats is more than the 10000000 one line may hold\n\
         rejected: s.csv:7:D (Quantity): \"9223372036854775807\" seats is more than the 10000000 one line may hold\n\
         rejected: s.csv:8:D (Quantity): \"10,000,001\" seats is more than the 10000000 one line may hold\n\
         rejected: s.csv:9:D (Quantity): \"-3\" is not a whole number of seats\n",
        &stderr(&out),
    );
    let plan: serde_json::Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let mut seats: Vec<u64> = plan["customers"][0]["expiring_subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["quantity"].as_u64().unwrap())
        .collect();
    seats.sort_unstable();
    assert_eq!(seats, [7, 12, 1234, 10_000_000]);
}

/// Issue 13: dates are within what every output can hold (1900-01-01 to 9999-12-31): others
/// reject their row, and `--as-of` outside it is a usage error, before anything is written.
#[test]
fn dates_outside_what_outputs_hold_are_rejected_or_refused() {
    let w = Workdir::new();
    let body = format!(
        "{HEADER}\
         {C1},s1,Kaizala Pro,3,0001-01-01,False,Active\n\
         {C1},s2,Kaizala Pro,3,0000-06-30,False,Active\n\
         {C1},s3,Kaizala Pro,3,1899-12-31,False,Active\n\
         {C1},s4,Kaizala Pro,3,2027-01-01,False,Active\n"
    );
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_same_text(
        "rejected: s.csv:2:E (CommitmentEndDate): 0001-01-01 is outside the dates every output can hold (1900-01-01 to 9999-12-31)\n\
         rejected: s.csv:3:E (CommitmentEndDate): 0000-06-30 is outside the dates every output can hold (1900-01-01 to 9999-12-31)\n\
         rejected: s.csv:4:E (CommitmentEndDate): 1899-12-31 is outside the dates every output can hold (1900-01-01 to 9999-12-31)\n",
        &stderr(&out),
    );
    assert!(w.file("out/worksheet.xlsx").exists());
    for as_of in ["0000-01-01", "1899-12-31", "+10000-01-01"] {
        let w = Workdir::new();
        w.write("s.csv", &body);
        let args = ["plan", "--subscriptions", "s.csv", "--as-of", as_of, "--out", "out"];
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(2), "{as_of}: {}", stderr(&out));
        assert!(stderr(&out).contains("--as-of"), "{}", stderr(&out));
        assert!(!w.file("out").exists(), "{as_of}: an output folder was started");
    }
    let out = w.run(&["check", "--subscriptions", "s.csv", "--as-of", "9999-12-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--horizon-days 365 is too far"), "{}", stderr(&out));
}

/// Issue 13: records ending in a bare CR (Excel's "CSV (Macintosh)"), or a stray CR inside a
/// line, are numbered as a spreadsheet shows them.
#[test]
fn rows_are_numbered_as_a_spreadsheet_shows_them_for_every_line_end() {
    let rows = [
        format!("{C1},s1,Kaizala Pro,ten,2027-01-01,False,Active"),
        format!("{C1},s2,Kaizala Pro,3,soon,False,Active"),
        format!("{C1},s3,Kaizala Pro,3,2027-01-01,maybe,Active"),
    ];
    let want = "rejected: s.csv:2:D (Quantity): \"ten\" is not a whole number of seats\n\
                rejected: s.csv:3:E (CommitmentEndDate): \"soon\" is not a date\n\
                rejected: s.csv:4:F (AutoRenewEnabled): \"maybe\" is not a yes/no value\n";
    for end in ["\r", "\n", "\r\n"] {
        let w = Workdir::new();
        let body = format!("{}{end}{}{end}", HEADER.trim_end(), rows.join(end));
        let out = run_subs(&w, "s.csv", &body, &[]);
        assert_eq!(out.status.code(), Some(0), "{end:?}: {}", stderr(&out));
        assert_same_text(want, &stderr(&out));
    }
    // Mixed, with a blank line of each kind: rows 2, 4 and 6.
    let w = Workdir::new();
    let body = format!("{}\r{}\r\n\r{}\n\n{}", HEADER.trim_end(), rows[0], rows[1], rows[2]);
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_same_text(
        "rejected: s.csv:2:D (Quantity): \"ten\" is not a whole number of seats\n\
         rejected: s.csv:4:E (CommitmentEndDate): \"soon\" is not a date\n\
         rejected: s.csv:6:F (AutoRenewEnabled): \"maybe\" is not a yes/no value\n",
        &stderr(&out),
    );
}

/// Issue 13: a record that never ends is refused with its row, not held in memory.
#[test]
fn a_line_longer_than_any_export_is_refused_with_its_row() {
    let w = Workdir::new();
    let mut body = format!("{HEADER}{C1},s1,Kaizala Pro,3,2027-01-01,False,Active\n");
    body.push_str(&",".repeat(5 << 20));
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("s.csv: cannot read: row 3: a record longer than 4 MiB"),
        "{}",
        stderr(&out)
    );
    assert!(!w.file("out").exists());
    // Wider than a sheet can be: refused before its fields are decoded.
    let w = Workdir::new();
    let mut body = format!(
        "{HEADER}{C1},s1,Kaizala Pro,3,2027-01-01,False,Active
"
    );
    body.push_str(&",".repeat(20_000));
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("s.csv: cannot read: row 3: more than 16384 fields"),
        "{}",
        stderr(&out)
    );
}

/// Issue 13: a workbook cell beyond the last column or row a sheet can have is an error naming
/// the file, the sheet and the cell, not a 10 GB row.
#[test]
fn a_workbook_cell_beyond_a_sheet_is_refused_naming_it() {
    let header = ["CustomerId", "SubscriptionId", "OfferName", "Quantity", "CommitmentEndDate"];
    let row = [C1, "s1", "Kaizala Pro", "3", "2027-01-01"];
    for (cell, shown) in [("ZZZZZZ2", "ZZZZZZ2"), ("A1048577", "A1048577"), ("XFE2", "XFE2")] {
        let w = Workdir::new();
        let data = format!(
            "{}{}",
            xlsx_row(1, &header),
            xlsx_row(2, &row).replace(
                "</row>",
                &format!(r#"<c r="{cell}" t="inlineStr"><is><t>x</t></is></c></row>"#)
            )
        );
        w.write("s.xlsx", xlsx_with_sheet_data(&data));
        let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
        assert_eq!(out.status.code(), Some(2), "{cell}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .contains(&format!("s.xlsx[Sheet1]: cannot read sheet: cell {shown} lies beyond")),
            "{}",
            stderr(&out)
        );
    }
    // The same workbook without the stray cell reads.
    let w = Workdir::new();
    let data = format!("{}{}", xlsx_row(1, &header), xlsx_row(2, &row));
    w.write("s.xlsx", xlsx_with_sheet_data(&data));
    let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
    assert!(stdout(&out).contains("1 rows read"), "{}{}", stdout(&out), stderr(&out));
}

/// Issue 13: a workbook cell the reader cannot read (a boolean holding 2958466, a shared
/// string past the table, an unknown error value, a number that is no number) rejects its row,
/// naming the file, sheet, row and column, as a bad CSV value does; the other rows are used.
#[test]
fn a_bad_workbook_cell_rejects_its_row_naming_sheet_row_and_column() {
    let header = ["CustomerId", "SubscriptionId", "OfferName", "Quantity", "CommitmentEndDate"];
    let bad_cells = [
        r#"<c r="D3" t="b"><v>2958466</v></c>"#,
        r#"<c r="D3" t="s"><v>7</v></c>"#,
        r#"<c r="D3" t="e"><v>#WHAT?</v></c>"#,
        r#"<c r="D3"><v>1.2.3</v></c>"#,
    ];
    for bad in bad_cells {
        let w = Workdir::new();
        let third = xlsx_row(3, &[C2, "s2", "Kaizala Pro", "", "2027-01-01"])
            .replace(r#"<c r="D3" t="inlineStr"><is><t></t></is></c>"#, bad);
        assert!(third.contains(bad), "{third}");
        let data = format!(
            "{}{}{}{}",
            xlsx_row(1, &header),
            xlsx_row(2, &[C1, "s1", "Kaizala Pro", "3", "2027-01-01"]),
            third,
            xlsx_row(4, &[C3, "s3", "Kaizala Pro", "4", "2027-02-01"]),
        );
        w.write("s.xlsx", xlsx_with_parts(&data, &[("xl/sharedStrings.xml", SHARED_STRINGS)]));
        let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
        assert_eq!(out.status.code(), Some(0), "{bad}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("rejected: s.xlsx[Sheet1]:3:D (Quantity): "), "{bad}: {err}");
        assert_eq!(err.matches("rejected:").count(), 1, "{bad}: {err}");
        if !bad.contains("1.2.3") {
            // The reader's own complaint, as the rejection's reason.
            assert!(err.contains("the workbook cannot give this cell's value ("), "{bad}: {err}");
        }
        let summary = stdout(&out);
        assert!(summary.contains("3 rows read"), "{bad}: {summary}");
        assert!(summary.contains("2 used") && summary.contains("1 rejected"), "{bad}: {summary}");
    }
}

/// A shared-string table of one string, for workbooks whose cells point into it.
const SHARED_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>only</t></si></sst>"#;

/// Issue 13: a huge rejected value is shown cut, with its size, in stderr and rejected.csv.
#[test]
fn a_huge_rejected_value_is_echoed_cut_with_its_size() {
    let w = Workdir::new();
    // Long, but within what a cell holds (longer values reject their row for that).
    let huge = "9".repeat(29_999);
    let body = format!("{HEADER}{C1},s1,Kaizala Pro,3,x{huge},False,Active\n");
    let out = run_subs(&w, "s.csv", &body, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.len() < 1_000, "{} bytes of stderr", err.len());
    assert!(err.contains("…[29616 characters cut]…"), "{err}");
    assert!(err.trim_end().ends_with("\" is not a date"), "{err}");
    let rejected = w.read("out/rejected.csv");
    assert!(rejected.len() < 1_000, "{} bytes in rejected.csv", rejected.len());
    assert!(rejected.contains("characters cut"), "{rejected}");
}

/// Issue 13: a value longer than a spreadsheet cell holds (32,767 characters) rejects its row
/// naming the column, in every kind of file, and every output is written.
#[test]
fn a_value_longer_than_a_cell_rejects_its_row_and_every_output_is_written() {
    let w = Workdir::new();
    let long = "N".repeat(40_000);
    w.write(
        "s.csv",
        format!(
            "CustomerId,CustomerName,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n\
             {C1},{long},s1,Kaizala Pro,3,2027-01-01,False,Active\n\
             {C1},Contoso,s2,Kaizala Pro,3,2027-01-01,False,Active\n"
        ),
    );
    w.write(
        "u.csv",
        format!(
            "CustomerId,User principal name,Display name,Licenses\n\
             {C1},a@contoso.example,{long},Kaizala Pro\n\
             {C1},b@contoso.example,Bo,Kaizala Pro\n"
        ),
    );
    let out = plan_with_users(&w);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_same_text(
        "rejected: s.csv:2:B (CustomerName): 40000 characters, more than the 32767 a spreadsheet cell holds\n\
         rejected: u.csv:2:C (Display name): 40000 characters, more than the 32767 a spreadsheet cell holds\n",
        &stderr(&out),
    );
    for file in ["plan.json", "worksheet.xlsx", "cost-report.xlsx", "rejected.csv"] {
        assert!(w.file(&format!("out/{file}")).exists(), "{file}");
    }
    assert!(w.read("out/plan.json").contains("\"Contoso\""));
}

/// Issue 13: names and user principal names taken from the exports cannot put HTML, links,
/// remote images, control or bidirectional characters into the runbooks, the cost report or
/// the CSVs, and a CR cannot break the runbooks' table.
#[test]
fn outputs_show_hostile_names_as_typed_and_act_on_nothing() {
    let w = Workdir::new();
    w.write(
        "s.csv",
        format!(
            "CustomerId,CustomerName,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n\
             {C1},\"<script>alert(1)</script>\r[x](javascript:alert(1))\",s1,Kaizala Pro,3,2027-01-01,False,Active\n"
        ),
    );
    w.write(
        "u.csv",
        format!(
            "CustomerId,User principal name,Display name,Licenses\n\
             {C1},a@contoso.example,\"![](http://evil.example/t.png)\u{202e}gpj.exe\0\",Kaizala Pro\n\
             {C1},b@contoso.example,\"\"\"><img src=x onerror=alert(1)>\",Kaizala Pro\n"
        ),
    );
    let out = plan_with_users(&w);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Markdown: every character that could start markup is escaped.
    for entry in std::fs::read_dir(w.file("out/runbooks")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut escaped = false;
        for c in text.chars() {
            assert!(!matches!(c, '\u{202e}' | '\0'), "{c:?} came through:\n{text}");
            assert!(escaped || !matches!(c, '<' | '!'), "an unescaped {c:?}:\n{text}");
            escaped = c == '\\' && !escaped;
        }
    }
    // HTML: no markup from the data; CSV: no control or bidirectional characters.
    let html = w.read("out/cost-report.html");
    for bad in ["<script>alert", "<img", "\u{202e}", "\0"] {
        assert!(!html.contains(bad), "{bad:?} came through:\n{html}");
    }
    for file in ["worksheet.csv", "users.csv"] {
        let text = w.read(&format!("out/{file}"));
        assert!(!text.contains(['\u{202e}', '\0']), "{file}:\n{text}");
    }
    // Workbooks: the same, cell by cell.
    for file in ["worksheet.xlsx", "cost-report.xlsx"] {
        use calamine::Reader;
        let mut book = calamine::open_workbook_auto(w.file(&format!("out/{file}"))).unwrap();
        let mut cells = 0;
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).unwrap();
            for cell in range.used_cells() {
                let text = cell.2.to_string();
                assert!(!text.contains(['\u{202e}', '\0']), "{file} {name}: {text:?}");
                cells += usize::from(text.contains('\u{fffd}'));
            }
        }
        if file == "worksheet.xlsx" {
            assert!(cells > 0, "the display name's characters were not shown as U+FFFD");
        }
    }
    let readme = w.read("out/runbooks/README.md");
    let table: Vec<&str> = readme.lines().filter(|l| l.starts_with('|')).collect();
    assert!(table.iter().all(|l| l.ends_with('|')), "a table row was broken:\n{readme}");
    assert!(
        readme.contains("\\<script\\>alert(1)\\</script\\> \\[x\\](javascript:alert(1))"),
        "{readme}"
    );
}

/// Issue 13: account-manager workbooks get names every file system takes, one per person
/// however the accents were typed; workbooks an earlier run wrote and this one does not are
/// removed, and files the tool did not write are never touched.
#[test]
fn output_file_names_are_safe_unique_and_stale_ones_go() {
    let w = Workdir::new();
    let c = |n: u8| format!("{n}{n}{n}{n}{n}{n}{n}{n}-1111-4111-8111-111111111111");
    let subs = |managers: [&str; 5]| {
        let mut body = "CustomerId,AccountManager,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n".to_string();
        for (i, am) in managers.iter().enumerate() {
            body.push_str(&format!(
                "{},{am},s{i},Kaizala Pro,3,2027-01-01,False,Active\n",
                c(i as u8 + 1)
            ));
        }
        body
    };
    w.write("s.csv", subs(["CON", "aux", "Nul", "Zo\u{eb} Martin", "Zoe\u{308} Martin"]));
    let args = ["plan", "--subscriptions", "s.csv", "--as-of", "2026-12-01", "--out", "out"];
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let names = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(w.file(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names("out/by-account-manager"),
        ["aux-am.xlsx", "con-am.xlsx", "nul-am.xlsx", "zoe-martin.xlsx"]
    );
    // Someone's own files in the tool's folders.
    w.write("out/by-account-manager/my-notes.xlsx", "mine");
    w.write("out/worksheets/my-edited-contoso.xlsx", "mine");
    w.write("out/runbooks/extra.md", "mine");
    // The next run has no account managers at all.
    w.write("s.csv", subs(["", "", "", "", ""]));
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(names("out/by-account-manager"), ["my-notes.xlsx"]);
    assert!(w.file("out/worksheets/my-edited-contoso.xlsx").exists());
    assert!(w.file("out/runbooks/extra.md").exists());
    assert!(!w.file("out/.kaizala-migrate-staging").exists());
    // A run asked for plan.json only leaves the other outputs as they are.
    let out = w.run(&[&args[..], &["--outputs", "plan"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(names("out/worksheets").len(), 6, "{:?}", names("out/worksheets"));
}

/// Issue 13: a workbook whose parts unpack to more than a real export's (a "zip bomb": a small
/// file holding a gigabyte of shared strings) is refused before it is unpacked.
#[test]
fn a_workbook_that_unpacks_to_gigabytes_is_refused_before_unpacking() {
    let header = ["CustomerId", "SubscriptionId", "OfferName", "Quantity", "CommitmentEndDate"];
    let row = [C1, "s1", "Kaizala Pro", "3", "2027-01-01"];
    let data = format!("{}{}", xlsx_row(1, &header), xlsx_row(2, &row));
    let strings = r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>"#;
    for (part, size, shown) in [
        (
            "xl/sharedStrings.xml",
            1u32 << 30,
            "its part xl/sharedStrings.xml unpacks to 1024 MiB, more than the 256 MiB",
        ),
        (
            "xl/worksheets/sheet1.xml",
            2_000_000_000,
            "its part xl/worksheets/sheet1.xml unpacks to 1908 MiB, more than the 1024 MiB",
        ),
    ] {
        let w = Workdir::new();
        let mut bytes = xlsx_with_parts(&data, &[("xl/sharedStrings.xml", strings)]);
        declare_unpacked_size(&mut bytes, part, size);
        w.write("s.xlsx", &bytes);
        let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
        assert_eq!(out.status.code(), Some(2), "{part}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("s.xlsx: {shown}")), "{}", stderr(&out));
    }
    // The same workbook as written reads.
    let w = Workdir::new();
    w.write("s.xlsx", xlsx_with_parts(&data, &[("xl/sharedStrings.xml", strings)]));
    let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
    assert!(stdout(&out).contains("1 rows read"), "{}{}", stdout(&out), stderr(&out));
}

/// Issue 13: a workbook part that unpacks to more than its zip entry says (a lie that would
/// slip past the declared-size limits) is refused once the reader passes the declared size,
/// for the sheet and for the shared strings, which are read whole.
#[test]
fn a_workbook_part_larger_than_it_says_is_refused_not_unpacked() {
    let header = ["CustomerId", "SubscriptionId", "OfferName", "Quantity", "CommitmentEndDate"];
    let rows: String = (2..4_000)
        .map(|i| xlsx_row(i, &[C1, &format!("s{i}"), "Kaizala Pro", "3", "2027-01-01"]))
        .collect();
    let data = format!("{}{rows}", xlsx_row(1, &header));
    let strings = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>"#,
        "x".repeat(3_000_000)
    );
    for part in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
        let w = Workdir::new();
        let mut bytes = xlsx_with_parts(&data, &[("xl/sharedStrings.xml", &strings)]);
        declare_unpacked_size(&mut bytes, part, 4_000);
        w.write("s.xlsx", &bytes);
        let out = w.run(&["check", "--subscriptions", "s.xlsx", "--as-of", "2026-12-01"]);
        assert_eq!(out.status.code(), Some(2), "{part}: {}", stderr(&out));
        assert!(stderr(&out).contains("s.xlsx"), "{part}: {}", stderr(&out));
        // The shared strings are read when the workbook is opened, where the reader names no
        // cause ("Cannot detect file format"); the sheet's error says what is wrong.
        if part.ends_with("sheet1.xml") {
            assert!(
                stderr(&out).contains("larger than its declared uncompressed size"),
                "{part}: {}",
                stderr(&out)
            );
        }
    }
}

/// Issue 14: a file of the wrong kind is recognised: the message says what it is and which
/// option takes it; an empty file is called empty.
#[test]
fn a_file_of_the_wrong_kind_is_named_with_the_option_that_takes_it() {
    let w = Workdir::new();
    let cases = [
        ("fixtures/users-contoso.csv", "--subscriptions", "users", "--users"),
        ("fixtures/subscriptions-api.csv", "--users", "subscriptions", "--subscriptions"),
        ("fixtures/pricing/nce-usd.csv", "--subscriptions", "prices", "--prices"),
    ];
    for (file, given, kind, option) in cases {
        let mut args = vec!["check", "--subscriptions", "fixtures/subscriptions-api.csv"];
        if given == "--subscriptions" {
            args[2] = file;
        } else {
            args.extend([given, file]);
        }
        args.extend(["--as-of", "2026-12-01"]);
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        let want = format!("is the header of a {kind} export: give the file with {option} instead");
        assert!(stderr(&out).contains(&want), "{file}: {}", stderr(&out));
    }
    w.write("empty.csv", "");
    let out = w.run(&["check", "--subscriptions", "empty.csv", "--as-of", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(the file has no rows: is it empty?)"), "{}", stderr(&out));
}

/// Issue 14: users that match no customer come with how to link them: an admin-center export
/// has no customer column, and its customer is named after '=' (the one customer planned
/// without users is suggested).
#[test]
fn unmatched_users_come_with_how_to_link_them() {
    let w = Workdir::new();
    w.write("s.csv", format!("{HEADER}{C1},s1,Kaizala Pro,3,2027-01-01,False,Active\n"));
    w.write(
        "users.csv",
        "User principal name,Display name,Licenses\n\
         ann@fabrikam.example,Ann,Kaizala Pro\nbo@fabrikam.example,Bo,Kaizala Pro\n",
    );
    let out = w.run(&[
        "plan",
        "--subscriptions",
        "s.csv",
        "--users",
        "users.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "out",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("2 Kaizala Pro user(s) match no customer"), "{text}");
    assert!(
        text.contains(&format!("name its customer after '=': --users users.csv={C1}")),
        "{text}"
    );
}

/// Issue 14: each command's help lists only the options it uses: `scan` reads the exports,
/// `check` also the price lists, only `plan` takes decisions and writes; the one-line help of
/// `plan` names what it writes.
#[test]
fn each_command_lists_only_the_options_it_uses() {
    let w = Workdir::new();
    let help = |command: &str| stdout(&w.run(&[command, "--help"]));
    let (scan, check, plan) = (help("scan"), help("check"), help("plan"));
    for shared in ["--subscriptions", "--users", "--as-of", "--horizon-days", "--strict"] {
        for (name, text) in [("scan", &scan), ("check", &check), ("plan", &plan)] {
            assert!(text.contains(shared), "{name} --help lacks {shared}:\n{text}");
        }
    }
    for price in ["--prices", "--currency", "--term", "--billing", "--price-basis"] {
        assert!(!scan.contains(price), "scan --help lists {price}:\n{scan}");
        assert!(check.contains(price) && plan.contains(price), "{price}");
    }
    for decision in ["--target", "--frontline", "--overrides", "--out", "--outputs"] {
        assert!(!scan.contains(decision), "scan --help lists {decision}:\n{scan}");
        assert!(!check.contains(decision), "check --help lists {decision}:\n{check}");
        assert!(plan.contains(decision), "plan --help lacks {decision}");
    }
    let top = stdout(&w.run(&["--help"]));
    assert!(top.contains("plan.json, the worksheets"), "{top}");
    // An option a command does not take is a usage error, not silently ignored.
    let out = w.run(&["check", "--subscriptions", "s.csv", "--target", "Office 365 E1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
