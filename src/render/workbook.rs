//! The account managers' workbooks: `worksheet.xlsx` (every customer), one per customer and one
//! per account manager.
//!
//! Sheets: "Customers" (one row per customer; the target plan, seats, include flag, status and
//! notes columns are for editing and are read back by `--overrides`), "Users" (one row per user
//! licence change), "Subscriptions" (the expiring subscriptions), "Rejected" (rejected input
//! rows; consolidated workbook only) and a hidden "Lists" sheet with the drop-down values. The
//! header row is frozen and filtered, dates are real date cells, and the deadline is coloured
//! by urgency. The workbook's creation date is the plan's as-of date, so the bytes are the same
//! on every run.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, DataValidation, DocProperties, ExcelDateTime, Format,
    FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Rejection, Result};
use crate::plan::{slug, CustomerPlan, Plan, PurchaseAction, UserAction};

use super::csv_out::step_a;

pub use crate::worksheet_layout::{headers, CUSTOMERS_SHEET};

/// Values of the step status columns.
pub const STATUSES: [&str; 4] = ["To do", "In progress", "Done", "Not needed"];

const CUSTOMER_COLUMNS: [(&str, f64); 22] = [
    (headers::CUSTOMER_ID, 38.0),
    ("Customer", 28.0),
    ("Account manager", 20.0),
    ("Segment", 14.0),
    ("Deadline", 12.0),
    ("Days left", 9.0),
    ("Urgency", 15.0),
    ("Kaizala Pro seats", 10.0),
    ("Users to move", 10.0),
    ("Remove-only users", 10.0),
    (headers::TARGET, 32.0),
    (headers::SEATS, 10.0),
    ("Step A", 48.0),
    (headers::INCLUDE, 9.0),
    ("A: buy", 12.0),
    ("B: move users", 12.0),
    ("C: suspend", 12.0),
    ("Reason", 60.0),
    ("Tool notes", 60.0),
    (headers::NOTES, 40.0),
    (headers::RECOMMENDED_TARGET, 20.0),
    (headers::RECOMMENDED_SEATS, 10.0),
];

fn xerr(e: XlsxError) -> Error {
    Error::Internal(format!("cannot build workbook: {e}"))
}

struct Formats {
    header: Format,
    date: Format,
    red: Format,
    amber: Format,
    yellow: Format,
    green: Format,
}

impl Formats {
    fn new() -> Formats {
        let fill = |c: u32| Format::new().set_background_color(Color::RGB(c));
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            red: fill(0xF8CBAD).set_font_color(Color::RGB(0x9C0006)),
            amber: fill(0xFFD966),
            yellow: fill(0xFFF2CC),
            green: fill(0xC6EFCE),
        }
    }
}

/// A date as a spreadsheet date value.
pub(crate) fn excel_date(d: NaiveDate) -> std::result::Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year())
        .map_err(|_| XlsxError::ParameterError(format!("date {d} out of range")))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// The workbook for a set of customers; `rejections` adds the "Rejected" sheet.
pub fn render(
    plan: &Plan,
    customers: &[&CustomerPlan],
    rejections: Option<&[Rejection]>,
) -> Result<Vec<u8>> {
    build(plan, customers, rejections).map_err(xerr)?.save_to_buffer().map_err(xerr)
}

fn build(
    plan: &Plan,
    customers: &[&CustomerPlan],
    rejections: Option<&[Rejection]>,
) -> std::result::Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    // The fastest deflate level: a thousand workbooks are written per run, and their XML
    // compresses well at any level (issue 12).
    wb.set_zip_compression_level(1);
    let created = excel_date(plan.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("Kaizala Pro migration worksheet")
            .set_creation_datetime(&created),
    );
    let f = Formats::new();
    customers_sheet(wb.add_worksheet(), plan, customers, &f)?;
    users_sheet(wb.add_worksheet(), customers, &f)?;
    subscriptions_sheet(wb.add_worksheet(), customers, &f)?;
    if let Some(rejections) = rejections {
        rejected_sheet(wb.add_worksheet(), rejections, &f)?;
    }
    lists_sheet(wb.add_worksheet(), plan)?;
    Ok(wb)
}

fn header_row(
    ws: &mut Worksheet,
    cols: &[(&str, f64)],
    f: &Formats,
    rows: usize,
) -> std::result::Result<(), XlsxError> {
    for (c, (name, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &f.header)?;
        ws.set_column_width(c as u16, *width)?;
    }
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows as u32, cols.len() as u16 - 1)?;
    // Printed: landscape, one page wide, the header on every page.
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

fn opt(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Option<String>,
) -> std::result::Result<(), XlsxError> {
    if let Some(v) = v {
        text(ws, r, c, v)?;
    }
    Ok(())
}

/// Writes text taken from the exports, its control and bidirectional characters made visible.
pub(crate) fn text(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &str,
) -> std::result::Result<(), XlsxError> {
    ws.write_string(r, c, crate::escape::visible(v).as_ref()).map(|_| ())
}

