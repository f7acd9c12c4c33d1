//! Criterion benchmarks per stage, on generated exports. Run: `cargo bench --bench stages`.
//!
//! The data comes from the same seeded generator as `benches/e2e.sh` (examples/gen-exports.rs),
//! written once into a temporary folder: 1,000 customers (about 10,000 subscriptions and
//! 100,000 users, 5% of customers with Kaizala Pro), a twentieth of the "M" scale. Stages:
//!
//! - `ingest/subscriptions-csv`, `ingest/subscriptions-xlsx`: both passes over the export;
//! - `ingest/users-csv`: the users file against the affected customers (rows of the others
//!   passed over on their customer cell);
//! - `detect/generated`, `detect/100k`: classification (rayon) of the generated book, and of
//!   100,000 synthetic records;
//! - `plan/build`, `price/apply`: the plan of every affected customer, then its costs;
//! - `render/plan_json`, `render/runbooks`, `render/workbook`: the deliverables.
//!
//! `cargo test` runs each benchmark once on a smaller book (criterion's test mode), so the
//! benches are kept working.

// Data generators and benchmark set-up read best as one listing; the length limit is for the
// tool's own functions.
#![allow(clippy::too_many_lines)]

#[path = "../examples/gen-exports.rs"]
#[allow(dead_code)]
mod gen;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::detect::{self, Detection, Window};
use kaizala_migrate::ingest::{self, Aliases, IngestOptions, Ingested, Origin, SubscriptionRecord};
use kaizala_migrate::plan::{self, Plan, PlanOptions};
use kaizala_migrate::price::{self, PriceOptions};
use kaizala_migrate::render::{json, runbook, workbook};
use kaizala_migrate::source::Input;
use rayon::prelude::*;

fn window() -> Window {
    Window {
        as_of: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        horizon_end: NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(),
        auto_renew_off_only: true,
    }
}

fn options() -> PlanOptions {
    PlanOptions {
        window: window(),
        horizon_days: 365,
        forced_target: None,
        frontline_customers: Default::default(),
        term: kaizala_migrate::ingest::prices::Term { months: 12 },
        billing: kaizala_migrate::ingest::prices::Billing::Monthly,
    }
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
            kaizala_pro: i % offers.len() == 0,
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

struct Book {
    subs_csv: Vec<Input>,
    subs_xlsx: Vec<Input>,
    users: Vec<Input>,
    prices: Vec<Input>,
}

fn subscriptions(book: &[Input], catalog: &Catalog, opts: &IngestOptions) -> (Ingested, Detection) {
    let ing = ingest::read_subscription_files(book, catalog, opts).unwrap();
    let detection = detect::detect(&ing.subscriptions, window());
    (ing, detection)
}

fn ingested(b: &Book, catalog: &Catalog, opts: &IngestOptions) -> (Ingested, Detection) {
    let (mut ing, detection) = subscriptions(&b.subs_csv, catalog, opts);
    ingest::read_user_files(&mut ing, &b.users, catalog, opts, Some(&detection.affected)).unwrap();
    ingest::read_price_files(&mut ing, &b.prices, opts).unwrap();
    (ing, detection)
}

fn priced(ing: &Ingested, plan: &mut Plan, catalog: &Catalog) {
    price::apply(plan, &ing.prices, &ing.ledger, catalog, &PriceOptions::default()).unwrap();
}

fn planned(b: &Book, catalog: &Catalog, opts: &IngestOptions) -> Plan {
    let (mut ing, detection) = ingested(b, catalog, opts);
    let mut plan = plan::build(&mut ing, &detection, catalog, options());
    priced(&ing, &mut plan, catalog);
    plan
}

fn benches(c: &mut Criterion) {
    // Criterion's test mode (`cargo test`) runs each benchmark once: a small book will do.
    let measuring = std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir().unwrap();
    let args = gen::Args {
        customers: if measuring { 1000 } else { 60 },
        out: dir.path().to_path_buf(),
        seed: 7,
        xlsx: true,
        kaizala_per_mille: 50,
        minimal: false,
    };
    gen::generate(&args).unwrap();
    let input = |f: &str| vec![Input::parse(dir.path().join(f).to_str().unwrap())];
    let book = Book {
        subs_csv: input("subscriptions.csv"),
        subs_xlsx: input("subscriptions.xlsx"),
        users: input("users.csv"),
        prices: input("prices.csv"),
    };
    let catalog = Catalog::builtin(&[]);
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
        split_min_bytes: ingest::SPLIT_MIN_BYTES,
    };

    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.bench_function("subscriptions-csv", |b| {
        b.iter(|| subscriptions(&book.subs_csv, &catalog, &opts))
    });
    g.bench_function("subscriptions-xlsx", |b| {
        b.iter(|| subscriptions(&book.subs_xlsx, &catalog, &opts))
    });
    g.bench_function("users-csv", |b| {
        b.iter_batched(
            || subscriptions(&book.subs_csv, &catalog, &opts),
            |(mut ing, detection)| {
                let affected = Some(&detection.affected);
                ingest::read_user_files(&mut ing, &book.users, &catalog, &opts, affected).unwrap();
                ing
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("detect");
    let (ing, _) = subscriptions(&book.subs_csv, &catalog, &opts);
    g.bench_function("generated", |b| b.iter(|| detect::detect(&ing.subscriptions, window())));
    let recs = records(100_000);
    g.bench_function("100k", |b| b.iter(|| detect::detect(&recs, window())));
    g.finish();

    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    g.bench_function("build", |b| {
        b.iter_batched(
            || ingested(&book, &catalog, &opts),
            |(mut ing, detection)| plan::build(&mut ing, &detection, &catalog, options()),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("price", |b| {
        b.iter_batched(
            || {
                let (mut ing, detection) = ingested(&book, &catalog, &opts);
                let plan = plan::build(&mut ing, &detection, &catalog, options());
                (ing, plan)
            },
            |(ing, mut plan)| {
                priced(&ing, &mut plan, &catalog);
                plan
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();

    let plan = planned(&book, &catalog, &opts);
    let mut g = c.benchmark_group("render");
    g.sample_size(10);
    g.bench_function("plan_json", |b| {
        b.iter(|| {
            let mut buf = Vec::new();
            json::write(&plan, &mut buf).unwrap();
            buf
        })
    });
    g.bench_function("runbooks", |b| {
        b.iter(|| {
            plan.customers.par_iter().map(|c| runbook::customer(&plan, c).len()).sum::<usize>()
        })
    });
    let all = workbook::rows(&plan);
    g.bench_function("workbook", |b| b.iter(|| workbook::render(&plan, &all, None).unwrap()));
    g.finish();
}

criterion_group!(stages, benches);
criterion_main!(stages);
