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
use crate::plan::{slug, CustomerPlan, Plan, UserAction};

use super::csv_out::{alternative, step_a_all};
use crate::ingest::prices::Term;

pub use crate::worksheet_layout::{headers, users, CUSTOMERS_SHEET, USERS_SHEET};

/// Values of the step status columns.
pub const STATUSES: [&str; 4] = ["To do", "In progress", "Done", "Not needed"];

/// Columns of the "Customers" sheet: header, width, and whether long text wraps. The first
/// column is the customer id; the last four are hidden.
const CUSTOMER_COLUMNS: [(&str, f64, bool); 27] = [
    (headers::CUSTOMER_ID, 37.0, false),
    ("Customer", 24.0, true),
    ("Account manager", 16.0, true),
    ("Segment", 12.0, true),
    ("Deadline", 11.0, false),
    ("Days left", 8.0, false),
    ("Urgency", 13.0, true),
    ("Kaizala Pro seats", 9.0, false),
    ("Users to move", 9.0, false),
    ("Remove-only users", 9.0, false),
    (headers::TARGET, 26.0, true),
    (headers::SEATS, 9.0, false),
    (headers::TERM, 9.0, false),
    (headers::BILLING, 10.0, false),
    ("Step A", 30.0, true),
    ("Alternative", 40.0, true),
    (headers::INCLUDE, 8.0, false),
    (headers::STEP_A, 11.0, false),
    (headers::STEP_B, 11.0, false),
    (headers::STEP_C, 11.0, false),
    ("Reason", 40.0, true),
    ("Tool notes", 40.0, true),
    (headers::NOTES, 30.0, true),
    (headers::RECOMMENDED_TARGET, 20.0, false),
    (headers::RECOMMENDED_SEATS, 10.0, false),
    (headers::RECOMMENDED_TERM, 10.0, false),
    (headers::RECOMMENDED_BILLING, 10.0, false),
];

/// The index of a "Customers" column by its header.
const fn col(name: &str) -> u16 {
    let mut i = 0;
    while i < CUSTOMER_COLUMNS.len() {
        if const_eq(CUSTOMER_COLUMNS[i].0, name) {
            return i as u16;
        }
        i += 1;
    }
    panic!("no such column")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const TARGET: u16 = col(headers::TARGET);
const SEATS: u16 = col(headers::SEATS);
const TERM: u16 = col(headers::TERM);
const BILLING: u16 = col(headers::BILLING);
const INCLUDE: u16 = col(headers::INCLUDE);
const STEP_TEXT: u16 = col("Step A");
const ALTERNATIVE: u16 = col("Alternative");
const STEP_A: u16 = col(headers::STEP_A);
const STEP_C: u16 = col(headers::STEP_C);
const REASON: u16 = col("Reason");
const TOOL_NOTES: u16 = col("Tool notes");
const NOTES: u16 = col(headers::NOTES);
const RECOMMENDED_TARGET: u16 = col(headers::RECOMMENDED_TARGET);
const RECOMMENDED_SEATS: u16 = col(headers::RECOMMENDED_SEATS);
const RECOMMENDED_TERM: u16 = col(headers::RECOMMENDED_TERM);
const RECOMMENDED_BILLING: u16 = col(headers::RECOMMENDED_BILLING);

/// A row of the "Customers" sheet: a customer and whether the plan includes it.
pub type Row<'a> = (&'a CustomerPlan, bool);

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
    wrap: Format,
    top: Format,
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
            date: Format::new()
                .set_num_format("yyyy-mm-dd")
                .set_align(rust_xlsxwriter::FormatAlign::Top),
            red: fill(0xF8CBAD).set_font_color(Color::RGB(0x9C0006)),
            amber: fill(0xFFD966),
            yellow: fill(0xFFF2CC),
            green: fill(0xC6EFCE),
            wrap: Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top),
            top: Format::new().set_align(rust_xlsxwriter::FormatAlign::Top),
        }
    }
}

/// A date as a spreadsheet date value.
pub(crate) fn excel_date(d: NaiveDate) -> std::result::Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year())
        .map_err(|_| XlsxError::ParameterError(format!("date {d} out of range")))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// The workbook for a set of customers (each with whether the plan includes it: an excluded
/// customer's row says Include = No); `rejections` adds the "Rejected" sheet.
pub fn render(plan: &Plan, customers: &[Row], rejections: Option<&[Rejection]>) -> Result<Vec<u8>> {
    build(plan, customers, rejections).map_err(xerr)?.save_to_buffer().map_err(xerr)
}

/// The customers of a plan as workbook rows: those planned, then those excluded.
pub fn rows(plan: &Plan) -> Vec<Row<'_>> {
    let planned = plan.customers.iter().map(|c| (c, true));
    planned.chain(excluded(plan)).collect()
}

/// The excluded customers that carry their plan, as rows.
pub fn excluded(plan: &Plan) -> impl Iterator<Item = Row<'_>> {
    plan.excluded_customers.iter().filter_map(|e| e.plan.as_deref()).map(|c| (c, false))
}

