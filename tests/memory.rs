//! The memory an affected subscription costs, counted by the allocator: a file of one Kaizala Pro
//! subscription per customer is read, detected, planned and priced (what `check` and `plan` do
//! before rendering), and the bytes still held and the peak are divided by its rows.
//!
//! Its own test binary, so the counting allocator sees only this work and no other test runs
//! beside it. Time and whole-process figures are in `benches/e2e.sh` (`affected` scale).

// A global allocator is unsafe to implement; it only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use chrono::NaiveDate;
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::detect::{self, Window};
use kaizala_migrate::ingest::{self, Aliases, IngestOptions};
use kaizala_migrate::plan::overrides::Edits;
use kaizala_migrate::plan::{PlanOptions, Planning};
use kaizala_migrate::price::{book::PriceBook, PriceOptions, Pricer};
use kaizala_migrate::source::Input;

struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HELD.fetch_sub(layout.size(), Relaxed);
            grow(new_size);
        }
        p
    }
}

fn grow(n: usize) {
    let now = HELD.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A subscriptions export in the Partner Center API layout: `n` customers, each with one
/// expiring Kaizala Pro subscription, ids as GUIDs.
fn affected_file(n: usize) -> String {
    let mut s = String::from(
        "CustomerId,CompanyName,SubscriptionId,OfferName,Quantity,CommitmentEndDate,\
         AutoRenewEnabled,Status\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "{i:08x}-d8f1-4adf-91b7-584a2265b1f5,Customer {i},{i:08x}-c9e9-416c-a12e-7696a6cecc1b,\
             Kaizala Pro,{},2027-{:02}-15,False,Active\n",
            1 + i % 40,
            1 + i % 11
        ));
    }
    s
}

struct Cost {
    /// Bytes held per row once every stage has run, the file's text freed.
    held: usize,
    /// Peak bytes per row at any moment.
    peak: usize,
}

/// What `check` does with a file of `n` affected customers (see `cmd::pipeline`): read,
/// detect, then plan, edit and price each customer and drop it.
fn check_cost_per_row(n: usize) -> Cost {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("subscriptions.csv");
    std::fs::write(&path, affected_file(n)).unwrap();
    let input = vec![Input::parse(path.to_str().unwrap())];
    let catalog = Catalog::builtin(&[]);
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
        split_min_bytes: ingest::SPLIT_MIN_BYTES,
    };
    let window = Window {
        as_of: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        horizon_end: NaiveDate::from_ymd_opt(2027, 12, 1).unwrap(),
        auto_renew_off_only: true,
    };
    let options = PlanOptions {
        window,
        horizon_days: 365,
        forced_target: None,
        frontline_customers: Default::default(),
        term: kaizala_migrate::ingest::prices::Term { months: 12 },
        billing: kaizala_migrate::ingest::prices::Billing::Monthly,
    };
    let base = HELD.load(Relaxed);
    PEAK.store(base, Relaxed);
    let mut ing = ingest::read_subscription_files(&input, &catalog, &opts).unwrap();
    let detection = detect::detect(&ing.subscriptions, window);
    ingest::read_user_files(&mut ing, &[], &catalog, &opts, Some(&detection.affected)).unwrap();
    ingest::read_price_files(&mut ing, &[], &opts).unwrap();
    let mut planning = Planning::new(&mut ing, &detection, &catalog);
    let sheet = Default::default();
    let mut edits = Edits::new(&sheet);
    let price_options = PriceOptions::default();
    let book = PriceBook::new(&ing.prices, &ing.ledger);
    let mut pricer = Pricer::new(&book, &ing.prices, &catalog, &price_options, window.as_of);
    let mut planned = 0;
    while let Some(mut c) = planning.next_customer(&ing, &catalog, &options) {
        assert!(edits.apply_to(&mut c, &catalog).unwrap().is_none());
        pricer.price(&mut c).unwrap();
        planned += 1;
    }
    let mut plan = planning.finish(Vec::new(), Vec::new(), &catalog, &options);
    pricer.finish(&mut plan, &ing.ledger).unwrap();
    drop(book);
    assert_eq!(planned, n, "every customer is planned");
    let file = &ing.ledger.files[0];
    assert_eq!((file.used, file.rejected), (n as u64, 0), "every row is used");
    let held = HELD.load(Relaxed) - base;
    let peak = PEAK.load(Relaxed) - base;
    drop((ing, detection, plan));
    Cost { held: held / n, peak: peak / n }
}

/// The most bytes an affected row may cost at the peak, counted as requested from the
/// allocator (a growing vector's spare room included): 1,000,000 rows then stay under the
/// 1 GiB a run may take, with room for the allocator's own overhead. Before issue 13 a row
/// cost 3,200 bytes here; `benches/e2e.sh affected` measures the whole process.
const PEAK_PER_ROW: usize = 900;

#[test]
fn an_affected_subscription_costs_a_steady_bounded_amount_of_memory() {
    let small = check_cost_per_row(5_000);
    let large = check_cost_per_row(40_000);
    eprintln!(
        "per affected row: {} then {} bytes held, {} then {} at the peak",
        small.held, large.held, small.peak, large.peak
    );
    assert!(large.peak <= PEAK_PER_ROW, "{} bytes per row at the peak", large.peak);
    // Steady: eight times the rows cost about eight times the bytes, not more.
    assert!(
        large.peak <= small.peak + small.peak / 4,
        "{} bytes per row for 40,000 rows, {} for 5,000",
        large.peak,
        small.peak
    );
}
