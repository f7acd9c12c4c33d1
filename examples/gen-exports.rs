//! Writes a deterministic, realistic set of exports for benchmarks:
//!
//! ```text
//! cargo run --release --example gen-exports -- --customers 20000 --out bench-data/m [--seed 7] [--no-xlsx] [--kaizala-per-mille 50]
//! ```
//!
//! - `subscriptions.csv`: Partner Center API-shaped export, about 10 subscriptions per customer;
//!   about 5% of customers hold Kaizala Pro (`--kaizala-per-mille`, default 50) (auto renew off, end dates spread from two months
//!   ago to two years ahead, some suspended or renewing);
//! - `subscriptions.xlsx`: the same rows as a workbook (unless `--no-xlsx`);
//! - `users.csv`: the Microsoft 365 admin center "Export users" columns the tool reads (user
//!   principal name, display name, licences joined with `+`) plus a customer id column, one row
//!   per seat; suites that include Kaizala among the licences;
//! - `prices.csv`: a new commerce price list (USD) for the replacement plans and Kaizala Pro.
//!
//! Customers have 1 to 5,000 seats (most are small). The same seed gives the same bytes.

// Data generators and benchmark set-up read best as one listing; the length limit is for the
// tool's own functions.
#![allow(clippy::too_many_lines)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const OFFERS: [&str; 14] = [
    "Microsoft 365 Business Standard",
    "Microsoft 365 Business Premium",
    "Microsoft 365 Business Basic",
    "Office 365 E3",
    "Microsoft 365 E3",
    "Exchange Online (Plan 1)",
    "Microsoft Teams Essentials",
    "Power BI Pro",
    "Visio Plan 2",
    "Project Plan 3",
    "Microsoft Intune Plan 1",
    "Enterprise Mobility + Security E5",
    "Microsoft Defender for Office 365 (Plan 1)",
    "Microsoft 365 Apps for business",
];
const FIRST: [&str; 12] =
    ["anna", "ben", "carla", "dev", "erik", "fatima", "gus", "hana", "ivan", "jun", "kim", "lea"];
const LAST: [&str; 10] = [
    "svensson", "garcia", "müller", "o'brien", "nguyen", "smith", "rossi", "kowalski", "tanaka",
    "dubois",
];

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn seats(rng: &mut Rng) -> u64 {
    // Most customers are small; a few are large.
    let r = rng.below(1000);
    let (lo, hi) = if r < 750 {
        (1, 50)
    } else if r < 970 {
        (50, 300)
    } else if r < 997 {
        (300, 2000)
    } else {
        (2000, 5000)
    };
    lo + rng.below(hi - lo + 1)
}

fn date(days_from_2026_12_01: i64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    (base + chrono::Duration::days(days_from_2026_12_01)).format("%Y-%m-%d").to_string()
}

pub(crate) struct Args {
    pub(crate) customers: u64,
    pub(crate) out: PathBuf,
    pub(crate) seed: u64,
    pub(crate) xlsx: bool,
    /// Customers with Kaizala Pro, per thousand.
    pub(crate) kaizala_per_mille: u64,
}

#[allow(dead_code)]
fn args() -> Args {
    let mut a = Args {
        customers: 1000,
        out: PathBuf::from("bench-data"),
        seed: 7,
        xlsx: true,
        kaizala_per_mille: 50,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--customers" => {
                a.customers = it.next().and_then(|v| v.parse().ok()).expect("--customers N")
            }
            "--out" => a.out = PathBuf::from(it.next().expect("--out DIR")),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed N"),
            "--no-xlsx" => a.xlsx = false,
            "--kaizala-per-mille" => {
                a.kaizala_per_mille =
                    it.next().and_then(|v| v.parse().ok()).expect("--kaizala-per-mille N")
            }
            other => panic!(
                "unknown argument {other}; use --customers N --out DIR [--seed N] [--no-xlsx] [--kaizala-per-mille N]"
            ),
        }
    }
    a
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[allow(dead_code)] // Benches include this file for `generate` only.
fn main() -> std::io::Result<()> {
    generate(&args())
}