fn build(
    plan: &Plan,
    customers: &[Row],
    rejections: Option<&[Rejection]>,
) -> std::result::Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    // The fastest deflate level: a thousand workbooks are written per run, and their XML
    // compresses well at any level (issue 12).
    wb.set_zip_compression_level(1);
    let created = excel_date(plan.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} migration worksheet", plan.profile.name))
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

/// The header row, column widths and print settings of a sheet. Printed, a sheet is landscape
/// at 75% (legible on A4 and Letter), long text wrapped in set widths, the header row and the
/// customer's name on every page, pages across a row before the next rows, and the sheet and
/// page number in the footer.
fn header_row(
    ws: &mut Worksheet,
    cols: &[(&str, f64, bool)],
    f: &Formats,
    rows: usize,
    name_col: Option<u16>,
) -> std::result::Result<(), XlsxError> {
    for (c, (name, width, wrap)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &f.header)?;
        ws.set_column_width(c as u16, *width)?;
        // Cells sit at the top of a row that a long text in another column makes taller.
        ws.set_column_format(c as u16, if *wrap { &f.wrap } else { &f.top })?;
    }
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, rows as u32, cols.len() as u16 - 1)?;
    ws.set_landscape();
    ws.set_print_scale(75);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    ws.set_repeat_rows(0, 0)?;
    if let Some(c) = name_col {
        ws.set_repeat_columns(c, c)?;
    }
    ws.set_page_order(false);
    ws.set_footer("&L&A&RPage &P of &N");
    Ok(())
}

/// Lines a text takes in a wrapped column of `width` characters (a little wider than the digit
/// width counts, as text is set in a proportional font).
fn lines(text: &str, width: f64) -> u32 {
    let per_line = (width * 1.1).max(1.0);
    text.split('\n')
        .map(|part| ((part.chars().count() as f64 / per_line).ceil() as u32).max(1))
        .sum()
}

