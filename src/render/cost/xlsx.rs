//! `cost-report.xlsx`: summary, per customer, per grouping and every line, with currency number
//! formats and native charts.

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Chart, ChartType, DocProperties, Format, Workbook, Worksheet, XlsxError};

use super::NO_CURRENCY;
use crate::error::{Error, Result};
use crate::money::{minor_digits, Money};
use crate::plan::{CostSide, GroupTotal, Plan};
use crate::render::workbook::{excel_date, text};

type XlsxResult<T> = std::result::Result<T, XlsxError>;

fn xerr(e: XlsxError) -> Error {
    Error::Internal(format!("cannot build the cost report workbook: {e}"))
}

/// An Excel number format for amounts in a currency: `#,##0.00 "EUR"`.
fn currency_format(currency: Option<&str>) -> Format {
    let digits = minor_digits(currency);
    let body = if digits == 0 {
        "#,##0".to_string()
    } else {
        format!("#,##0.{}", "0".repeat(digits as usize))
    };
    let code = currency.unwrap_or("");
    let fmt = if code.is_empty() {
        format!("{body};-{body}")
    } else {
        format!("{body} \"{code}\";-{body} \"{code}\"")
    };
    Format::new().set_num_format(fmt)
}

/// An amount as an Excel number: the exact decimal, to the 15 significant digits a
/// spreadsheet cell holds.
fn cell_number(m: Money) -> f64 {
    m.0.to_f64().unwrap_or(f64::NAN)
}

fn write_money(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    m: Option<Money>,
    currency: Option<&str>,
    none: &str,
) -> std::result::Result<(), XlsxError> {
    match m {
        Some(m) => ws
            .write_number_with_format(r, c, cell_number(m), &currency_format(currency))
            .map(|_| ()),
        None => ws.write_string(r, c, none).map(|_| ()),
    }
}

const GROUP_HEADER: [&str; 12] = [
    "",
    "Currency",
    "Customers",
    "Seats to migrate",
    "Seats to buy",
    "Current monthly",
    "New monthly",
    "Monthly delta",
    "Annual delta",
    "Remove-only saving (monthly)",
    "Lines without price",
    "Customers without delta",
];

/// Landscape, one page wide, header row repeated: readable printed.
fn print_setup(ws: &mut Worksheet) -> std::result::Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

fn group_sheet(
    ws: &mut Worksheet,
    first: &str,
    rows: &[GroupTotal],
    start: u32,
    header: &Format,
) -> std::result::Result<u32, XlsxError> {
    for (i, h) in GROUP_HEADER.iter().enumerate() {
        ws.write_string_with_format(start, i as u16, if i == 0 { first } else { h }, header)?;
    }
    for (i, g) in rows.iter().enumerate() {
        let r = start + 1 + i as u32;
        let cur = g.currency.as_deref();
        text(ws, r, 0, &g.key)?;
        ws.write_string(r, 1, cur.unwrap_or(NO_CURRENCY))?;
        ws.write_number(r, 2, g.customers as f64)?;
        ws.write_number(r, 3, g.seats_to_migrate as f64)?;
        ws.write_number(r, 4, g.seats_to_buy as f64)?;
        for (c, m) in super::group_sums(g).into_iter().enumerate() {
            write_money(ws, r, 5 + c as u16, m, cur, "no price")?;
        }
        ws.write_number(r, 10, g.lines_without_price as f64)?;
        ws.write_number(r, 11, g.customers_without_delta as f64)?;
    }
    ws.set_column_width(0, 30)?;
    for c in 1..12u16 {
        ws.set_column_width(c, 15)?;
    }
    Ok(start + 1 + rows.len() as u32)
}

/// The header row, with each column's width.
fn header_row(ws: &mut Worksheet, cols: &[(&str, f64)], header: &Format) -> XlsxResult<()> {
    for (i, (h, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, header)?;
        ws.set_column_width(i as u16, *width)?;
    }
    Ok(())
}

/// How the workbook names the side of a cost line.
fn side_word(side: CostSide) -> &'static str {
    match side {
        CostSide::Current => "today",
        CostSide::Target => "after",
    }
}

/// `cost-report.xlsx`.
pub fn xlsx(plan: &Plan) -> Result<Vec<u8>> {
    build_xlsx(plan).map_err(xerr)
}