/// Writes the exports of `a.customers` customers into `a.out`.
pub(crate) fn generate(a: &Args) -> std::io::Result<()> {
    std::fs::create_dir_all(&a.out)?;
    let mut rng = Rng(a.seed);
    let mut subs =
        BufWriter::with_capacity(1 << 20, File::create(a.out.join("subscriptions.csv"))?);
    let mut users = BufWriter::with_capacity(1 << 20, File::create(a.out.join("users.csv"))?);
    let sub_header = "CustomerId,CustomerName,Id,OfferId,OfferName,FriendlyName,Quantity,UnitType,Status,AutoRenewEnabled,EffectiveStartDate,CommitmentEndDate,BillingCycle,UnitPrice,Currency";
    writeln!(subs, "{sub_header}")?;
    writeln!(users, "CustomerId,User principal name,Display name,Licenses")?;
    let mut sub_rows: Vec<[String; 15]> = Vec::new();
    let (mut n_subs, mut n_users, mut n_kaizala) = (0u64, 0u64, 0u64);
    for c in 0..a.customers {
        let customer = uuid(&mut rng);
        let name =
            format!("Customer {c:06} {}", rng.pick(&["AB", "GmbH", "Ltd", "SA", "Oy", "& Sons"]));
        let domain = format!("c{c:06}.example");
        let seat_count = seats(&mut rng);
        // Whole percents draw as they always did, so the default data stays the same.
        let kaizala = if a.kaizala_per_mille.is_multiple_of(10) {
            rng.chance(a.kaizala_per_mille / 10)
        } else {
            rng.below(1000) < a.kaizala_per_mille
        };
        let n = 6 + rng.below(9);
        let mut held: Vec<&str> = Vec::new();
        for k in 0..n {
            let (offer, quantity) = if k == 0 && kaizala {
                n_kaizala += 1;
                ("Kaizala Pro", (seat_count * (30 + rng.below(70)) / 100).max(1))
            } else {
                let o = *rng.pick(&OFFERS);
                (o, (seat_count * (10 + rng.below(90)) / 100).max(1))
            };
            if offer != "Kaizala Pro" {
                held.push(offer);
            }
            let kaizala_row = offer == "Kaizala Pro";
            let status = if kaizala_row && rng.chance(5) { "Suspended" } else { "Active" };
            let renew = if kaizala_row { rng.chance(3) } else { rng.chance(90) };
            let end = if kaizala_row { -60 + rng.below(790) as i64 } else { rng.below(720) as i64 };
            let row = [
                customer.clone(),
                name.clone(),
                uuid(&mut rng),
                format!("OFFER-{:04}", offer.len() * 37 % 9973),
                offer.to_string(),
                offer.to_string(),
                quantity.to_string(),
                "Licenses".into(),
                status.into(),
                if renew { "True" } else { "False" }.into(),
                date(end - 365),
                date(end),
                if rng.chance(70) { "Monthly" } else { "Annual" }.into(),
                format!("{}.{:02}", 2 + rng.below(30), rng.below(100)),
                "USD".into(),
            ];
            let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            writeln!(subs, "{}", line.join(","))?;
            n_subs += 1;
            if a.xlsx {
                sub_rows.push(row);
            }
        }
        for u in 0..seat_count {
            let first = *rng.pick(&FIRST);
            let last = *rng.pick(&LAST);
            let upn = format!("{first}.{}{u}@{domain}", last.replace(['\'', 'ü'], ""));
            let mut lic: Vec<&str> = Vec::new();
            if !held.is_empty() {
                lic.push(held[rng.below(held.len() as u64) as usize]);
                if rng.chance(35) {
                    lic.push(held[rng.below(held.len() as u64) as usize]);
                }
            }
            if kaizala && rng.chance(60) {
                lic.push("Kaizala Pro");
            }
            lic.dedup();
            let display = format!("{} {}", capital(first), capital(last));
            let joined = lic.join("+");
            let row: [&str; 4] = [customer.as_str(), &upn, &display, &joined];
            let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            writeln!(users, "{}", line.join(","))?;
            n_users += 1;
        }
    }
    subs.flush()?;
    users.flush()?;
    let mut prices = BufWriter::new(File::create(a.out.join("prices.csv"))?);
    writeln!(prices, "ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,BillingPlan,Market,Currency,UnitPrice,PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,Tags,ERP Price")?;
    for (title, product, price) in [
        ("Microsoft 365 Business Basic", "CFQ7TTC0LH18", "72.00"),
        ("Office 365 E1", "CFQ7TTC0LF8R", "120.00"),
        ("Office 365 F3", "CFQ7TTC0LF8T", "48.00"),
        ("Office 365 A1", "CFQ7TTC0LF8V", "0.00"),
        ("Kaizala Pro", "CFQ7TTC0KAIZ", "36.00"),
    ] {
        for (term, plan) in [("P1Y", "Monthly"), ("P1Y", "Annual")] {
            writeln!(prices, "{title},{product},0001,{title},Microsoft Corporation,{title},1 License,{term},{plan},US,USD,{price},,,2/1/2025 0:00,11/30/9999 23:59,License,{price}")?;
        }
    }
    prices.flush()?;
    if a.xlsx {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet().set_name("Subscriptions").map_err(io)?;
        for (i, h) in sub_header.split(',').enumerate() {
            ws.write_string(0, i as u16, h).map_err(io)?;
        }
        for (r, row) in sub_rows.iter().enumerate() {
            for (i, f) in row.iter().enumerate() {
                let r = r as u32 + 1;
                if i == 6 {
                    ws.write_number(r, i as u16, f.parse::<f64>().unwrap_or(0.0)).map_err(io)?;
                } else {
                    ws.write_string(r, i as u16, f).map_err(io)?;
                }
            }
        }
        wb.save(a.out.join("subscriptions.xlsx")).map_err(io)?;
    }
    eprintln!(
        "wrote {}: {} customers ({} with Kaizala Pro), {} subscriptions, {} users",
        a.out.display(),
        a.customers,
        n_kaizala,
        n_subs,
        n_users
    );
    Ok(())
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn io(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}
