//! Writes a deterministic, realistic set of exports for benchmarks:
//!
//! ```text
//! cargo run --release --example gen-exports -- --customers 20000 --out bench-data/m [--seed 7] [--no-xlsx] [--kaizala-per-mille 50] [--minimal]
//! ```
//!
//! By default the files have the layouts partners really export (`shared` research notes,
//! "Export formats"):
//!
//! - `subscriptions.csv`: the Partner Center PowerShell module's subscription objects as Windows
//!   PowerShell's `Export-Csv -Encoding UTF8` writes them: UTF-8 BOM, a `#TYPE` line, every field
//!   in double quotes, CRLF, dates in the US culture (`12/20/2026 12:00:00 AM`), every field of
//!   the Subscription resource plus the customer's id, name, domain, segment, account manager,
//!   currency and unit price. About 10 subscriptions per customer; about 5% of customers hold
//!   Kaizala Pro (`--kaizala-per-mille`, default 50), auto renew off, end dates from two months
//!   ago to two years ahead, some suspended or renewing;
//! - `subscriptions.xlsx`: the same rows as a workbook (unless `--no-xlsx`);
//! - `users.csv`: the Microsoft 365 admin center "Export users" file, all 28 columns of the newer
//!   layout plus a customer id column, with a value in every column a real tenant fills
//!   (accented names, cities, proxy addresses, timestamps), UTF-8 BOM, CRLF, fields quoted where
//!   they need it; one row per seat; suites that include Kaizala among the licences;
//! - `prices.csv`: a new commerce price list (USD) for the replacement plans and Kaizala Pro.
//!
//! `--minimal` writes the earlier, smaller shape instead: unquoted subscriptions with only the
//! columns the tool reads, and users with four columns. Both shapes hold the same customers,
//! subscriptions, seats and licences, so they give the same plan.
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
    /// The earlier minimal shape instead of the real layouts.
    pub(crate) minimal: bool,
}

