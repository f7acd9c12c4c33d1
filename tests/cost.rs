//! The price stage and the cost report, against hand-computed figures.
//!
//! Fixture `fixtures/pricing/` (as of 2026-12-01), worked by hand:
//! - Alpine AG (EUR): 10 Kaizala Pro seats at its own 2.50/month = 25.00. 4 users move, 2 are
//!   remove-only. Business Basic from the own list, 67.20 a year: 4 x 67.20 / 12 = 22.40.
//!   Delta -2.60 (annual -31.20). Remove-only saving 2 x 2.50 = 5.00.
//! - Boston Corp (USD): 3 seats, no own price: legacy list USD tab (corporate row 3.00; the DEL
//!   and academic rows do not apply) = 9.00. Business Basic P1Y monthly 71.99 per year:
//!   3 x 71.99 / 12 = 17.9975, rounded to 18.00. Delta 9.00 (annual 108.00).
//! - Cascade Ltd (USD): 400 seats at its own 24.00 a year (billing annual) = 800.00. Office
//!   365 E1 is listed only with annual billing (P1Y 120.00; the P3Y row is not the preferred
//!   term): 400 x 10.00 = 4000.00. Delta 3200.00 (annual 38400.00).
//! - Delta GmbH (EUR): 5 seats at 3.00 = 15.00. Top-up of its Business Basic subscription
//!   (4 seats, 3 assigned, 1 spare): 4 seats added at the subscription's own 5.10 = 20.40.
//!   Delta 5.40 (annual 64.80).
//! - Echo Sarl (CHF): no CHF price anywhere: both lines "no price", no delta.
//!
//! Totals: EUR current 40.00, new 42.80, delta 2.80; USD current 809.00, new 4018.00, delta
//! 3209.00; CHF two lines without price.

use std::str::FromStr;

use calamine::{open_workbook_auto, Data, Reader};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::util::*;

fn run_pricing(w: &Workdir) -> Value {
    let o = w.run(&PRICING);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&w.read("out/plan.json")).unwrap()
}

fn customer<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_name"] == name)
        .unwrap_or_else(|| panic!("no customer {name}"))
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).unwrap()
}

