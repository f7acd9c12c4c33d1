//! The cost report: `cost-report.csv` (one row per customer), `cost-report.xlsx` (summary, per
//! customer, per grouping, every line, native charts) and `cost-report.html` (one self-contained
//! page with inline SVG charts). All three read the costs and totals the price stage put in the
//! plan; none adds money up itself.

use std::fmt::Write as _;
use std::io::Write;

use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Chart, ChartType, DocProperties, Format, Workbook, Worksheet, XlsxError};

use crate::error::{Error, Result};
use crate::money::minor_digits;
use crate::plan::{CostSide, CustomerPlan, GroupTotal, Money, Plan};

use super::workbook::excel_date;
use crate::escape::{csv_cell as safe, html as esc};

/// What a report calls a customer no source gives a currency for.
pub const NO_CURRENCY: &str = "no currency";

fn werr(e: std::io::Error) -> Error {
    Error::Internal(format!("cannot write the cost report: {e}"))
}

fn xerr(e: XlsxError) -> Error {
    Error::Internal(format!("cannot build the cost report workbook: {e}"))
}

fn money_opt(m: Option<Money>) -> String {
    m.map(|m| m.to_string()).unwrap_or_default()
}

fn line_source(c: &CustomerPlan, side: CostSide) -> String {
    c.cost
        .lines
        .iter()
        .filter(|l| l.side == side)
        .map(|l| l.price_source.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Header of `cost-report.csv`.
pub const CSV_HEADER: [&str; 22] = [
    "customer_id",
    "customer_name",
    "account_manager",
    "target_plan",
    "urgency",
    "deadline",
    "deadline_month",
    "currency",
    "kaizala_pro_seats",
    "seats_to_migrate",
    "seats_to_buy",
    "purchase_action",
    "current_monthly",
    "target_monthly",
    "delta_monthly",
    "delta_annual",
    "users_remove_only",
    "remove_only_saving_monthly",
    "lines_without_price",
    "current_price_source",
    "target_price_source",
    "complete",
];

/// `cost-report.csv`: one row per customer, amounts as exact decimal strings; an amount with no
/// price is empty and its price source says "no price". Text Excel would take for a formula is
/// prefixed with `'` (amounts are not text and keep their sign).
pub fn write_csv(plan: &Plan, w: &mut dyn Write) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let cerr = |e: csv::Error| Error::Internal(format!("cannot write the cost report: {e}"));
    out.write_record(CSV_HEADER).map_err(cerr)?;
    for c in &plan.customers {
        let k = &c.cost;
        out.write_record([
            c.customer_id.clone(),
            safe(c.customer_name.as_deref().unwrap_or_default()),
            safe(c.account_manager.as_deref().unwrap_or_default()),
            c.target.offer_name.clone(),
            c.urgency.label().to_string(),
            c.deadline.to_string(),
            c.deadline.format("%Y-%m").to_string(),
            k.currency.clone().unwrap_or_default(),
            c.current_seats.to_string(),
            c.seats_needed.to_string(),
            c.seats_to_buy.to_string(),
            format!("{:?}", c.purchase.action).to_lowercase(),
            money_opt(k.current_monthly),
            money_opt(k.target_monthly),
            money_opt(k.delta_monthly),
            money_opt(k.delta_annual),
            c.users_remove_only.len().to_string(),
            money_opt(k.remove_only_saving_monthly),
            k.lines_without_price.to_string(),
            safe(&line_source(c, CostSide::Current)),
            safe(&line_source(c, CostSide::Target)),
            if k.lines_without_price == 0 { "yes" } else { "no" }.to_string(),
        ])
        .map_err(cerr)?;
    }
    out.flush().map_err(werr)
}

// ---------------------------------------------------------------- XLSX

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
        ws.write_string(r, 0, &g.key)?;
        ws.write_string(r, 1, cur.unwrap_or(NO_CURRENCY))?;
        ws.write_number(r, 2, g.customers as f64)?;
        ws.write_number(r, 3, g.seats_to_migrate as f64)?;
        ws.write_number(r, 4, g.seats_to_buy as f64)?;
        for (c, m) in [
            g.current_monthly,
            g.target_monthly,
            g.delta_monthly,
            g.delta_annual,
            g.remove_only_saving_monthly,
        ]
        .into_iter()
        .enumerate()
        {
            write_money(ws, r, 5 + c as u16, Some(m), cur, "")?;
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

/// `cost-report.xlsx`.
pub fn xlsx(plan: &Plan) -> Result<Vec<u8>> {
    build_xlsx(plan).map_err(xerr)
}

fn build_xlsx(plan: &Plan) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let when = excel_date(plan.as_of)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&when)
            .set_title("Kaizala Pro migration: cost report"),
    );
    let header = Format::new().set_bold().set_text_wrap().set_background_color("#DDEBF7");
    let title = Format::new().set_bold().set_font_size(14);
    let t = &plan.cost_totals;

    // Summary with the chart data beside the totals.
    let ws = wb.add_worksheet().set_name("Summary")?;
    ws.write_string_with_format(0, 0, "Kaizala Pro migration: cost report", &title)?;
    ws.write_string(1, 0, format!("As of {}. Monthly amounts per currency; amounts in different currencies are never added together.", plan.as_of))?;
    ws.write_string(2, 0, "Each line is unit price x seats / months the price covers, rounded to the currency's minor unit (half away from zero); totals are exact sums of lines; annual = 12 x monthly.")?;
    let lists = if t.price_lists.is_empty() {
        "No price list given (--prices): only the subscriptions' own unit prices are known."
            .to_string()
    } else {
        format!("Price lists: {}.", t.price_lists.join(", "))
    };
    ws.write_string(3, 0, lists)?;
    let mut r = group_sheet(ws, "Totals", &t.overall, 5, &header)?;
    r += 2;
    // Chart data: delta by target plan, one block per currency; seats by deadline month.
    let data_col: u16 = 14;
    ws.write_string_with_format(3, data_col, "Chart data", &header)?;
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
        ws.write_string_with_format(data_row, data_col, format!("Target plan ({label})"), &header)?;
        ws.write_string_with_format(
            data_row,
            data_col + 1,
            format!("Monthly delta ({label})"),
            &header,
        )?;
        let first = data_row + 1;
        for (i, g) in rows.iter().enumerate() {
            ws.write_string(first + i as u32, data_col, &g.key)?;
            write_money(
                ws,
                first + i as u32,
                data_col + 1,
                Some(g.delta_monthly),
                cur.as_deref(),
                "",
            )?;
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
    ws.write_string_with_format(data_row, data_col, "Deadline month", &header)?;
    ws.write_string_with_format(data_row, data_col + 1, "Seats to migrate", &header)?;
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
    for chart in &charts {
        ws.insert_chart(r, 0, chart)?;
        r += 16;
    }
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);

    // Per customer.
    let ws = wb.add_worksheet().set_name("Customers")?;
    let cols: [(&str, f64); 16] = [
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
        ("Price sources", 70.0),
    ];
    for (i, (h, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &header)?;
        ws.set_column_width(i as u16, *width)?;
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, c) in plan.customers.iter().enumerate() {
        let r = i as u32 + 1;
        let k = &c.cost;
        let cur = k.currency.as_deref();
        ws.write_string(r, 0, c.customer_name.as_deref().unwrap_or(&c.customer_id))?;
        ws.write_string(r, 1, &c.customer_id)?;
        ws.write_string(r, 2, c.account_manager.as_deref().unwrap_or(""))?;
        ws.write_string(r, 3, &c.target.offer_name)?;
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
        let sources: Vec<String> = k
            .lines
            .iter()
            .map(|l| {
                format!(
                    "{} {}: {}",
                    match l.side {
                        CostSide::Current => "today",
                        CostSide::Target => "after",
                    },
                    l.offer_name,
                    l.price_source
                )
            })
            .collect();
        ws.write_string(r, 15, sources.join("; "))?;
    }
    ws.set_freeze_panes(1, 1)?;
    print_setup(ws)?;
    if !plan.customers.is_empty() {
        ws.autofilter(0, 0, plan.customers.len() as u32, 15)?;
    }

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

    // Every line.
    let ws = wb.add_worksheet().set_name("Lines")?;
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
    for (i, (h, width)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &header)?;
        ws.set_column_width(i as u16, *width)?;
    }
    let mut r = 1;
    for c in &plan.customers {
        let cur = c.cost.currency.as_deref();
        for l in &c.cost.lines {
            ws.write_string(r, 0, c.customer_name.as_deref().unwrap_or(&c.customer_id))?;
            ws.write_string(
                r,
                1,
                match l.side {
                    CostSide::Current => "today",
                    CostSide::Target => "after",
                },
            )?;
            ws.write_string(r, 2, &l.offer_name)?;
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
    wb.save_to_buffer()
}

// ---------------------------------------------------------------- HTML

/// `1234567.50` as `1,234,567.50`.
pub fn grouped(amount: &str) -> String {
    let (sign, rest) = amount.strip_prefix('-').map_or(("", amount), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn money_html(m: Option<Money>, currency: Option<&str>) -> String {
    match m {
        Some(m) => format!("{} {}", grouped(&m.to_string()), esc(currency.unwrap_or("")))
            .trim_end()
            .to_string(),
        None => "<span class=\"none\">no price</span>".into(),
    }
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1b1b;margin:24px auto;max-width:1200px;padding:0 16px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}\
p.meta{color:#555;margin:0 0 12px}table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-variant-numeric:tabular-nums}\
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}th{background:#eef3f8}\
th.n{text-align:right}td.n{text-align:right;white-space:nowrap}tr:nth-child(even) td{background:#fafbfc}\
.neg{color:#116329}.pos{color:#9a2b00}.none{color:#8a6d00;font-style:italic}\
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.scroll{overflow-x:auto}td.d{white-space:nowrap}.chart{border:1px solid #d0d7de;padding:8px;flex:1 1 520px}\
.chart svg{width:100%;height:auto}th.sort{cursor:pointer}th.sort:after{content:' \\2195';color:#888}\
.warn{background:#fff8e1;border:1px solid #f0d98c;padding:8px 12px}\
@media print{body{margin:0;max-width:none;font-size:11px}.chart{break-inside:avoid}tr{break-inside:avoid}th.sort:after{content:''}}";

const SORT_JS: &str = "document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){th.classList.add('sort');th.addEventListener('click',function(){var b=t.tBodies[0],rows=Array.from(b.rows),asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';rows.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return asc?r:-r});rows.forEach(function(r){b.appendChild(r)})})})});";

fn class_of(m: Option<Money>) -> &'static str {
    match m {
        Some(m) if m.0.is_sign_negative() && !m.0.is_zero() => "n neg",
        Some(m) if !m.0.is_zero() => "n pos",
        _ => "n",
    }
}

/// A group sum: "no price" when it is zero only because its lines have no price.
fn priced(m: Money, lines_without_price: u64, currency: Option<&str>) -> String {
    if m.0.is_zero() && lines_without_price > 0 {
        money_html(None, currency)
    } else {
        money_html(Some(m), currency)
    }
}

/// A group delta: "no price" when no customer of the group has one.
fn delta_cell(g: &GroupTotal, m: Money, currency: Option<&str>) -> String {
    if g.customers_without_delta == g.customers {
        money_html(None, currency)
    } else {
        money_html(Some(m), currency)
    }
}

fn group_table(out: &mut String, first: &str, rows: &[GroupTotal]) {
    let key_col = !first.is_empty();
    let _ = write!(out, "<div class=\"scroll\"><table><thead><tr>{}<th>Currency</th><th class=\"n\">Customers</th><th class=\"n\">Seats to migrate</th><th class=\"n\">Seats to buy</th><th class=\"n\">Current monthly</th><th class=\"n\">New monthly</th><th class=\"n\">Monthly delta</th><th class=\"n\">Annual delta</th><th class=\"n\">Remove-only saving</th><th class=\"n\">Lines without price</th><th class=\"n\">Customers without delta</th></tr></thead><tbody>", if key_col { format!("<th>{}</th>", esc(first)) } else { String::new() });
    for g in rows {
        let cur = g.currency.as_deref();
        let _ = write!(
            out,
            "<tr>{}<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if key_col { format!("<td>{}</td>", esc(&g.key)) } else { String::new() },
            esc(cur.unwrap_or(NO_CURRENCY)),
            g.customers,
            g.seats_to_migrate,
            g.seats_to_buy,
            priced(g.current_monthly, g.lines_without_price, cur),
            priced(g.target_monthly, g.lines_without_price, cur),
            class_of(Some(g.delta_monthly)),
            delta_cell(g, g.delta_monthly, cur),
            class_of(Some(g.delta_annual)),
            delta_cell(g, g.delta_annual, cur),
            money_html(Some(g.remove_only_saving_monthly), cur),
            g.lines_without_price,
            g.customers_without_delta,
        );
    }
    out.push_str("</tbody></table></div>");
}

/// A horizontal bar chart of signed values, as inline SVG.
fn svg_bars(title: &str, bars: &[(String, f64, String)]) -> String {
    let row_h = 26.0;
    let label_w = 260.0;
    let width = 760.0;
    let plot_w = width - label_w - 130.0;
    let height = 40.0 + row_h * bars.len() as f64 + 10.0;
    let max = bars.iter().map(|b| b.1.abs()).fold(0.0_f64, f64::max).max(1e-9);
    let has_neg = bars.iter().any(|b| b.1 < 0.0);
    let zero_x = if has_neg { label_w + plot_w / 2.0 } else { label_w };
    let scale = if has_neg { plot_w / 2.0 / max } else { plot_w / max };
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"bold\">{t}</text>", t = esc(title));
    for (i, (label, v, shown)) in bars.iter().enumerate() {
        let y = 34.0 + row_h * i as f64;
        let w = v.abs() * scale;
        let x = if *v < 0.0 { zero_x - w } else { zero_x };
        let color = if *v < 0.0 { "#2da44e" } else { "#cf5c36" };
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"end\">{l}</text><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h}\" fill=\"{color}\"><title>{l}: {v}</title></rect><text x=\"{vx:.1}\" y=\"{ty}\" font-size=\"12\">{v}</text>",
            lx = label_w - 8.0,
            ty = y + 15.0,
            l = esc(label),
            h = row_h - 8.0,
            v = esc(shown),
            vx = if *v < 0.0 { zero_x + 4.0 } else { zero_x + w + 4.0 },
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{zero_x}\" y1=\"28\" x2=\"{zero_x}\" y2=\"{}\" stroke=\"#444\"/></svg>",
        height - 6.0
    );
    s
}

/// A vertical column chart of counts, as inline SVG.
fn svg_columns(title: &str, cols: &[(String, u64)]) -> String {
    let width = 760.0;
    let height = 300.0;
    let top = 40.0;
    let bottom = height - 40.0;
    let left = 50.0;
    let n = cols.len().max(1) as f64;
    let slot = (width - left - 10.0) / n;
    let max = cols.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title><text x=\"0\" y=\"18\" font-size=\"15\" font-weight=\"bold\">{t}</text>", t = esc(title));
    for (i, (label, v)) in cols.iter().enumerate() {
        let h = (*v as f64 / max) * (bottom - top);
        let x = left + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"#3b6ea5\"><title>{l}: {v} seats</title></rect><text x=\"{cx:.1}\" y=\"{vy:.1}\" font-size=\"12\" text-anchor=\"middle\">{v}</text><text x=\"{cx:.1}\" y=\"{ly:.1}\" font-size=\"12\" text-anchor=\"middle\">{l}</text>",
            y = bottom - h,
            cx = x + w / 2.0,
            vy = bottom - h - 4.0,
            ly = bottom + 18.0,
            l = esc(label),
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#444\"/></svg>",
        width - 10.0
    );
    s
}

/// `cost-report.html`: one self-contained page (no external scripts, fonts or images).
pub fn html(plan: &Plan) -> String {
    let t = &plan.cost_totals;
    let mut out = String::with_capacity(16 * 1024 + plan.customers.len() * 600);
    let _ = write!(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Kaizala Pro migration: cost report ({})</title><style>{CSS}</style></head><body>", plan.as_of);
    let _ = write!(out, "<h1>Kaizala Pro migration: cost report</h1><p class=\"meta\">As of {} &middot; {} customer(s) &middot; monthly amounts per currency; amounts in different currencies are never added together.</p>", plan.as_of, plan.customers.len());
    if t.price_lists.is_empty() {
        out.push_str("<p class=\"warn\">No price list was given (<code>--prices</code>): only the subscriptions' own unit prices are known, so most lines say \"no price\".</p>");
    } else {
        let _ =
            write!(out, "<p class=\"meta\">Price lists: {}.</p>", esc(&t.price_lists.join(", ")));
    }
    out.push_str("<h2>Totals</h2>");
    group_table(&mut out, "", &t.overall);
    let missing: Vec<&String> =
        plan.warnings.iter().filter(|w| w.starts_with("no price for")).collect();
    if !missing.is_empty() {
        out.push_str("<div class=\"warn\"><strong>Lines without a price</strong> are left out of the totals:<ul>");
        for w in missing {
            let _ = write!(out, "<li>{}</li>", esc(w));
        }
        out.push_str("</ul></div>");
    }
    out.push_str("<h2>Charts</h2><div class=\"charts\">");
    for g in &t.overall {
        let cur = g.currency.as_deref();
        let label = cur.unwrap_or(NO_CURRENCY);
        let bars: Vec<(String, f64, String)> = t
            .by_target_plan
            .iter()
            .filter(|b| b.currency.as_deref() == cur)
            .map(|b| {
                if b.customers_without_delta == b.customers {
                    (b.key.clone(), 0.0, "no price".to_string())
                } else {
                    (
                        b.key.clone(),
                        b.delta_monthly.0.to_f64().unwrap_or(0.0),
                        format!("{} {}", grouped(&b.delta_monthly.to_string()), label),
                    )
                }
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"chart\" id=\"chart-delta-{}\">{}</div>",
            esc(&label.to_lowercase().replace(' ', "-")),
            svg_bars(&format!("Monthly delta by target plan ({label})"), &bars)
        );
    }
    let cols: Vec<(String, u64)> =
        t.seats_by_deadline_month.iter().map(|m| (m.month.clone(), m.seats_to_migrate)).collect();
    let _ = write!(
        out,
        "<div class=\"chart\" id=\"chart-seats\">{}</div></div>",
        svg_columns("Seats to migrate by deadline month", &cols)
    );

    out.push_str("<h2>Customers</h2><p class=\"meta\">By deadline (click a column heading to sort). Delta = new minus current; negative is a saving.</p><div class=\"scroll\"><table class=\"sortable\"><thead><tr><th>Customer</th><th>Account manager</th><th>Target plan</th><th>Deadline</th><th>Currency</th><th class=\"n\">Seats to buy</th><th class=\"n\">Current monthly</th><th class=\"n\">New monthly</th><th class=\"n\">Monthly delta</th><th class=\"n\">Annual delta</th><th class=\"n\">Remove-only saving</th></tr></thead><tbody>");
    for c in &plan.customers {
        let k = &c.cost;
        let cur = k.currency.as_deref();
        let v = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"d\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td><td class=\"{}\" data-v=\"{}\">{}</td><td class=\"{}\" data-v=\"{}\">{}</td><td class=\"n\" data-v=\"{}\">{}</td></tr>",
            esc(c.customer_name.as_deref().unwrap_or(&c.customer_id)),
            esc(c.account_manager.as_deref().unwrap_or("")),
            esc(&c.target.offer_name),
            c.deadline,
            esc(cur.unwrap_or(NO_CURRENCY)),
            c.seats_to_buy,
            v(k.current_monthly),
            money_html(k.current_monthly, cur),
            v(k.target_monthly),
            money_html(k.target_monthly, cur),
            class_of(k.delta_monthly),
            v(k.delta_monthly),
            money_html(k.delta_monthly, cur),
            class_of(k.delta_annual),
            v(k.delta_annual),
            money_html(k.delta_annual, cur),
            v(k.remove_only_saving_monthly),
            k.remove_only_saving_monthly.map(|m| money_html(Some(m), cur)).unwrap_or_default(),
        );
    }
    out.push_str("</tbody></table></div>");
    for (title, first, rows) in [
        ("By account manager", "Account manager", &t.by_account_manager),
        ("By target plan", "Target plan", &t.by_target_plan),
        ("By urgency", "Urgency", &t.by_urgency),
        ("By deadline month", "Deadline month", &t.by_deadline_month),
    ] {
        let _ = write!(out, "<h2>{title}</h2>");
        group_table(&mut out, first, rows);
    }
    out.push_str("<p class=\"meta\">Rounding: each line is unit price &times; seats &divide; months the price covers, rounded to the currency's minor unit, half away from zero; every total is the exact sum of its lines; annual = 12 &times; monthly. Today's cost uses the subscription's own unit price where the export has one, else the price lists.</p>");
    let _ = writeln!(out, "<script>{SORT_JS}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped("1234567.50"), "1,234,567.50");
        assert_eq!(grouped("-1000.00"), "-1,000.00");
        assert_eq!(grouped("999"), "999");
        assert_eq!(esc("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    }
}