#[allow(dead_code)]
fn args() -> Args {
    let mut a = Args {
        customers: 1000,
        out: PathBuf::from("bench-data"),
        seed: 7,
        xlsx: true,
        kaizala_per_mille: 50,
        minimal: false,
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
            "--minimal" => a.minimal = true,
            "--kaizala-per-mille" => {
                a.kaizala_per_mille =
                    it.next().and_then(|v| v.parse().ok()).expect("--kaizala-per-mille N")
            }
            other => panic!(
                "unknown argument {other}; use --customers N --out DIR [--seed N] [--no-xlsx] [--kaizala-per-mille N] [--minimal]"
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

/// One customer's facts, as both shapes write them.
struct Customer {
    id: String,
    name: String,
    domain: String,
    account_manager: &'static str,
}

/// One subscription row's facts.
struct Sub<'a> {
    id: String,
    offer: &'a str,
    quantity: u64,
    status: &'static str,
    renew: bool,
    /// Days from 2026-12-01 to the end of the term.
    end: i64,
    annual: bool,
    price: String,
}

/// One user row's facts.
struct User<'a> {
    upn: String,
    first: &'a str,
    last: &'a str,
    display: String,
    licences: String,
}

/// The header of the minimal subscriptions file (also the workbook's, in that shape).
const MINIMAL_SUBS: &str = "CustomerId,CustomerName,Id,OfferId,OfferName,FriendlyName,Quantity,UnitType,Status,AutoRenewEnabled,EffectiveStartDate,CommitmentEndDate,BillingCycle,UnitPrice,Currency";

/// The columns `Export-Csv` writes for the module's subscription objects with the customer's
/// columns a partner's script adds.
const REAL_SUBS: [&str; 37] = [
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "Segment",
    "AccountManager",
    "Id",
    "OfferId",
    "EntitlementId",
    "OfferName",
    "FriendlyName",
    "Quantity",
    "UnitType",
    "ParentSubscriptionId",
    "CreationDate",
    "EffectiveStartDate",
    "CommitmentEndDate",
    "Status",
    "AutoRenewEnabled",
    "BillingType",
    "BillingCycle",
    "TermDuration",
    "HasPurchasableAddons",
    "IsTrial",
    "IsMicrosoftProduct",
    "PublisherName",
    "Actions",
    "PartnerId",
    "SuspensionReasons",
    "ContractType",
    "RefundOptions",
    "OrderId",
    "ProductType",
    "CancellationAllowedUntilDate",
    "Links",
    "Attributes",
    "Currency",
    "UnitPrice",
];

/// The admin center's newer "Export users" layout, and the customer id column a partner adds.
const REAL_USERS: &str = "Display name,DirSyncEnabled,User principal name,Object Id,First name,Last name,When created,Soft deletion time stamp,Title,Department,Preferred data location,City,CountryOrRegion,Office,StateOrProvince,Usage location,Last dirsync time,Block credential,Licenses,Password never expires,Last password change time stamp,Mobile Phone,Phone number,Postal code,Preferred language,Street address,Fax,Proxy addresses,CustomerId";

const ACCOUNT_MANAGERS: [&str; 8] = [
    "Karin Ekström",
    "Jürgen Weiß",
    "Ana Peña",
    "Olivier Lefèvre",
    "Siobhán Ó Briain",
    "Zoë Martin",
    "Łukasz Nowak",
    "Priya Raman",
];
/// (city, country, state, usage location, language, postal code, street)
const PLACES: [(&str, &str, &str, &str, &str, &str, &str); 8] = [
    ("Göteborg", "Sweden", "Västra Götaland", "SE", "sv-SE", "411 05", "Drottninggatan 12"),
    ("München", "Germany", "Bayern", "DE", "de-DE", "80331", "Maximilianstraße 4"),
    ("Kraków", "Poland", "Małopolskie", "PL", "pl-PL", "31-042", "ul. Floriańska 7"),
    ("São Paulo", "Brazil", "SP", "BR", "pt-BR", "01310-100", "Av. Paulista, 1578"),
    ("Montréal", "Canada", "Québec", "CA", "fr-CA", "H3B 1A7", "1000 Rue De La Gauchetière"),
    ("Zürich", "Switzerland", "ZH", "CH", "de-CH", "8001", "Bahnhofstrasse 21"),
    ("Seattle", "United States", "WA", "US", "en-US", "98101", "1420 5th Ave"),
    ("Málaga", "Spain", "Andalucía", "ES", "es-ES", "29015", "Calle Larios, 5"),
];
const TITLES: [&str; 6] =
    ["Sales Manager", "Consultant", "Technician", "Office Administrator", "Engineer", "Designer"];
const DEPARTMENTS: [&str; 5] = ["Sales", "Operations", "Finance", "Field Service", "R&D"];

/// Writes the exports of `a.customers` customers into `a.out`.
pub(crate) fn generate(a: &Args) -> std::io::Result<()> {
    std::fs::create_dir_all(&a.out)?;
    let mut rng = Rng(a.seed);
    // The real layouts' extra detail is drawn from a stream of its own, so both shapes hold the
    // same customers, subscriptions, seats and licences.
    let mut extra = Rng(a.seed ^ 0xA5A5_5A5A_0F0F_F0F0);
    let mut subs =
        BufWriter::with_capacity(1 << 20, File::create(a.out.join("subscriptions.csv"))?);
    let mut users = BufWriter::with_capacity(1 << 20, File::create(a.out.join("users.csv"))?);
    if a.minimal {
        writeln!(subs, "{MINIMAL_SUBS}")?;
        writeln!(users, "CustomerId,User principal name,Display name,Licenses")?;
    } else {
        // Export-Csv -Encoding UTF8 in Windows PowerShell 5.1: BOM, #TYPE, all quoted, CRLF.
        subs.write_all(b"\xEF\xBB\xBF#TYPE Selected.Microsoft.Store.PartnerCenter.Models.Subscriptions.Subscription\r\n")?;
        let header: Vec<String> = REAL_SUBS.iter().map(|h| format!("\"{h}\"")).collect();
        write!(subs, "{}\r\n", header.join(","))?;
        write!(users, "\u{feff}{REAL_USERS}\r\n")?;
    }
    let mut sheet_rows: Vec<Vec<String>> = Vec::new();
    let (mut n_subs, mut n_users, mut n_kaizala) = (0u64, 0u64, 0u64);
    for c in 0..a.customers {
        let customer = Customer {
            id: uuid(&mut rng),
            name: format!(
                "Customer {c:06} {}",
                rng.pick(&["AB", "GmbH", "Ltd", "SA", "Oy", "& Sons"])
            ),
            domain: format!("c{c:06}.example"),
            account_manager: ACCOUNT_MANAGERS[extra.below(ACCOUNT_MANAGERS.len() as u64) as usize],
        };
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
            let id = uuid(&mut rng);
            let annual = !rng.chance(70);
            let price = format!("{}.{:02}", 2 + rng.below(30), rng.below(100));
            let sub = Sub { id, offer, quantity, status, renew, end, annual, price };
            let row = if a.minimal {
                minimal_sub(&customer, &sub)
            } else {
                real_sub(&customer, &sub, &mut extra)
            };
            if a.minimal {
                let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                writeln!(subs, "{}", line.join(","))?;
            } else {
                let line: Vec<String> =
                    row.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
                write!(subs, "{}\r\n", line.join(","))?;
            }
            n_subs += 1;
            if a.xlsx {
                sheet_rows.push(row);
            }
        }
        for u in 0..seat_count {
            let first = *rng.pick(&FIRST);
            let last = *rng.pick(&LAST);
            let upn = format!("{first}.{}{u}@{}", last.replace(['\'', 'ü'], ""), customer.domain);
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
            let user = User { upn, first, last, display, licences: lic.join("+") };
            if a.minimal {
                let row = [customer.id.as_str(), &user.upn, &user.display, &user.licences];
                let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                writeln!(users, "{}", line.join(","))?;
            } else {
                let row = real_user(&customer, &user, &mut extra);
                let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                write!(users, "{}\r\n", line.join(","))?;
            }
            n_users += 1;
        }
    }
    subs.flush()?;
    users.flush()?;
    prices(a)?;
    if a.xlsx {
        let header: Vec<&str> =
            if a.minimal { MINIMAL_SUBS.split(',').collect() } else { REAL_SUBS.to_vec() };
        workbook(a, &header, &sheet_rows)?;
    }
    eprintln!(
        "wrote {}: {} customers ({} with Kaizala Pro), {} subscriptions, {} users ({} layouts)",
        a.out.display(),
        a.customers,
        n_kaizala,
        n_subs,
        n_users,
        if a.minimal { "minimal" } else { "real" }
    );
    Ok(())
}