fn customers_sheet(
    ws: &mut Worksheet,
    plan: &Plan,
    customers: &[&CustomerPlan],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(CUSTOMERS_SHEET)?;
    header_row(ws, &CUSTOMER_COLUMNS, f, customers.len())?;
    for (i, c) in customers.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &c.customer_id)?;
        opt(ws, r, 1, &c.customer_name)?;
        opt(ws, r, 2, &c.account_manager)?;
        opt(ws, r, 3, &c.segment)?;
        let deadline = excel_date(c.deadline)?;
        ws.write_datetime_with_format(r, 4, &deadline, &f.date)?;
        ws.write_number(r, 5, c.days_left as f64)?;
        ws.write_string(r, 6, c.urgency.label())?;
        ws.write_number(r, 7, c.current_seats as f64)?;
        ws.write_number(r, 8, c.users_to_move.len() as f64)?;
        ws.write_number(r, 9, c.users_remove_only.len() as f64)?;
        text(ws, r, 10, &c.target.offer_name)?;
        ws.write_number(r, 11, c.seats_to_buy as f64)?;
        ws.write_string(r, 12, step_a(&c.purchase))?;
        ws.write_string(r, 13, "Yes")?;
        let a = if c.purchase.action == PurchaseAction::None { "Not needed" } else { "To do" };
        ws.write_string(r, 14, a)?;
        ws.write_string(
            r,
            15,
            if c.users.is_empty() && c.seats_basis == crate::plan::SeatsBasis::Users {
                "Not needed"
            } else {
                "To do"
            },
        )?;
        ws.write_string(r, 16, "To do")?;
        text(ws, r, 17, &c.target.reason_text)?;
        text(ws, r, 18, &c.notes.join(" "))?;
        ws.write_string(r, 20, &c.target.offer_name)?;
        ws.write_number(r, 21, c.seats_to_buy as f64)?;
    }
    ws.set_column_hidden(20)?;
    ws.set_column_hidden(21)?;
    let last = customers.len() as u32;
    if last == 0 {
        return Ok(());
    }
    customer_validations(ws, plan, last, f)
}

/// What the account managers may type in the editable columns, and the deadline colours.
fn customer_validations(
    ws: &mut Worksheet,
    plan: &Plan,
    last: u32,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let plans = format!("=Lists!$A$1:$A${}", plan.supported_offers.len().max(1));
    ws.add_data_validation(
        1,
        10,
        last,
        10,
        &DataValidation::new()
            .allow_list_formula(Formula::new(plans))
            .set_error_title("Not a supported plan")?
            .set_error_message("Pick one of the supported replacement plans from the list.")?,
    )?;
    ws.add_data_validation(
        1,
        13,
        last,
        13,
        &DataValidation::new().allow_list_strings(&["Yes", "No"])?,
    )?;
    ws.add_data_validation(1, 14, last, 16, &DataValidation::new().allow_list_strings(&STATUSES)?)?;
    ws.add_data_validation(
        1,
        11,
        last,
        11,
        &DataValidation::new()
            .allow_whole_number(rust_xlsxwriter::DataValidationRule::GreaterThanOrEqualTo(0)),
    )?;
    // Deadline colour by urgency, from the "Days left" column so it agrees with "Urgency".
    for (rule, format) in
        [("=$F2<0", &f.red), ("=$F2<=30", &f.amber), ("=$F2<=90", &f.yellow), ("=$F2>90", &f.green)]
    {
        ws.add_conditional_format(
            1,
            4,
            last,
            4,
            &ConditionalFormatFormula::new()
                .set_rule(rule)
                .set_format(format)
                .set_stop_if_true(true),
        )?;
    }
    Ok(())
}

fn users_sheet(
    ws: &mut Worksheet,
    customers: &[&CustomerPlan],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    const COLS: [(&str, f64); 10] = [
        ("Customer ID", 38.0),
        ("Customer", 28.0),
        ("Deadline", 12.0),
        ("User principal name", 36.0),
        ("Display name", 24.0),
        ("Action", 14.0),
        ("Remove licence", 26.0),
        ("Assign licence", 30.0),
        ("Covered by", 30.0),
        ("Status", 12.0),
    ];
    ws.set_name("Users")?;
    let rows: Vec<_> = customers.iter().flat_map(|c| c.users.iter().map(move |u| (c, u))).collect();
    header_row(ws, &COLS, f, rows.len())?;
    for (i, (c, u)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &c.customer_id)?;
        opt(ws, r, 1, &c.customer_name)?;
        let deadline = excel_date(c.deadline)?;
        ws.write_datetime_with_format(r, 2, &deadline, &f.date)?;
        text(ws, r, 3, &u.upn)?;
        opt(ws, r, 4, &u.display_name)?;
        ws.write_string(r, 5, if u.action == UserAction::Move { "move" } else { "remove only" })?;
        text(ws, r, 6, &u.remove_licence)?;
        opt(ws, r, 7, &u.assign_licence)?;
        opt(ws, r, 8, &u.covered_by)?;
        ws.write_string(r, 9, "To do")?;
    }
    if !rows.is_empty() {
        ws.add_data_validation(
            1,
            9,
            rows.len() as u32,
            9,
            &DataValidation::new().allow_list_strings(&STATUSES)?,
        )?;
    }
    Ok(())
}

