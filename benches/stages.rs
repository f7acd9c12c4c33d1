//! Criterion benchmarks per stage. Run: `cargo bench --bench stages`.
//!
//! - `pipeline/fixtures`: ingest, detect and plan on the shipped fixtures (all layouts).
//! - `detect/100k`: parallel classification of 100,000 subscription records.
//! - `render/plan_json`: rendering a plan of 2,000 customers.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::detect::{self, Window};
use kaizala_migrate::ingest::{self, Aliases, IngestOptions, Origin, SubscriptionRecord};
use kaizala_migrate::plan::{self, PlanOptions};
use kaizala_migrate::render::json;
use kaizala_migrate::source::Input;

fn window() -> Window {
    Window {
        as_of: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        horizon_end: NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(),
    }
}

fn options() -> PlanOptions {
    PlanOptions {
        window: window(),
        horizon_days: 365,
        forced_target: None,
        frontline_customers: Default::default(),
    }
}

fn fixture(name: &str) -> Input {
    Input::parse(&format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
}

fn records(n: usize) -> Vec<SubscriptionRecord> {
    let offers =
        ["Kaizala Pro", "Office 365 E1", "Microsoft 365 Business Standard", "Visio Plan 2"];
    (0..n)
        .map(|i| SubscriptionRecord {
            subscription_id: format!("sub-{i}"),
            customer_id: format!("{:08x}-0000-4000-8000-000000000000", i / 10),
            offer_name: Some(offers[i % offers.len()].to_string()),
            offer_id: None,
            quantity: (i % 50) as u64 + 1,
            end_date: NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
                .unwrap(),
            auto_renew: Some(i % 7 == 0),
            status: None,
            start_date: None,
            billing_cycle: None,
            unit_price: None,
            currency: None,
            origins: vec![Origin { file: 0, row: i as u64 + 2 }],
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let catalog = Catalog::builtin(&[]);
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
    };
    let subs: Vec<Input> = [
        "subscriptions-api.csv",
        "recon-legacy.csv",
        "bam-subscriptions.csv",
        "subscriptions.xlsx",
    ]
    .iter()
    .map(|f| fixture(f))
    .collect();
    let users: Vec<Input> = ["users-contoso.csv", "users-combined.csv", "users-unknown.csv"]
        .iter()
        .map(|f| fixture(f))
        .collect();
    c.bench_function("pipeline/fixtures", |b| {
        b.iter(|| {
            let mut ing = ingest::read_all(&subs, &users, &[], &catalog, &opts).unwrap();
            plan::build(&mut ing, &catalog, options())
        })
    });

    let recs = records(100_000);
    c.bench_function("detect/100k", |b| b.iter(|| detect::classify_all(&recs, &catalog, window())));

    let mut ing = ingest::Ingested::default();
    ing.subscriptions = records(20_000);
    ing.ledger.files.push(Default::default());
    let big = plan::build(&mut ing, &catalog, options());
    c.bench_function("render/plan_json", |b| {
        b.iter(|| {
            let mut buf = Vec::new();
            json::write(&big, &mut buf).unwrap();
            buf
        })
    });
}

criterion_group!(stages, benches);
criterion_main!(stages);
