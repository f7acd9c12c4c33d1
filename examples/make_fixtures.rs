//! Writes the XLSX fixtures in `fixtures/` (run: `cargo run --example make_fixtures`).
//!
//! `pricing/legacy.xlsx` is described at `legacy_price_list`.
//!
//! `subscriptions.xlsx` is a partner's own tracking workbook:
//!
//! ```text
//! sheet "Read me":        free text, no header
//! sheet "Subscriptions":
//!   row 1  Kaizala review, exported 2026-11-20     (merged A1:K1)
//!   row 2  (blank)
//!   row 3  Customer Id | Customer Name | Domain | Subscription Id | Offer Name | Quantity |
//!          End Date | Auto renew | Status | Segment | Account Manager | Internal note (hidden)
//!   row 4  Northwind: Kaizala Pro, quantity as a formula (cached 40), end date as a bare serial
//!   row 5  Contoso: Business Standard (not Kaizala), gives Contoso's domain and name
//!   row 6  Fabrikam: the same Kaizala Pro subscription as in subscriptions-api.csv, quantity
//!          stored as text, end date as a date cell
//! ```

// Data generators and benchmark set-up read best as one listing; the length limit is for the
// tool's own functions.
#![allow(clippy::too_many_lines)]

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook, XlsxError};

fn main() -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    // A fixed creation time keeps the file byte-identical between runs.
    let when = ExcelDateTime::from_ymd(2026, 11, 20)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&when));
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bold = Format::new().set_bold();

    let readme = wb.add_worksheet().set_name("Read me")?;
    readme.write_string(0, 0, "Subscriptions under review for the Kaizala Pro retirement.")?;
    readme.write_string(1, 0, "Owner: partner operations")?;

    let ws = wb.add_worksheet().set_name("Subscriptions")?;
    ws.merge_range(0, 0, 0, 10, "Kaizala review, exported 2026-11-20", &bold)?;
    let header = [
        "Customer Id",
        "Customer Name",
        "Domain",
        "Subscription Id",
        "Offer Name",
        "Quantity",
        "End Date",
        "Auto renew",
        "Status",
        "Segment",
        "Account Manager",
        "Internal note",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h)?;
    }
    ws.set_column_hidden(11)?;

    // Northwind School: education, due 2027-06-30 (serial 46568, unformatted).
    ws.write_string(3, 0, "{33333333-3333-4333-8333-333333333333}")?;
    ws.write_string(3, 1, "Northwind School")?;
    ws.write_string(3, 2, "northwind.edu")?;
    ws.write_string(3, 3, "a3000000-0000-4000-8000-000000000001")?;
    ws.write_string(3, 4, "Kaizala Pro")?;
    ws.write_formula(3, 5, Formula::new("=20+20").set_result("40"))?;
    ws.write_number(3, 6, 46568.0)?;
    ws.write_boolean(3, 7, false)?;
    ws.write_string(3, 8, "Active")?;
    ws.write_string(3, 9, "Education")?;
    ws.write_string(3, 10, "Maria Garcia")?;
    ws.write_string(3, 11, "call before Easter")?;

    // Contoso: a Business Standard subscription; gives the customer's name and domain.
    ws.write_string(4, 0, "11111111-1111-4111-8111-111111111111")?;
    ws.write_string(4, 1, "Contoso Ltd")?;
    ws.write_string(4, 2, "contoso.com")?;
    ws.write_string(4, 3, "a1000000-0000-4000-8000-000000000003")?;
    ws.write_string(4, 4, "Microsoft 365 Business Standard")?;
    ws.write_number(4, 5, 3.0)?;
    ws.write_datetime_with_format(4, 6, ExcelDateTime::from_ymd(2027, 8, 1)?, &date)?;
    ws.write_boolean(4, 7, true)?;
    ws.write_string(4, 8, "Active")?;
    ws.write_string(4, 9, "Commercial")?;
    ws.write_string(4, 10, "Sven Svensson")?;

    // Fabrikam: the same subscription as in subscriptions-api.csv (merged, identical values).
    ws.write_string(5, 0, "22222222-2222-4222-8222-222222222222")?;
    ws.write_string(5, 1, "Fabrikam Inc")?;
    ws.write_string(5, 2, "fabrikam.com")?;
    ws.write_string(5, 3, "A2000000-0000-4000-8000-000000000001")?;
    ws.write_string(5, 4, "Microsoft Kaizala Pro")?;
    ws.write_string(5, 5, "25")?;
    ws.write_datetime_with_format(5, 6, ExcelDateTime::from_ymd(2026, 12, 11)?, &date)?;
    ws.write_boolean(5, 7, false)?;
    ws.write_string(5, 8, "Active")?;
    ws.write_string(5, 10, "Sven Svensson")?;

    wb.save("fixtures/subscriptions.xlsx")?;
    legacy_price_list()
}