fn minimal_sub(c: &Customer, s: &Sub<'_>) -> Vec<String> {
    vec![
        c.id.clone(),
        c.name.clone(),
        s.id.clone(),
        format!("OFFER-{:04}", s.offer.len() * 37 % 9973),
        s.offer.to_string(),
        s.offer.to_string(),
        s.quantity.to_string(),
        "Licenses".into(),
        s.status.into(),
        if s.renew { "True" } else { "False" }.into(),
        date(s.end - 365),
        date(s.end),
        if s.annual { "Annual" } else { "Monthly" }.into(),
        s.price.clone(),
        "USD".into(),
    ]
}

/// A date as a US-culture `DateTime.ToString()` writes it: `12/20/2026 12:00:00 AM`.
fn us_date(days_from_2026_12_01: i64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    (base + chrono::Duration::days(days_from_2026_12_01))
        .format("%-m/%-d/%Y 12:00:00 AM")
        .to_string()
}

/// A new commerce offer id (`ProductId:SkuId:AvailabilityId`) made from the offer's name.
fn nce_offer_id(offer: &str) -> String {
    let h = offer
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    const A: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXZ";
    let code = |mut v: u64| -> String {
        (0..4)
            .map(|_| {
                let c = A[(v % 30) as usize] as char;
                v /= 30;
                c
            })
            .collect()
    };
    format!("CFQ7TTC0{}:0001:CFQ7TTC0{}", code(h), code(h >> 24))
}