#[test]
fn customer_costs_match_the_hand_computed_figures() {
    let w = Workdir::new();
    let plan = run_pricing(&w);
    let expect = [
        ("Alpine AG", "EUR", "25.00", "22.40", "-2.60", "-31.20"),
        ("Boston Corp", "USD", "9.00", "18.00", "9.00", "108.00"),
        ("Cascade Ltd", "USD", "800.00", "4000.00", "3200.00", "38400.00"),
        ("Delta GmbH", "EUR", "15.00", "20.40", "5.40", "64.80"),
    ];
    for (name, currency, current, target, delta, annual) in expect {
        let cost = &customer(&plan, name)["cost"];
        assert_eq!(cost["currency"], currency, "{name}");
        assert_eq!(cost["current_monthly"], current, "{name}");
        assert_eq!(cost["target_monthly"], target, "{name}");
        assert_eq!(cost["delta_monthly"], delta, "{name}");
        assert_eq!(cost["delta_annual"], annual, "{name}");
        assert_eq!(cost["lines_without_price"], 0, "{name}");
    }
    assert_eq!(customer(&plan, "Alpine AG")["cost"]["remove_only_saving_monthly"], "5.00");

    // Where each price came from.
    let line = |name: &str, side: &str| -> Value {
        customer(&plan, name)["cost"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["side"] == side)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        line("Alpine AG", "target")["price_source"],
        "price list fixtures/pricing/own-prices.csv:2"
    );
    assert_eq!(line("Alpine AG", "target")["price_period_months"], 12);
    assert_eq!(
        line("Boston Corp", "current")["price_source"],
        "price list fixtures/pricing/legacy.xlsx[USD]:2"
    );
    let boston = line("Boston Corp", "target");
    assert_eq!(boston["price_source"], "price list fixtures/pricing/nce-usd.csv:2");
    assert_eq!(
        (boston["term"].as_str(), boston["billing"].as_str()),
        (Some("P1Y"), Some("monthly"))
    );
    assert_eq!(
        (boston["product_id"].as_str(), boston["sku_id"].as_str()),
        (Some("CFQ7TTC0LH18"), Some("0001"))
    );
    let cascade = line("Cascade Ltd", "target");
    assert_eq!(cascade["price_source"], "price list fixtures/pricing/nce-usd.csv:8");
    assert_eq!(cascade["billing"], "annual", "the only E1 price is billed annually");
    assert_eq!(
        line("Cascade Ltd", "current")["price_source"],
        "subscription export unit price (per seat per year)"
    );
    let delta = line("Delta GmbH", "target");
    assert_eq!(delta["seats"], 4);
    assert_eq!(delta["subscription_id"], "d4000000-0000-4000-8000-00000000000b");
    assert!(delta["price_source"]
        .as_str()
        .unwrap()
        .starts_with("topped-up subscription's unit price"));

    // A missing price is "no price", never zero, and is warned about.
    let echo = &customer(&plan, "Echo Sarl")["cost"];
    assert_eq!(echo["lines_without_price"], 2);
    for k in ["current_monthly", "target_monthly", "delta_monthly", "delta_annual"] {
        assert!(echo[k].is_null(), "{k} is {}", echo[k]);
    }
    for l in echo["lines"].as_array().unwrap() {
        assert!(l["monthly"].is_null());
        assert_eq!(l["price_source"], "no price: no price in CHF (the lists have EUR, USD)");
    }
    let warnings: Vec<&str> =
        plan["warnings"].as_array().unwrap().iter().filter_map(|w| w.as_str()).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("no price for Kaizala Pro: no price in CHF")
            && w.contains("Echo Sarl")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("no price for Microsoft 365 Business Basic: no price in CHF")),
        "{warnings:?}"
    );
}