fn subscriptions_sheet(
    ws: &mut Worksheet,
    customers: &[&CustomerPlan],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    const COLS: [(&str, f64); 12] = [
        ("Customer ID", 38.0),
        ("Customer", 28.0),
        ("Subscription ID", 38.0),
        ("Offer", 24.0),
        ("Seats", 8.0),
        ("End date", 12.0),
        ("Days left", 9.0),
        ("Lapsed", 8.0),
        ("Auto renew", 10.0),
        ("Billing cycle", 12.0),
        ("Unit price", 10.0),
        ("Currency", 9.0),
    ];
    ws.set_name("Subscriptions")?;
    let rows: Vec<_> = customers
        .iter()
        .flat_map(|c| c.expiring_subscriptions.iter().map(move |s| (c, s)))
        .collect();
    header_row(ws, &COLS, f, rows.len())?;
    for (i, (c, s)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, &c.customer_id)?;
        opt(ws, r, 1, &c.customer_name)?;
        ws.write_string(r, 2, &s.subscription_id)?;
        opt(ws, r, 3, &s.offer_name.clone().or_else(|| s.offer_id.clone()))?;
        ws.write_number(r, 4, s.quantity as f64)?;
        let end = excel_date(s.end_date)?;
        ws.write_datetime_with_format(r, 5, &end, &f.date)?;
        ws.write_number(r, 6, s.days_left as f64)?;
        ws.write_string(r, 7, if s.lapsed { "yes" } else { "no" })?;
        if let Some(a) = s.auto_renew {
            ws.write_string(r, 8, if a { "yes" } else { "no" })?;
        }
        opt(ws, r, 9, &s.billing_cycle.as_ref().map(|b| b.written.clone()))?;
        // Unit prices are kept as exact text; the cost report owns money.
        opt(ws, r, 10, &s.unit_price.map(|p| p.normalize().to_string()))?;
        opt(ws, r, 11, &s.currency)?;
    }
    Ok(())
}

fn rejected_sheet(
    ws: &mut Worksheet,
    rejections: &[Rejection],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    const COLS: [(&str, f64); 6] = [
        ("File", 36.0),
        ("Sheet", 14.0),
        ("Row", 7.0),
        ("Column", 8.0),
        ("Header", 24.0),
        ("Reason", 90.0),
    ];
    ws.set_name("Rejected")?;
    header_row(ws, &COLS, f, rejections.len())?;
    for (i, rej) in rejections.iter().enumerate() {
        let r = i as u32 + 1;
        let l = &rej.location;
        text(ws, r, 0, &l.file)?;
        opt(ws, r, 1, &l.sheet)?;
        if l.row > 0 {
            ws.write_number(r, 2, l.row as f64)?;
        }
        if let Some(col) = &l.col {
            ws.write_string(r, 3, col.letter())?;
            text(ws, r, 4, &col.header)?;
        }
        text(ws, r, 5, &rej.reason)?;
    }
    Ok(())
}

fn lists_sheet(ws: &mut Worksheet, plan: &Plan) -> std::result::Result<(), XlsxError> {
    ws.set_name("Lists")?;
    for (i, p) in plan.supported_offers.iter().enumerate() {
        ws.write_string(i as u32, 0, p)?;
    }
    ws.set_hidden(true);
    Ok(())
}

/// The customers of each account manager, for `by-account-manager/<slug>.xlsx`: (file name
/// stem, customers), by name.
pub fn by_account_manager(plan: &Plan) -> Vec<(String, Vec<&CustomerPlan>)> {
    use unicode_normalization::UnicodeNormalization;
    // One account manager however the name's accents were typed (composed or not).
    let mut groups: BTreeMap<String, Vec<&CustomerPlan>> = BTreeMap::new();
    for c in &plan.customers {
        if let Some(am) = c.account_manager.as_deref() {
            groups.entry(am.nfc().collect()).or_default().push(c);
        }
    }
    let slugs = slug::unique(
        groups
            .keys()
            .map(|name| {
                let s = Some(slug::slugify(name, 60))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "account-manager".into());
                // CON, AUX, NUL, ... cannot be file names on Windows.
                if slug::reserved_on_windows(&s) {
                    format!("{s}-am")
                } else {
                    s
                }
            })
            .collect(),
    );
    slugs.into_iter().zip(groups.into_values()).collect()
}
