//! `cost-report.html`: one self-contained page (inline CSS, a sortable table script and SVG
//! charts) that prints well.

use std::fmt::Write as _;

use rust_decimal::prelude::ToPrimitive;

use super::NO_CURRENCY;
use crate::escape::html as esc;
use crate::money::Money;
use crate::plan::{GroupTotal, Plan};

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
@page{margin:12mm 10mm}\
@media print{body{margin:0;padding:0;max-width:none;font-size:10px}h1{font-size:16px}h2{font-size:13px;margin:14px 0 6px}\
.scroll{overflow:visible}table{width:100%;table-layout:auto}th,td{font-size:8px;padding:2px 3px}\
td{overflow-wrap:anywhere}td.n,td.d{overflow-wrap:normal}thead{display:table-header-group}\
.chart{break-inside:avoid;flex-basis:100%}tr{break-inside:avoid}th.sort:after{content:''}}";

const SORT_JS: &str = "document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){th.classList.add('sort');th.addEventListener('click',function(){var b=t.tBodies[0],rows=Array.from(b.rows),asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';rows.sort(function(x,y){var a=x.cells[i].dataset.v||x.cells[i].textContent,c=y.cells[i].dataset.v||y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return asc?r:-r});rows.forEach(function(r){b.appendChild(r)})})})});";

fn class_of(m: Option<Money>) -> &'static str {
    match m {
        Some(m) if m.0.is_sign_negative() && !m.0.is_zero() => "n neg",
        Some(m) if !m.0.is_zero() => "n pos",
        _ => "n",
    }
}

fn group_table(out: &mut String, first: &str, rows: &[GroupTotal]) {
    let key_col = !first.is_empty();
    let _ = write!(out, "<div class=\"scroll\"><table><thead><tr>{}<th>Currency</th><th class=\"n\">Customers</th><th class=\"n\">Seats to migrate</th><th class=\"n\">Seats to buy</th><th class=\"n\">Current monthly</th><th class=\"n\">New monthly</th><th class=\"n\">Monthly delta</th><th class=\"n\">Annual delta</th><th class=\"n\">Remove-only saving</th><th class=\"n\">Lines without price</th><th class=\"n\">Customers without delta</th></tr></thead><tbody>", if key_col { format!("<th>{}</th>", esc(first)) } else { String::new() });
    for g in rows {
        let cur = g.currency.as_deref();
        let [current, target, delta, annual, saving] = super::group_sums(g);
        let _ = write!(
            out,
            "<tr>{}<td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            if key_col { format!("<td>{}</td>", esc(&g.key)) } else { String::new() },
            esc(cur.unwrap_or(NO_CURRENCY)),
            g.customers,
            g.seats_to_migrate,
            g.seats_to_buy,
            money_html(current, cur),
            money_html(target, cur),
            class_of(Some(g.delta_monthly)),
            money_html(delta, cur),
            class_of(Some(g.delta_annual)),
            money_html(annual, cur),
            money_html(saving, cur),
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
    let _ = write!(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} migration: cost report ({})</title><style>{CSS}</style></head><body>", esc(&plan.profile.name), plan.as_of);
    let _ = write!(out, "<h1>{} migration: cost report</h1><p class=\"meta\">As of {} &middot; {} customer(s) &middot; monthly amounts per currency; amounts in different currencies are never added together.</p>", esc(&plan.profile.name), plan.as_of, plan.customers.len());
    if t.price_lists.is_empty() {
        out.push_str("<p class=\"warn\">No price list was given (<code>--prices</code>): only the subscriptions' own unit prices are known, so most lines say \"no price\".</p>");
    } else {
        let _ =
            write!(out, "<p class=\"meta\">Price lists: {}.</p>", esc(&t.price_lists.join(", ")));
    }
    out.push_str("<h2>Totals</h2>");
    group_table(&mut out, "", &t.overall);
    let missing = &t.price_warnings;
    if !missing.is_empty() {
        out.push_str("<div class=\"warn\"><strong>Lines without a price</strong> are left out of the totals:<ul>");
        for w in missing {
            let _ = write!(out, "<li>{}</li>", esc(w));
        }
        out.push_str("</ul></div>");
    }
    charts(&mut out, plan);
    customers_table(&mut out, plan);
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

/// The delta by target plan per currency, and the seats by deadline month.
fn charts(out: &mut String, plan: &Plan) {
    let t = &plan.cost_totals;
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
}

/// One row per customer, sortable.
fn customers_table(out: &mut String, plan: &Plan) {
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
            esc(&c.target.plan),
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
    // New commerce subscriptions bill to their end dates unless cancelled in their windows.
    let remaining: Vec<String> = plan
        .customers
        .iter()
        .filter_map(|c| {
            let cur = c.cost.currency.as_deref();
            let name = c.customer_name.as_deref().unwrap_or(&c.customer_id);
            c.cost
                .remaining_term
                .map(|m| format!("<li>{}: {}</li>", esc(name), money_html(Some(m), cur)))
        })
        .collect();
    if !remaining.is_empty() {
        out.push_str("<p class=\"meta\">New commerce subscriptions among the expiring ones keep billing until their end dates unless cancelled within their cancellation windows (suspending them would not stop it); what is left of their terms:</p><ul>");
        out.push_str(&remaining.concat());
        out.push_str("</ul>");
    }
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