#[test]
fn totals_are_per_currency_and_exactly_the_sum_of_their_lines() {
    let w = Workdir::new();
    let plan = run_pricing(&w);
    let totals = &plan["cost_totals"];
    let overall: Vec<(String, String, String, String, u64)> = totals["overall"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["currency"].as_str().unwrap().to_string(),
                g["current_monthly"].as_str().unwrap().to_string(),
                g["target_monthly"].as_str().unwrap().to_string(),
                g["delta_monthly"].as_str().unwrap().to_string(),
                g["lines_without_price"].as_u64().unwrap(),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        overall,
        [
            (s("CHF"), s("0.00"), s("0.00"), s("0.00"), 2),
            (s("EUR"), s("40.00"), s("42.80"), s("2.80"), 0),
            (s("USD"), s("809.00"), s("4018.00"), s("3209.00"), 0),
        ]
    );
    // Every line, summed here independently, per currency.
    let customers = plan["customers"].as_array().unwrap();
    for g in totals["overall"].as_array().unwrap() {
        let cur = &g["currency"];
        let mut current = Decimal::ZERO;
        let mut target = Decimal::ZERO;
        for c in customers.iter().filter(|c| &c["cost"]["currency"] == cur) {
            for l in c["cost"]["lines"].as_array().unwrap() {
                if l["monthly"].is_null() {
                    continue;
                }
                if l["side"] == "current" {
                    current += dec(&l["monthly"]);
                } else {
                    target += dec(&l["monthly"]);
                }
            }
        }
        assert_eq!(current, dec(&g["current_monthly"]), "{cur}");
        assert_eq!(target, dec(&g["target_monthly"]), "{cur}");
        assert_eq!(dec(&g["delta_annual"]), dec(&g["delta_monthly"]) * Decimal::from(12), "{cur}");
        // Every grouping adds up to the overall figures of its currency.
        for grouping in ["by_account_manager", "by_target_plan", "by_urgency", "by_deadline_month"]
        {
            let rows: Vec<&Value> = totals[grouping]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| &r["currency"] == cur)
                .collect();
            for k in
                ["current_monthly", "target_monthly", "delta_monthly", "remove_only_saving_monthly"]
            {
                let sum: Decimal = rows.iter().map(|r| dec(&r[k])).sum();
                assert_eq!(sum, dec(&g[k]), "{grouping} {k} {cur}");
            }
        }
    }
    let am: Vec<(String, String, String)> = totals["by_account_manager"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                s(g["key"].as_str().unwrap()),
                s(g["currency"].as_str().unwrap()),
                s(g["delta_monthly"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        am,
        [
            (s("(none)"), s("CHF"), s("0.00")),
            (s("Ken Ito"), s("EUR"), s("5.40")),
            (s("Ken Ito"), s("USD"), s("3200.00")),
            (s("Maria Lopez"), s("EUR"), s("-2.60")),
            (s("Maria Lopez"), s("USD"), s("9.00")),
        ]
    );
    let urgency: Vec<&str> = totals["by_urgency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(urgency, ["lapsed", "within 30 days", "within 90 days", "within 90 days", "later"]);
    let months: Vec<(String, u64)> = totals["seats_by_deadline_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (s(m["month"].as_str().unwrap()), m["seats_to_migrate"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        months,
        [(s("2026-11"), 5), (s("2026-12"), 4), (s("2027-01"), 5), (s("2027-03"), 400)]
    );
}

#[test]
fn cost_report_csv_has_one_exact_row_per_customer() {
    let w = Workdir::new();
    run_pricing(&w);
    let mut rdr = csv::Reader::from_path(w.file("out/cost-report.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let alpine = rows.iter().find(|r| &r[col("customer_name")] == "Alpine AG").unwrap();
    assert_eq!(&alpine[col("delta_monthly")], "-2.60");
    assert_eq!(&alpine[col("remove_only_saving_monthly")], "5.00");
    let echo = rows.iter().find(|r| &r[col("customer_name")] == "Echo Sarl").unwrap();
    assert_eq!(&echo[col("current_monthly")], "", "no price is empty, never 0");
    assert!(echo[col("current_price_source")].starts_with("no price"));
    assert_eq!(&echo[col("complete")], "no");
}

#[test]
fn cost_report_html_is_one_self_contained_page_with_both_charts() {
    let w = Workdir::new();
    run_pricing(&w);
    let text = w.read("out/cost-report.html");
    let doc = scraper::Html::parse_document(&text);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    // Nothing fetched from elsewhere.
    assert_eq!(doc.select(&sel("script[src], link, img, iframe, object")).count(), 0);
    assert!(
        !text.contains("http://")
            || text
                .matches("http://")
                .all(|_| text.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    assert!(!text.contains("https://"));
    // The delta chart for each priced currency, and the seats chart.
    for id in ["#chart-delta-eur svg", "#chart-delta-usd svg", "#chart-seats svg"] {
        assert_eq!(doc.select(&sel(id)).count(), 1, "{id}");
    }
    let seats: Vec<String> =
        doc.select(&sel("#chart-seats svg rect title")).map(|t| t.text().collect()).collect();
    assert_eq!(
        seats,
        ["2026-11: 5 seats", "2026-12: 4 seats", "2027-01: 5 seats", "2027-03: 400 seats"]
    );
    let usd: Vec<String> =
        doc.select(&sel("#chart-delta-usd svg rect title")).map(|t| t.text().collect()).collect();
    assert_eq!(usd, ["Microsoft 365 Business Basic: 9.00 USD", "Office 365 E1: 3,200.00 USD"]);
    // The customer table, ordered by deadline.
    let names: Vec<String> = doc
        .select(&sel("table.sortable tbody tr td:first-child"))
        .map(|t| t.text().collect())
        .collect();
    assert_eq!(names, ["Delta GmbH", "Alpine AG", "Echo Sarl", "Boston Corp", "Cascade Ltd"]);
    assert!(text.contains("38,508.00 USD"), "the USD annual total is shown");
}

fn cells(path: &std::path::Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

#[test]
fn cost_report_workbook_holds_the_numbers_and_native_charts() {
    let w = Workdir::new();
    run_pricing(&w);
    let path = w.file("out/cost-report.xlsx");
    let wb = open_workbook_auto(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Customers",
            "By account manager",
            "By target plan",
            "By urgency",
            "By deadline month",
            "Lines"
        ]
    );
    let rows = cells(&path, "Customers");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cascade = rows.iter().find(|r| r[0] == "Cascade Ltd").unwrap();
    assert_eq!(cascade[col("Monthly delta")], Data::Float(3200.0));
    assert_eq!(cascade[col("Annual delta")], Data::Float(38400.0));
    let alpine = rows.iter().find(|r| r[0] == "Alpine AG").unwrap();
    assert_eq!(alpine[col("New monthly")], Data::Float(22.4));
    let echo = rows.iter().find(|r| r[0] == "Echo Sarl").unwrap();
    assert_eq!(echo[col("Current monthly")], Data::String("no price".into()));
    let totals = cells(&path, "Summary");
    let eur =
        totals.iter().find(|r| r.get(1).map(|c| c.to_string()) == Some("EUR".into())).unwrap();
    assert_eq!(eur[5], Data::Float(40.0));
    assert_eq!(eur[7], Data::Float(2.8));
    // Native charts: the package holds chart parts (two currency delta charts and the seats chart).
    let bytes = std::fs::read(&path).unwrap();
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has("xl/charts/chart1.xml") && has("xl/charts/chart2.xml") && has("xl/charts/chart3.xml")
    );
}

#[test]
fn cost_report_is_byte_identical_across_runs() {
    let w = Workdir::new();
    run_pricing(&w);
    let first: Vec<Vec<u8>> =
        ["cost-report.csv", "cost-report.html", "cost-report.xlsx", "plan.json"]
            .iter()
            .map(|f| std::fs::read(w.file(&format!("out/{f}"))).unwrap())
            .collect();
    run_pricing(&w);
    for (i, f) in
        ["cost-report.csv", "cost-report.html", "cost-report.xlsx", "plan.json"].iter().enumerate()
    {
        assert!(std::fs::read(w.file(&format!("out/{f}"))).unwrap() == first[i], "{f} differs");
    }
}

#[test]
fn rows_that_disagree_on_a_price_are_an_error_not_a_guess() {
    let w = Workdir::new();
    w.write(
        "twice.csv",
        "Offer name,Currency,Unit price,Billing\nMicrosoft 365 Business Basic,EUR,6.00,Monthly\nMicrosoft 365 Business Basic,EUR,6.50,Monthly\n",
    );
    let mut args = PRICING.to_vec();
    args.splice(6..9, ["twice.csv"]);
    let o = w.run(&args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Microsoft 365 Business Basic in EUR for customer"), "{err}");
    assert!(err.contains("twice.csv:2 (6.00 EUR, per month, billed monthly)"), "{err}");
    assert!(err.contains("twice.csv:3 (6.50 EUR, per month, billed monthly)"), "{err}");
    assert!(err.contains("--term"), "{err}");

    // Identical rows (another market in the same currency) are one price.
    w.write(
        "same.csv",
        "Offer name,Currency,Unit price,Billing,Market\nMicrosoft 365 Business Basic,EUR,6.00,Monthly,DE\nMicrosoft 365 Business Basic,EUR,72.00,Annual,FR\n",
    );
    args = PRICING.to_vec();
    args.splice(6..9, ["same.csv"]);
    args.extend(["--billing", "annual"]);
    let o = w.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_unknown_currency_with_a_multi_currency_list_asks_for_currency() {
    let w = Workdir::new();
    w.write(
        "subs.csv",
        "CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled\n11111111-1111-4111-8111-111111111111,s1,Kaizala Pro,3,2027-01-02,False\n",
    );
    w.write(
        "prices.csv",
        "Offer name,Currency,Unit price,Billing\nMicrosoft 365 Business Basic,EUR,6.00,Monthly\nMicrosoft 365 Business Basic,USD,6.50,Monthly\n",
    );
    let base = [
        "plan",
        "--subscriptions",
        "subs.csv",
        "--prices",
        "prices.csv",
        "--as-of",
        "2026-12-01",
        "--out",
        "o",
    ];
    let o = w.run(&base);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give --currency"), "{}", stderr(&o));
    let o = w.run(&[&base[..], &["--currency", "usd"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let plan: Value = serde_json::from_str(&w.read("o/plan.json")).unwrap();
    assert_eq!(plan["customers"][0]["cost"]["target_monthly"], "19.50");
}

#[test]
fn bad_price_rows_are_rejected_naming_file_row_and_column() {
    let w = Workdir::new();
    w.write(
        "prices.csv",
        "Offer name,Currency,Unit price,Billing\nOffice 365 E1,EUR,cheap,Monthly\nOffice 365 E1,EURO,8,Monthly\nOffice 365 E1,EUR,8,Weekly\nOffice 365 E1,EUR,-1,Monthly\n",
    );
    let o = w.run(&[
        "check",
        "--subscriptions",
        "fixtures/pricing/subscriptions.csv",
        "--prices",
        "prices.csv",
    ]);
    let err = stderr(&o);
    for want in [
        "prices.csv:2:C (Unit price): \"cheap\" is not an amount",
        "prices.csv:3:B (Currency): \"EURO\" is not a currency code (ISO 4217)",
        "prices.csv:4:D (Billing): \"Weekly\" is not a billing frequency (monthly, annual, triennial)",
        "prices.csv:5:C (Unit price): -1 is a negative price",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    // A table that cannot say what period its prices cover is refused.
    w.write("noperiod.csv", "Offer name,Currency,Unit price\nOffice 365 E1,EUR,8\n");
    let o = w.run(&[
        "check",
        "--subscriptions",
        "fixtures/pricing/subscriptions.csv",
        "--prices",
        "noperiod.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing required column(s) billing or term"), "{}", stderr(&o));
}

#[test]
fn the_erp_price_basis_reads_the_suggested_retail_column() {
    let w = Workdir::new();
    let mut args = PRICING.to_vec();
    args.extend(["--price-basis", "erp"]);
    let o = w.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let boston = &customer(&plan, "Boston Corp")["cost"];
    // Legacy ERP 3.60 x 3 = 10.80; NCE ERP 86.40 a year x 3 / 12 = 21.60.
    assert_eq!(boston["current_monthly"], "10.80");
    assert_eq!(boston["target_monthly"], "21.60");
}

#[test]
fn without_price_lists_only_own_prices_are_known_and_nothing_is_zero() {
    let w = Workdir::new();
    let o = w.run(&[fixture_args("plan"), vec!["--out", "out"]].concat());
    assert!(o.status.success());
    let plan: Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let contoso = &customer(&plan, "Contoso Ltd")["cost"];
    assert!(contoso["current_monthly"].is_null() && contoso["delta_monthly"].is_null());
    assert_eq!(contoso["lines"][0]["price_source"], "no price: no price list given (--prices)");
    let litware = &customer(&plan, "Litware Industries")["cost"];
    assert_eq!(litware["current_monthly"], "900.00");
    assert!(w.read("out/cost-report.html").contains("No price list was given"));
}

/// Issue 14: no unpriced sum is a number. Without price lists most customers have no price; in
/// every grouping of cost-report.xlsx a sum that is zero only because its lines have no price,
/// and a delta no customer of the group has, says "no price" (as the HTML report does), not
/// 0.00.
#[test]
fn cost_report_workbook_says_no_price_where_a_group_has_none() {
    let w = Workdir::new();
    let o = w.run(&[fixture_args("plan"), vec!["--out", "out"]].concat());
    assert!(o.status.success());
    let path = w.file("out/cost-report.xlsx");
    let mut no_price = 0;
    for sheet in ["Summary", "By account manager", "By target plan", "By urgency"] {
        let rows = cells(&path, sheet);
        for row in rows.iter().filter(|r| matches!(r.get(10), Some(Data::Float(n)) if *n > 0.0)) {
            for c in 5..9 {
                assert_ne!(row[c], Data::Float(0.0), "{sheet}: {row:?}");
                no_price += usize::from(row[c] == Data::String("no price".into()));
            }
        }
    }
    assert!(no_price > 0, "no group without a price found");
}

/// Issue 14: the terminal states the cost per currency, which seat counts are estimates, and
/// what to do next.
#[test]
fn the_terminal_gives_costs_estimates_and_next_steps() {
    let w = Workdir::new();
    let text = stdout(&w.run(&PRICING));
    for line in [
        "cost per month (EUR, 2 customer(s)): today 40.00 EUR, after 42.80 EUR, change 2.80 EUR (33.60 EUR a year)",
        "cost per month (USD, 2 customer(s)): today 809.00 USD, after 4,018.00 USD, change 3,209.00 USD (38,508.00 USD a year)",
        "cost per month (CHF, 1 customer(s)): no price for any of its 2 line(s)",
        "estimates: 3 customer(s) have no users rows, so their seats to buy are the subscriptions' seat counts:",
        "next: account managers review out/worksheet.xlsx",
        "next: the costs are in out/cost-report.html",
        "next: scripts that carry the plan out (dry run unless --apply): kaizala-migrate scripts --plan out/plan.json --out out/scripts",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

/// Issue 14: seats of another replacement plan the customer holds and has not assigned are
/// offered as an alternative, with what it does to the cost, in the worksheet, the runbook and
/// plan.json; the plan itself still buys what the rule chose.
#[test]
fn spare_seats_of_another_plan_are_offered_with_their_cost_effect() {
    let w = Workdir::new();
    w.write(
        "subs.csv",
        "CustomerId,CustomerName,SubscriptionId,OfferName,Quantity,Status,AutoRenewEnabled,CommitmentEndDate,BillingCycle,UnitPrice,Currency\n\
         f6f6f6f6-0000-4000-8000-000000000006,Fjord AS,f6000000-0000-4000-8000-00000000000a,Kaizala Pro,3,Active,False,2027-01-20,Monthly,2.00,EUR\n\
         f6f6f6f6-0000-4000-8000-000000000006,Fjord AS,f6000000-0000-4000-8000-00000000000b,Microsoft 365 Business Standard,5,Active,True,2027-08-31,Monthly,12.50,EUR\n",
    );
    w.write(
        "users.csv",
        "CustomerId,User principal name,Display name,Licenses\n\
         f6f6f6f6-0000-4000-8000-000000000006,a@fjord.example,A,Kaizala Pro\n\
         f6f6f6f6-0000-4000-8000-000000000006,b@fjord.example,B,Kaizala Pro\n\
         f6f6f6f6-0000-4000-8000-000000000006,c@fjord.example,C,Kaizala Pro\n\
         f6f6f6f6-0000-4000-8000-000000000006,d@fjord.example,D,Microsoft 365 Business Standard\n\
         f6f6f6f6-0000-4000-8000-000000000006,e@fjord.example,E,Microsoft 365 Business Standard\n",
    );
    w.write(
        "prices.csv",
        "Offer name,Currency,Unit price,Billing\nMicrosoft 365 Business Basic,EUR,6.00,Monthly\n",
    );
    let args = [
        "plan",
        "--subscriptions",
        "subs.csv",
        "--users",
        "users.csv",
        "--prices",
        "prices.csv",
        "--as-of",
        "2026-12-01",
    ];
    let o = w.run(&[&args[..], &["--out", "out"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let c = &plan["customers"][0];
    assert_eq!(c["purchase"]["offer_name"], "Microsoft 365 Business Basic");
    assert_eq!(c["cost"]["target_monthly"], "18.00");
    let alt = &c["alternatives"][0];
    assert_eq!(alt["plan"], "Microsoft 365 Business Standard");
    assert_eq!(alt["spare_seats"], 3);
    assert_eq!(alt["covers"], 3);
    assert_eq!(alt["seats_to_buy"], 0);
    assert_eq!(alt["target_monthly"], "0.00");
    assert_eq!(alt["change_monthly"], "-18.00");
    let sentence = "Microsoft 365 Business Standard: 3 spare seat(s) on subscription f6000000-0000-4000-8000-00000000000b cover all 3 seat(s) needed, nothing to buy, instead of 3 x Microsoft 365 Business Basic; saves 18.00 EUR a month";
    let runbook = w.read("out/runbooks/fjord-as-f6f6f6f6.md");
    assert!(runbook.contains(&format!("- {sentence}.")), "{runbook}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(w.file("out/worksheet.xlsx")).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range("Customers").unwrap();
    let rows: Vec<_> = range.rows().collect();
    let col = rows[0].iter().position(|h| *h == "Alternative").unwrap();
    assert_eq!(rows[1][col].to_string(), sentence);

    // Chosen as the target (as the worksheet's Target plan would), the spare seats are used and
    // nothing is bought.
    let target = ["--out", "out2", "--target", "Microsoft 365 Business Standard"];
    let o = w.run(&[&args[..], &target].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&w.read("out2/plan.json")).unwrap();
    assert_eq!(plan["customers"][0]["purchase"]["action"], "none");
    assert_eq!(plan["customers"][0]["cost"]["target_monthly"], "0.00");
}

/// A new commerce subscription (offer id product:sku:availability) is not suspended: the
/// runbook says to cancel it within its window or let it run out, and what is left of its term
/// is counted in the plan, the runbook and the cost report.
#[test]
fn the_remaining_term_of_a_new_commerce_subscription_is_counted() {
    let w = Workdir::new();
    let c = "c9c9c9c9-0000-4000-8000-000000000009";
    w.write(
        "subs.csv",
        format!(
            "CustomerId,CustomerName,SubscriptionId,OfferId,OfferName,Quantity,Status,AutoRenewEnabled,CommitmentEndDate,BillingCycle,UnitPrice,Currency\n\
             {c},Quay Ltd,c9000000-0000-4000-8000-00000000000a,CFQ7TTC0KZL0:0001:CFQ7TTC0KZL1,Kaizala Pro,3,Active,False,2027-03-15,Monthly,5.00,USD\n"
        ),
    );
    let o =
        w.run(&["plan", "--subscriptions", "subs.csv", "--as-of", "2026-12-01", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan: serde_json::Value = serde_json::from_str(&w.read("out/plan.json")).unwrap();
    let q = &plan["customers"][0];
    assert_eq!(q["expiring_subscriptions"][0]["channel"], "new_commerce");
    // 3 seats x 5.00 a month, December to the 15th of March: four months started.
    assert_eq!(q["cost"]["remaining_term"], "60.00");
    let runbook = w.read("out/runbooks/quay-ltd-c9c9c9c9.md");
    for want in [
        "## C. Retire the Kaizala Pro subscription(s)",
        "(new commerce): **cancel** it while its cancellation window is open",
        "bill 60.00 USD more until their end dates",
    ] {
        assert!(runbook.contains(want), "{want:?} not in:\n{runbook}");
    }
    assert!(!runbook.contains("deprovisions a suspended subscription"), "{runbook}");
    let mut rdr = csv::Reader::from_path(w.file("out/cost-report.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "new_commerce_remaining_term").unwrap();
    let row = rdr.records().next().unwrap().unwrap();
    assert_eq!(&row[col], "60.00");
    assert!(w.read("out/cost-report.html").contains("what is left of their terms"));
}