fn real_sub(c: &Customer, s: &Sub<'_>, extra: &mut Rng) -> Vec<String> {
    let start = us_date(s.end - 365);
    let list = "System.Collections.Generic.List`1[System.String]";
    vec![
        c.id.clone(),
        c.name.clone(),
        c.domain.clone(),
        "Commercial".into(),
        c.account_manager.into(),
        s.id.clone(),
        nce_offer_id(s.offer),
        uuid(extra),
        s.offer.to_string(),
        s.offer.to_string(),
        s.quantity.to_string(),
        "Licenses".into(),
        String::new(),
        start.clone(),
        start,
        us_date(s.end),
        s.status.into(),
        if s.renew { "True" } else { "False" }.into(),
        "License".into(),
        if s.annual { "Annual" } else { "Monthly" }.into(),
        "P1Y".into(),
        "False".into(),
        "False".into(),
        "True".into(),
        "Microsoft Corporation".into(),
        list.into(),
        String::new(),
        if s.status == "Suspended" { list.into() } else { String::new() },
        "Subscription".into(),
        "System.Collections.Generic.List`1[Microsoft.Store.PartnerCenter.Models.Subscriptions.RefundOption]".into(),
        format!("{:016x}", extra.next()),
        "Microsoft.Store.PartnerCenter.Models.Products.ItemType".into(),
        us_date(s.end - 358),
        "Microsoft.Store.PartnerCenter.Models.Subscriptions.SubscriptionLinks".into(),
        "Microsoft.Store.PartnerCenter.Models.ResourceAttributes".into(),
        "USD".into(),
        s.price.clone(),
    ]
}

/// A timestamp as the admin center writes it: `2022-03-18 19:49:35Z`.
fn stamp(extra: &mut Rng) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let day = base + chrono::Duration::days(extra.below(2500) as i64);
    let s = extra.below(86_400);
    format!("{} {:02}:{:02}:{:02}Z", day.format("%Y-%m-%d"), s / 3600, s / 60 % 60, s % 60)
}

fn real_user(c: &Customer, u: &User<'_>, extra: &mut Rng) -> Vec<String> {
    let (city, country, state, usage, language, postal, street) = *extra.pick(&PLACES);
    let synced = extra.chance(30);
    let alias = u.upn.split('@').next().unwrap_or_default();
    let tenant = c.domain.trim_end_matches(".example");
    vec![
        u.display.clone(),
        if synced { "True".into() } else { String::new() },
        u.upn.clone(),
        uuid(extra),
        capital(u.first),
        capital(u.last),
        stamp(extra),
        String::new(),
        extra.pick(&TITLES).to_string(),
        extra.pick(&DEPARTMENTS).to_string(),
        String::new(),
        city.into(),
        country.into(),
        format!("{city} office"),
        state.into(),
        usage.into(),
        if synced { stamp(extra) } else { String::new() },
        "False".into(),
        if u.licences.is_empty() { "Unlicensed".into() } else { u.licences.clone() },
        if extra.chance(10) { "True" } else { "False" }.into(),
        stamp(extra),
        format!(
            "+{} {} {}",
            10 + extra.below(89),
            100 + extra.below(900),
            1000 + extra.below(9000)
        ),
        format!(
            "+{} {} {}",
            10 + extra.below(89),
            10 + extra.below(90),
            100_000 + extra.below(900_000)
        ),
        postal.into(),
        language.into(),
        street.into(),
        String::new(),
        format!("SMTP:{}+smtp:{alias}@{tenant}.onmicrosoft.com", u.upn),
        c.id.clone(),
    ]
}

fn prices(a: &Args) -> std::io::Result<()> {
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
    prices.flush()
}

fn workbook(a: &Args, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let quantity = header.iter().position(|h| *h == "Quantity");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("Subscriptions").map_err(io)?;
    for (i, h) in header.iter().enumerate() {
        ws.write_string(0, i as u16, *h).map_err(io)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (i, f) in row.iter().enumerate() {
            let r = r as u32 + 1;
            if Some(i) == quantity {
                ws.write_number(r, i as u16, f.parse::<f64>().unwrap_or(0.0)).map_err(io)?;
            } else {
                ws.write_string(r, i as u16, f).map_err(io)?;
            }
        }
    }
    wb.save(a.out.join("subscriptions.xlsx")).map_err(io)
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
