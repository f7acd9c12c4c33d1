//! Real-world input: partial layouts merged across files, encodings, localized headers, user
//! column mappings, workbook locations, quoted newlines.

use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::util::*;

const C1: &str = "11111111-1111-4111-8111-111111111111";

fn plan(w: &Workdir, args: &[&str]) -> (std::process::Output, Option<Value>) {
    let mut all = vec!["plan"];
    all.extend(args);
    all.extend(["--as-of", "2026-12-01", "--out", "out"]);
    let out = w.run(&all);
    let json = std::fs::read_to_string(w.file("out/plan.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (out, json)
}

// A Partner Center UI export (one customer's subscriptions: status and quantity, no dates, no
// customer column) and a reconciliation file (end date, price; one row per charge) describe
// the same subscriptions.
const UI_EXPORT: &str = "Subscription ID,Subscription,Quantity,Status,Reseller\n\
a1000000-0000-4000-8000-000000000001,Kaizala Pro,12,Active,\n\
a1000000-0000-4000-8000-000000000009,Kaizala Pro,3,Active,\n";

const RECON: &str = "PartnerId,CustomerId,CustomerName,SubscriptionId,SyndicationPartnerSubscriptionNumber,DurableOfferId,OfferName,SubscriptionStartDate,SubscriptionEndDate,ChargeStartDate,ChargeType,UnitPrice,Quantity,Currency,DomainName\n\
p,11111111-1111-4111-8111-111111111111,Contoso Ltd,usCB1,A1000000-0000-4000-8000-000000000001,off-1,Kaizala Pro,1/20/2026 0:00,1/19/2027 0:00,11/20/2026 0:00,Cycle fee,\"1,50\",12,EUR,contoso.com\n\
p,11111111-1111-4111-8111-111111111111,Contoso Ltd,usCB1,A1000000-0000-4000-8000-000000000001,off-1,Kaizala Pro,1/20/2026 0:00,1/19/2027 0:00,11/25/2026 0:00,Prorate fees when purchase,\"1,50\",2,EUR,contoso.com\n";

#[test]
fn ui_export_and_recon_rows_make_one_complete_record() {
    let w = Workdir::new();
    w.write("ui.csv", UI_EXPORT);
    w.write("recon.csv", RECON.replace("\"1,50\"", "1.50"));
    let (out, json) = plan(&w, &["--subscriptions", &format!("ui.csv={C1}"), "recon.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan = json.unwrap();
    let sub = &plan["customers"][0]["expiring_subscriptions"][0];
    assert_eq!(sub["subscription_id"], "a1000000-0000-4000-8000-000000000001");
    assert_eq!(sub["quantity"], 12);
    assert_eq!(sub["end_date"], "2027-01-19");
    assert_eq!(sub["unit_price"], "1.5");
    assert_eq!(plan["customers"][0]["customer_name"], "Contoso Ltd");
    // The UI-only subscription has no end date anywhere: rejected, named.
    assert!(
        stderr(&out).contains("rejected: ui.csv:3: subscription a1000000-0000-4000-8000-000000000009 has no end date in any file (this file has no such column)"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("ui.csv: subscriptions table"), "{text}");
    assert!(text.contains("  2 rows read = 1 used + 0 filtered out + 1 rejected"), "{text}");
    assert!(text.contains("  2 rows read = 2 used + 0 filtered out + 0 rejected"), "{text}");
}

#[test]
fn a_ui_export_alone_lacks_end_dates_and_stops_the_run() {
    let w = Workdir::new();
    w.write("ui.csv", UI_EXPORT);
    let (out, _) = plan(&w, &["--subscriptions", &format!("ui.csv={C1}")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "kaizala-migrate: ui.csv:1: missing required column(s) customer_id, end_date;"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn conflicting_values_across_files_reject_the_later_row_naming_both() {
    let w = Workdir::new();
    w.write("ui.csv", UI_EXPORT.replace(",12,", ",15,"));
    w.write("recon.csv", RECON.replace("\"1,50\"", "1.50"));
    let (out, _) = plan(&w, &["--subscriptions", "recon.csv", &format!("ui.csv={C1}")]);
    assert!(
        stderr(&out).contains("rejected: ui.csv:2:C (Quantity): subscription a1000000-0000-4000-8000-000000000001 conflicts with recon.csv:2: quantity 12 there, 15 here"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn windows_1252_text_is_read_and_said() {
    let w = Workdir::new();
    let mut bytes =
        b"CustomerId;CustomerName;SubscriptionId;OfferName;Quantity;EndDate\r\n".to_vec();
    bytes.extend(format!("{C1};").as_bytes());
    bytes.extend(b"Malm\xf6 Tr\xe4 AB;s1;Kaizala Pro;5;2027-01-31\r\n");
    w.write("ansi.csv", bytes);
    let (out, json) = plan(&w, &["--subscriptions", "ansi.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json.unwrap()["customers"][0]["customer_name"], "Malmö Trä AB");
    assert!(
        stdout(&out).contains("note: some text was not valid UTF-8 and was read as Windows-1252")
    );
}

#[test]
fn translated_headers_and_a_user_mapping_file() {
    let w = Workdir::new();
    // Swedish headers from the built-in table, plus one column only the user's file names.
    w.write(
        "sv.csv",
        format!("Kund-ID;Kundnamn;Prenumerations-ID;Erbjudande;Antal;Slutdatum;Förnyas\n{C1};Kund AB;s1;Kaizala Pro;5;31.01.2027;Falskt\n"),
    );
    w.write("cols.toml", "[subscriptions]\nauto_renew = [\"Förnyas\"]\n");
    let (out, json) = plan(&w, &["--subscriptions", "sv.csv", "--columns", "cols.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sub = &json.unwrap()["customers"][0]["expiring_subscriptions"][0];
    assert_eq!(sub["end_date"], "2027-01-31");
    assert_eq!(sub["auto_renew"], false);
    let check = w.run(&["check", "--subscriptions", "sv.csv", "--columns", "cols.toml"]);
    assert!(stdout(&check).contains("  column G \"Förnyas\" -> auto_renew"), "{}", stdout(&check));
}

#[test]
fn a_bad_mapping_file_is_refused() {
    let w = Workdir::new();
    w.write("cols.toml", "[subscriptions]\nexpiry = [\"Ends\"]\n");
    let out = w.run(&[
        "check",
        "--subscriptions",
        "fixtures/subscriptions-api.csv",
        "--columns",
        "cols.toml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("kaizala-migrate: cols.toml: [subscriptions] has no field \"expiry\"; fields: customer_id,"), "{}", stderr(&out));
}

#[test]
fn workbook_errors_give_the_row_and_column_excel_shows() {
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Subs").unwrap();
    // Data starts at C3: a title in C1, header in row 3, columns C to H.
    ws.write_string(0, 2, "Report").unwrap();
    for (i, h) in
        ["Customer Id", "Subscription Id", "Offer Name", "Quantity", "End Date", "Auto renew"]
            .iter()
            .enumerate()
    {
        ws.write_string(2, 2 + i as u16, *h).unwrap();
    }
    for (r, qty) in [(3u32, "5"), (4, "5"), (5, "5"), (6, "five")] {
        ws.write_string(r, 2, C1).unwrap();
        ws.write_string(r, 3, format!("s{r}")).unwrap();
        ws.write_string(r, 4, "Kaizala Pro").unwrap();
        ws.write_string(r, 5, qty).unwrap();
        ws.write_string(r, 6, "2027-01-31").unwrap();
        ws.write_boolean(r, 7, false).unwrap();
    }
    wb.save(w.file("book.xlsx")).unwrap();
    let (out, _) = plan(&w, &["--subscriptions", "book.xlsx"]);
    assert_same_text(
        "rejected: book.xlsx[Subs]:7:F (Quantity): \"five\" is not a whole number of seats\n",
        &stderr(&out),
    );
}

#[test]
fn rows_are_numbered_as_a_spreadsheet_shows_them_despite_quoted_newlines() {
    let w = Workdir::new();
    w.write(
        "s.csv",
        format!(
            "Report title\n\nCustomerId,CustomerName,SubscriptionId,OfferName,Quantity,EndDate\n\
             {C1},\"Contoso\nLtd\",s1,Kaizala Pro,5,2027-01-31\n\
             {C1},\"Multi\nline\nname\",s2,Kaizala Pro,5,2027-01-31\n\
             {C1},Contoso,s3,Kaizala Pro,x,2027-01-31\n"
        ),
    );
    let (out, _) = plan(&w, &["--subscriptions", "s.csv"]);
    assert_same_text(
        "rejected: s.csv:6:E (Quantity): \"x\" is not a whole number of seats\n",
        &stderr(&out),
    );
}

#[test]
fn unrecognised_licence_names_are_listed_not_dropped() {
    let w = Workdir::new();
    w.write(
        "u.csv",
        "User principal name,Licenses\nalice@contoso.com,Microsoft Kaizala Pro+Licencia desconocida\nbob@contoso.com,Licencia desconocida\n\
         carol@contoso.com,Visio Plan 2+Power BI Pro+Exchange Online (Plan 1)\n",
    );
    let out =
        w.run(&["check", "--subscriptions", "fixtures/subscriptions.xlsx", "--users", "u.csv"]);
    let text = stdout(&out);
    assert!(
        text.contains("1 licence name(s) neither Kaizala Pro nor a plan that includes Kaizala"),
        "{text}"
    );
    assert!(text.contains("  Licencia desconocida (2 user(s))"), "{text}");
    // Issue 14: ordinary products of Microsoft's licensing table are not noise in that list.
    assert!(!text.contains("Visio") && !text.contains("Power BI"), "{text}");
}

#[test]
fn localized_replacement_plan_names_cover_users() {
    let w = Workdir::new();
    w.write(
        "u.csv",
        "User principal name,Licenses\nana@fabrikam.com,Microsoft Kaizala Pro+Microsoft 365 Empresa Estándar\n",
    );
    let (out, json) =
        plan(&w, &["--subscriptions", "fixtures/subscriptions.xlsx", "--users", "u.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan = json.unwrap();
    let fabrikam = &plan["customers"][0];
    assert_eq!(fabrikam["customer_name"], "Fabrikam Inc");
    assert_eq!(fabrikam["users_remove_only"][0], "ana@fabrikam.com");
    assert_eq!(fabrikam["users"][0]["covered_by"], "Microsoft 365 Business Standard");
}