fn build_xlsx(plan: &Plan) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(1);
    let when = excel_date(plan.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&when)
            .set_title(format!("{} migration: cost report", plan.profile.name)),
    );
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#DDEBF7");
    summary_sheet(wb.add_worksheet().set_name("Summary")?, plan, &header)?;
    customers_sheet(wb.add_worksheet().set_name("Customers")?, plan, &header)?;
    let t = &plan.cost_totals;
    for (name, first, rows) in [
        ("By account manager", "Account manager", &t.by_account_manager),
        ("By target plan", "Target plan", &t.by_target_plan),
        ("By urgency", "Urgency", &t.by_urgency),
        ("By deadline month", "Deadline month", &t.by_deadline_month),
    ] {
        let ws = wb.add_worksheet().set_name(name)?;
        group_sheet(ws, first, rows, 0, &header)?;
        ws.set_freeze_panes(1, 1)?;
        print_setup(ws)?;
    }
    lines_sheet(wb.add_worksheet().set_name("Lines")?, plan, &header)?;
    wb.save_to_buffer()
}

/// Totals, with the chart data beside them and the charts below.
fn summary_sheet(ws: &mut Worksheet, plan: &Plan, header: &Format) -> XlsxResult<()> {
    let title = Format::new().set_bold().set_font_size(14);
    let t = &plan.cost_totals;
    let heading = format!("{} migration: cost report", plan.profile.name);
    ws.write_string_with_format(0, 0, heading, &title)?;
    ws.write_string(1, 0, format!("As of {}. Monthly amounts per currency; amounts in different currencies are never added together.", plan.as_of))?;
    ws.write_string(2, 0, "Each line is unit price x seats / months the price covers, rounded to the currency's minor unit (half away from zero); totals are exact sums of lines; annual = 12 x monthly.")?;
    let lists = if t.price_lists.is_empty() {
        "No price list given (--prices): only the subscriptions' own unit prices are known."
            .to_string()
    } else {
        format!("Price lists: {}.", t.price_lists.join(", "))
    };
    ws.write_string(3, 0, lists)?;
    let mut r = group_sheet(ws, "Totals", &t.overall, 5, header)?;
    r += 2;
    let charts = chart_data(ws, plan, header)?;
    for chart in &charts {
        ws.insert_chart(r, 0, chart)?;
        r += 16;
    }
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Chart data beside the totals (delta by target plan, one block per currency; seats by deadline
/// month), and the charts that read it.
fn chart_data(ws: &mut Worksheet, plan: &Plan, header: &Format) -> XlsxResult<Vec<Chart>> {
    let t = &plan.cost_totals;
    let data_col: u16 = 14;
    ws.write_string_with_format(3, data_col, "Chart data", header)?;
    let mut data_row: u32 = 4;
    let mut charts = Vec::new();
    let currencies: Vec<Option<String>> = t.overall.iter().map(|g| g.currency.clone()).collect();
    for cur in &currencies {
        let rows: Vec<&GroupTotal> =
            t.by_target_plan.iter().filter(|g| &g.currency == cur).collect();
        if rows.iter().all(|g| g.customers_without_delta == g.customers) {
            // No customer in this currency has a priced delta: nothing to chart.
            continue;
        }
        let label = cur.clone().unwrap_or_else(|| NO_CURRENCY.into());
        ws.write_string_with_format(data_row, data_col, format!("Target plan ({label})"), header)?;
        ws.write_string_with_format(
            data_row,
            data_col + 1,
            format!("Monthly delta ({label})"),
            header,
        )?;
        let first = data_row + 1;
        for (i, g) in rows.iter().enumerate() {
            ws.write_string(first + i as u32, data_col, &g.key)?;
            let delta = super::group_sums(g)[2];
            write_money(ws, first + i as u32, data_col + 1, delta, cur.as_deref(), "no price")?;
        }
        let last = first + rows.len() as u32 - 1;
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name(&format!("Monthly delta by target plan ({label})"));
        chart
            .add_series()
            .set_name(&format!("Monthly delta ({label})"))
            .set_categories(("Summary", first, data_col, last, data_col))
            .set_values(("Summary", first, data_col + 1, last, data_col + 1));
        chart.legend().set_hidden();
        chart.x_axis().set_num_format(format!("#,##0 \"{}\"", cur.as_deref().unwrap_or("")));
        charts.push(chart);
        data_row = last + 2;
    }
    ws.write_string_with_format(data_row, data_col, "Deadline month", header)?;
    ws.write_string_with_format(data_row, data_col + 1, "Seats to migrate", header)?;
    let first = data_row + 1;
    for (i, m) in t.seats_by_deadline_month.iter().enumerate() {
        ws.write_string(first + i as u32, data_col, &m.month)?;
        ws.write_number(first + i as u32, data_col + 1, m.seats_to_migrate as f64)?;
    }
    if !t.seats_by_deadline_month.is_empty() {
        let last = first + t.seats_by_deadline_month.len() as u32 - 1;
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name("Seats to migrate by deadline month");
        chart
            .add_series()
            .set_name("Seats to migrate")
            .set_categories(("Summary", first, data_col, last, data_col))
            .set_values(("Summary", first, data_col + 1, last, data_col + 1));
        chart.legend().set_hidden();
        charts.push(chart);
    }
    ws.set_column_width(data_col, 30)?;
    ws.set_column_width(data_col + 1, 18)?;
    Ok(charts)
}

/// One row per customer.
fn customers_sheet(ws: &mut Worksheet, plan: &Plan, header: &Format) -> XlsxResult<()> {
    let cols: [(&str, f64); 17] = [
        ("Customer", 28.0),
        ("Customer id", 38.0),
        ("Account manager", 18.0),
        ("Target plan", 28.0),
        ("Deadline", 12.0),
        ("Urgency", 14.0),
        ("Currency", 9.0),
        ("Seats to migrate", 10.0),
        ("Seats to buy", 10.0),
        ("Current monthly", 15.0),
        ("New monthly", 15.0),
        ("Monthly delta", 15.0),
        ("Annual delta", 15.0),
        ("Remove-only saving (monthly)", 15.0),
        ("Lines without price", 10.0),
        ("New commerce remaining term", 15.0),
        ("Price sources", 70.0),
    ];
    header_row(ws, &cols, header)?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, c) in plan.customers.iter().enumerate() {
        let r = i as u32 + 1;
        let k = &c.cost;
        let cur = k.currency.as_deref();
        text(ws, r, 0, c.customer_name.as_deref().unwrap_or(&c.customer_id))?;
        ws.write_string(r, 1, &c.customer_id)?;
        text(ws, r, 2, c.account_manager.as_deref().unwrap_or(""))?;
        ws.write_string(r, 3, &c.target.plan)?;
        ws.write_datetime_with_format(r, 4, excel_date(c.deadline)?, &date)?;
        ws.write_string(r, 5, c.urgency.label())?;
        ws.write_string(r, 6, cur.unwrap_or(NO_CURRENCY))?;
        ws.write_number(r, 7, c.seats_needed as f64)?;
        ws.write_number(r, 8, c.seats_to_buy as f64)?;
        write_money(ws, r, 9, k.current_monthly, cur, "no price")?;
        write_money(ws, r, 10, k.target_monthly, cur, "no price")?;
        write_money(ws, r, 11, k.delta_monthly, cur, "no price")?;
        write_money(ws, r, 12, k.delta_annual, cur, "no price")?;
        write_money(ws, r, 13, k.remove_only_saving_monthly, cur, "")?;
        ws.write_number(r, 14, k.lines_without_price as f64)?;
        write_money(ws, r, 15, k.remaining_term, cur, "")?;
        let sources: Vec<String> = k
            .lines
            .iter()
            .map(|l| format!("{} {}: {}", side_word(l.side), l.offer_name, l.price_source))
            .collect();
        ws.write_string(r, 16, sources.join("; "))?;
    }
    ws.set_freeze_panes(1, 1)?;
    print_setup(ws)?;
    if !plan.customers.is_empty() {
        ws.autofilter(0, 0, plan.customers.len() as u32, 16)?;
    }
    Ok(())
}

/// Every cost line.
fn lines_sheet(ws: &mut Worksheet, plan: &Plan, header: &Format) -> XlsxResult<()> {
    let cols: [(&str, f64); 12] = [
        ("Customer", 28.0),
        ("Side", 8.0),
        ("Offer", 30.0),
        ("Subscription", 38.0),
        ("Seats", 8.0),
        ("Currency", 9.0),
        ("Unit price", 12.0),
        ("Months the price covers", 10.0),
        ("Monthly", 14.0),
        ("Term", 8.0),
        ("Billing", 10.0),
        ("Price source", 70.0),
    ];
    header_row(ws, &cols, header)?;
    let mut r = 1;
    for c in &plan.customers {
        let cur = c.cost.currency.as_deref();
        for l in &c.cost.lines {
            text(ws, r, 0, c.customer_name.as_deref().unwrap_or(&c.customer_id))?;
            ws.write_string(r, 1, side_word(l.side))?;
            text(ws, r, 2, &l.offer_name)?;
            ws.write_string(r, 3, l.subscription_id.as_deref().unwrap_or(""))?;
            ws.write_number(r, 4, l.seats as f64)?;
            ws.write_string(r, 5, cur.unwrap_or(NO_CURRENCY))?;
            match l.unit_price {
                Some(p) => ws.write_number(r, 6, cell_number(p))?,
                None => ws.write_string(r, 6, "no price")?,
            };
            if let Some(m) = l.price_period_months {
                ws.write_number(r, 7, f64::from(m))?;
            }
            write_money(ws, r, 8, l.monthly, cur, "no price")?;
            ws.write_string(r, 9, l.term.as_deref().unwrap_or(""))?;
            ws.write_string(r, 10, l.billing.as_deref().unwrap_or(""))?;
            ws.write_string(r, 11, &l.price_source)?;
            r += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    print_setup(ws)?;
    Ok(())
}