/// Sets a row's height to hold its longest wrapped text: spreadsheet programs do not all fit
/// rows to wrapped text on opening (LibreOffice keeps the default height), and a cut-off row
/// prints cut off.
fn fit_row(
    ws: &mut Worksheet,
    r: u32,
    cols: &[(&str, f64, bool)],
    cells: &[(u16, &str)],
) -> std::result::Result<(), XlsxError> {
    let most = cells
        .iter()
        .filter_map(|(c, text)| {
            cols.get(*c as usize).filter(|col| col.2).map(|col| lines(text, col.1))
        })
        .max()
        .unwrap_or(1);
    if most > 1 {
        ws.set_row_height(r, 15.0 * f64::from(most.min(27)))?;
    }
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
    customers: &[Row],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(CUSTOMERS_SHEET)?;
    header_row(ws, &CUSTOMER_COLUMNS, f, customers.len(), Some(1))?;
    // The retiring product's seats, by its name.
    ws.write_string_with_format(0, 7, format!("{} seats", plan.profile.name), &f.header)?;
    for (i, (c, included)) in customers.iter().enumerate() {
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
        text(ws, r, TARGET, &c.target.plan)?;
        ws.write_number(r, SEATS, c.seats_to_buy as f64)?;
        // The term and billing of the new subscriptions (a plan's offers get the same).
        let bought = c.new_subscription();
        if let Some(t) = bought.and_then(|p| p.term) {
            ws.write_string(r, TERM, t.words())?;
        }
        if let Some(b) = bought.and_then(|p| p.billing) {
            ws.write_string(r, BILLING, b.as_str())?;
        }
        let step = step_a_all(&c.purchases);
        ws.write_string(r, STEP_TEXT, &step)?;
        let currency = c.cost.currency.as_deref();
        let alternatives: Vec<String> =
            c.alternatives.iter().map(|a| alternative(a, c, currency)).collect();
        let alternatives = alternatives.join("\n");
        text(ws, r, ALTERNATIVE, &alternatives)?;
        ws.write_string(r, INCLUDE, if *included { "Yes" } else { "No" })?;
        for (k, step) in c.steps.each().iter().enumerate() {
            ws.write_string(r, STEP_A + k as u16, step.label())?;
        }
        text(ws, r, REASON, &c.target.reason_text)?;
        let tool_notes = c.notes.join(" ");
        text(ws, r, TOOL_NOTES, &tool_notes)?;
        opt(ws, r, NOTES, &c.worksheet_notes)?;
        let wrapped: [(u16, &str); 8] = [
            (1, c.customer_name.as_deref().unwrap_or_default()),
            (2, c.account_manager.as_deref().unwrap_or_default()),
            (TARGET, &c.target.plan),
            (STEP_TEXT, &step),
            (ALTERNATIVE, &alternatives),
            (REASON, &c.target.reason_text),
            (TOOL_NOTES, &tool_notes),
            (NOTES, c.worksheet_notes.as_deref().unwrap_or_default()),
        ];
        fit_row(ws, r, &CUSTOMER_COLUMNS, &wrapped)?;
        text(ws, r, RECOMMENDED_TARGET, &c.recommended.target)?;
        ws.write_number(r, RECOMMENDED_SEATS, c.recommended.seats as f64)?;
        if let Some(t) = c.recommended.term {
            ws.write_string(r, RECOMMENDED_TERM, t.words())?;
        }
        if let Some(b) = c.recommended.billing {
            ws.write_string(r, RECOMMENDED_BILLING, b.as_str())?;
        }
    }
    for hidden in RECOMMENDED_TARGET..=RECOMMENDED_BILLING {
        ws.set_column_hidden(hidden)?;
    }
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
        TARGET,
        last,
        TARGET,
        &DataValidation::new()
            .allow_list_formula(Formula::new(plans))
            .set_error_title("Not a supported plan")?
            .set_error_message("Pick one of the supported replacement plans from the list.")?,
    )?;
    let terms: Vec<String> = Term::PURCHASABLE.iter().map(|t| t.words()).collect();
    ws.add_data_validation(
        1,
        TERM,
        last,
        TERM,
        &DataValidation::new()
            .allow_list_strings(&terms)?
            .set_input_title("Term of a new subscription")?
            .set_input_message(
                "1 month, 1 year or 3 years. A top-up keeps its subscription's term.",
            )?,
    )?;
    ws.add_data_validation(
        1,
        BILLING,
        last,
        BILLING,
        &DataValidation::new()
            .allow_list_strings(&["monthly", "annual", "triennial"])?
            .set_input_title("Billing of a new subscription")?
            .set_input_message("1 month: monthly. 1 year: monthly or annual. 3 years: any.")?,
    )?;
    ws.add_data_validation(
        1,
        INCLUDE,
        last,
        INCLUDE,
        &DataValidation::new().allow_list_strings(&["Yes", "No"])?,
    )?;
    ws.add_data_validation(
        1,
        STEP_A,
        last,
        STEP_C,
        &DataValidation::new().allow_list_strings(&STATUSES)?,
    )?;
    ws.add_data_validation(
        1,
        SEATS,
        last,
        SEATS,
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
    customers: &[Row],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    const COLS: [(&str, f64, bool); 10] = [
        (headers::CUSTOMER_ID, 37.0, false),
        ("Customer", 24.0, true),
        ("Deadline", 11.0, false),
        (users::UPN, 34.0, true),
        ("Display name", 22.0, true),
        ("Action", 12.0, false),
        ("Remove licence", 24.0, true),
        ("Assign licence", 26.0, true),
        ("Covered by", 26.0, true),
        (users::STATUS, 11.0, false),
    ];
    ws.set_name(USERS_SHEET)?;
    let rows: Vec<_> =
        customers.iter().flat_map(|(c, _)| c.users.iter().map(move |u| (c, u))).collect();
    header_row(ws, &COLS, f, rows.len(), Some(3))?;
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
        let assign = u.assign_licences.join(" + ");
        if !assign.is_empty() {
            text(ws, r, 7, &assign)?;
        }
        opt(ws, r, 8, &u.covered_by)?;
        ws.write_string(r, 9, u.status.label())?;
        let wrapped: [(u16, &str); 6] = [
            (1, c.customer_name.as_deref().unwrap_or_default()),
            (3, &u.upn),
            (4, u.display_name.as_deref().unwrap_or_default()),
            (6, &u.remove_licence),
            (7, &assign),
            (8, u.covered_by.as_deref().unwrap_or_default()),
        ];
        fit_row(ws, r, &COLS, &wrapped)?;
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
    customers: &[Row],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    const COLS: [(&str, f64, bool); 12] = [
        (headers::CUSTOMER_ID, 37.0, false),
        ("Customer", 24.0, true),
        ("Subscription ID", 37.0, false),
        ("Offer", 22.0, true),
        ("Seats", 8.0, false),
        ("End date", 11.0, false),
        ("Days left", 8.0, false),
        ("Lapsed", 8.0, false),
        ("Auto renew", 10.0, false),
        ("Billing cycle", 11.0, false),
        ("Unit price", 10.0, false),
        ("Currency", 9.0, false),
    ];
    ws.set_name("Subscriptions")?;
    let rows: Vec<_> = customers
        .iter()
        .flat_map(|(c, _)| c.expiring_subscriptions.iter().map(move |s| (c, s)))
        .collect();
    header_row(ws, &COLS, f, rows.len(), Some(1))?;
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
    const COLS: [(&str, f64, bool); 6] = [
        ("File", 30.0, true),
        ("Sheet", 14.0, true),
        ("Row", 7.0, false),
        ("Column", 8.0, false),
        ("Header", 22.0, true),
        ("Reason", 80.0, true),
    ];
    ws.set_name("Rejected")?;
    header_row(ws, &COLS, f, rejections.len(), None)?;
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
        fit_row(ws, r, &COLS, &[(0, &l.file), (5, &rej.reason)])?;
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
/// stem, rows), by name; excluded customers come after the planned ones.
pub fn by_account_manager(plan: &Plan) -> Vec<(String, Vec<Row<'_>>)> {
    use unicode_normalization::UnicodeNormalization;
    // One account manager however the name's accents were typed (composed or not).
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for (c, included) in rows(plan) {
        if let Some(am) = c.account_manager.as_deref() {
            groups.entry(am.nfc().collect()).or_default().push((c, included));
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