/// `pricing/legacy.xlsx`: a legacy licence-based price list, one tab per currency, monthly
/// prices; the USD tab has a deleted row, an academic row and a trial row.
fn legacy_price_list() -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(2026, 11, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&when));
    let date = Format::new().set_num_format("m/d/yyyy");
    let readme = wb.add_worksheet().set_name("Read me")?;
    readme.write_string(0, 0, "Licence-based price list, November 2026. Prices are monthly.")?;
    let header = [
        "Change Indicator",
        "Effective Start Date",
        "Effective End Date",
        "Offer Display Name",
        "Offer ID",
        "License Agreement Type",
        "Purchase Unit",
        "Secondary License Type",
        "End Customer Type",
        "List Price",
        "ERP Price",
    ];
    type Line<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, f64, f64);
    let tabs: [(&str, &[Line]); 2] = [
        (
            "USD",
            &[
                (
                    "UNC",
                    "Kaizala Pro",
                    "5c4e2fd5-7c1d-4d3e-9f61-1b0b8a6f0001",
                    "Corporate",
                    "Non-Specific",
                    3.00,
                    3.60,
                ),
                (
                    "DEL",
                    "Kaizala Pro",
                    "5c4e2fd5-7c1d-4d3e-9f61-1b0b8a6f0001",
                    "Corporate",
                    "Non-Specific",
                    2.00,
                    2.40,
                ),
                (
                    "UNC",
                    "Kaizala Pro",
                    "5c4e2fd5-7c1d-4d3e-9f61-1b0b8a6f0002",
                    "Academic",
                    "Non-Specific",
                    1.00,
                    1.20,
                ),
                (
                    "ADD",
                    "Office 365 E1 Trial",
                    "5c4e2fd5-7c1d-4d3e-9f61-1b0b8a6f0003",
                    "Corporate",
                    "Trial",
                    0.0,
                    0.0,
                ),
            ],
        ),
        (
            "EUR",
            &[(
                "UNC",
                "Kaizala Pro",
                "5c4e2fd5-7c1d-4d3e-9f61-1b0b8a6f0001",
                "Corporate",
                "Non-Specific",
                2.40,
                2.90,
            )],
        ),
    ];
    for (name, lines) in tabs {
        let ws = wb.add_worksheet().set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h)?;
        }
        for (i, (change, offer, id, agreement, license, price, erp)) in lines.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, *change)?;
            ws.write_datetime_with_format(r, 1, ExcelDateTime::from_ymd(2019, 1, 1)?, &date)?;
            ws.write_datetime_with_format(r, 2, ExcelDateTime::from_ymd(9999, 12, 31)?, &date)?;
            ws.write_string(r, 3, *offer)?;
            ws.write_string(r, 4, *id)?;
            ws.write_string(r, 5, *agreement)?;
            ws.write_string(r, 6, "Licenses")?;
            ws.write_string(r, 7, *license)?;
            ws.write_string(r, 8, "Commercial")?;
            ws.write_number(r, 9, *price)?;
            ws.write_number(r, 10, *erp)?;
        }
    }
    wb.save("fixtures/pricing/legacy.xlsx")?;
    Ok(())
}
