//! Property tests for the value parsers, and a fuzz-style test that feeds random and mutated
//! bytes to the readers: errors, never panics.

use chrono::{Datelike, NaiveDate};
use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::guid;
use kaizala_migrate::ingest::values::{self, DateOrder, DecimalMark};
use kaizala_migrate::ingest::{self, split_licences, Aliases, IngestOptions};
use kaizala_migrate::source::Input;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn date() -> impl Strategy<Value = NaiveDate> {
    (1990i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

proptest! {
    #[test]
    fn iso_dates_round_trip(d in date(), time in prop::bool::ANY) {
        let text = if time { d.and_hms_opt(13, 5, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string() } else { d.to_string() };
        prop_assert_eq!(values::parse_date(&text, None), Some(d));
    }

    #[test]
    fn day_month_dates_round_trip_with_their_order(d in date()) {
        let dmy = format!("{}/{}/{}", d.day(), d.month(), d.year());
        let mdy = format!("{}/{}/{} 0:00", d.month(), d.day(), d.year());
        let dotted = d.format("%d.%m.%Y").to_string();
        prop_assert_eq!(values::parse_date(&dmy, Some(DateOrder::Dmy)), Some(d));
        prop_assert_eq!(values::parse_date(&mdy, Some(DateOrder::Mdy)), Some(d));
        prop_assert_eq!(values::parse_date(&dotted, None), Some(d));
    }

    #[test]
    fn date_hints_never_contradict_the_value(d in date()) {
        let text = format!("{}/{}/{}", d.day(), d.month(), d.year());
        match values::date_hint(&text) {
            values::DateHint::Only(o) => prop_assert_eq!(values::parse_date(&text, Some(o)), Some(d)),
            values::DateHint::Either => prop_assert_eq!(values::parse_date(&text, None), Some(d)),
            values::DateHint::Ambiguous => prop_assert!(d.day() <= 12 && d.day() != d.month()),
            values::DateHint::Invalid => prop_assert!(false, "valid date called invalid: {}", text),
        }
    }

    #[test]
    fn whole_numbers_round_trip_with_grouping(n in 0u64..10_000_000, sep in prop::sample::select(vec!["", ",", ".", " ", "\u{a0}"])) {
        let digits = n.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push_str(sep);
            }
            grouped.push(c);
        }
        prop_assert_eq!(values::parse_whole(&grouped), Some(n));
    }

    #[test]
    fn amounts_round_trip_in_both_marks(units in 0i64..100_000_000, cents in 0i64..100) {
        let exact = Decimal::new(units * 100 + cents, 2);
        let point = format!("{units}.{cents:02}");
        let comma = format!("{units},{cents:02}");
        prop_assert_eq!(values::parse_decimal(&point, DecimalMark::Point), Some(exact));
        prop_assert_eq!(values::parse_decimal(&comma, DecimalMark::Comma), Some(exact));
        prop_assert_eq!(values::parse_decimal(&format!("€ {comma}"), DecimalMark::Comma), Some(exact));
    }

    #[test]
    fn guids_normalise_from_any_spelling(bytes in prop::array::uniform16(any::<u8>()), upper in any::<bool>(), braces in any::<bool>()) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let canonical = format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]);
        let mut text = if upper { canonical.to_uppercase() } else { canonical.clone() };
        if braces { text = format!("{{{text}}}"); }
        prop_assert_eq!(guid::parse_guid(&text), Some(canonical));
    }

    #[test]
    fn licence_lists_split_back_into_their_names(names in prop::collection::vec("[A-Za-z0-9][A-Za-z0-9 ]{0,20}[A-Za-z0-9]( \\+ [A-Z][a-z]{1,5})?", 1..5)) {
        let joined = names.join("+");
        let got = split_licences(&joined);
        let want: Vec<&str> = names.iter().map(|s| s.trim()).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn parsers_never_panic_on_any_text(s in ".{0,40}") {
        let _ = values::parse_date(&s, None);
        let _ = values::parse_date(&s, Some(DateOrder::Dmy));
        let _ = values::date_hint(&s);
        let _ = values::parse_whole(&s);
        let _ = values::number_hint(&s);
        let _ = values::parse_decimal(&s, DecimalMark::Comma);
        let _ = values::parse_bool(&s);
        let _ = guid::parse_guid(&s);
        let _ = split_licences(&s);
    }
}

const SEED: &str =
    "CustomerId,SubscriptionId,OfferName,Quantity,CommitmentEndDate,AutoRenewEnabled,Status\n\
11111111-1111-4111-8111-111111111111,s1,Kaizala Pro,3,2027-01-02,False,Active\n\
11111111-1111-4111-8111-111111111111,s2,Kaizala Pro,\"1,5\",1/2/2027,Sant,Suspended\n";

fn read_bytes(bytes: &[u8], name: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let input = Input::parse(path.to_str().unwrap());
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
        // Every text file is read in parts, so the fuzz tests reach that path too.
        split_min_bytes: 0,
    };
    let catalog = Catalog::builtin(&[]);
    // Any outcome is fine for the fuzz tests; a panic fails them.
    ingest::read_all(
        std::slice::from_ref(&input),
        std::slice::from_ref(&input),
        std::slice::from_ref(&input),
        &catalog,
        &opts,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

proptest! {
    /// The fast GUID reader used to pass over rows agrees with the one that keeps them.
    #[test]
    fn guid_bits_agree_with_parse_guid(
        s in prop_oneof![
            "[ \u{a0}]{0,2}[{]?[0-9a-fA-F-]{30,38}[}]?[ \u{a0}]{0,2}",
            "[ ]?[{]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9A-F]{4}-[0-9a-f]{4}-[0-9a-f]{12}[}]?[ ]?",
            any::<String>(),
        ]
    ) {
        let fast = guid::guid_bits(s.as_bytes()).map(guid::guid_text);
        prop_assert_eq!(fast, guid::parse_guid(&s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn readers_survive_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = read_bytes(&bytes, "random.csv");
    }

    #[test]
    fn readers_survive_mutated_exports(flips in prop::collection::vec((0usize..SEED.len(), any::<u8>()), 1..12)) {
        let mut bytes = SEED.as_bytes().to_vec();
        for (at, b) in flips {
            bytes[at] = b;
        }
        let _ = read_bytes(&bytes, "mutated.csv");
    }

    #[test]
    fn readers_survive_mutated_workbooks(flips in prop::collection::vec((0usize..6000, any::<u8>()), 1..6)) {
        let mut bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/subscriptions.xlsx")).unwrap();
        for (at, b) in flips {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        let _ = read_bytes(&bytes, "mutated.xlsx");
    }
}

/// Found by `readers_survive_mutated_workbooks`: one changed byte gives a cell reference whose
/// column overflows calamine's arithmetic, which panics there. It must come back as an error.
#[test]
fn workbook_with_an_overflowing_cell_reference_is_an_error() {
    let mut bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/subscriptions.xlsx")).unwrap();
    bytes[4266] = 157;
    let err = read_bytes(&bytes, "broken.xlsx").expect_err("a broken workbook was read");
    assert!(err.contains("broken.xlsx"), "{err}");
}

/// A users file's rows: customer ids (some bad), user principal names (some without a domain),
/// display names that need quoting (a delimiter, a doubled quote, a line break), licences
/// (Kaizala Pro, suites that carry Kaizala, others); CRLF or LF, blank lines, a final line with
/// or without its line end.
fn users_file() -> impl Strategy<Value = Vec<u8>> {
    let customer = prop::sample::select(vec![
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "{33333333-3333-4333-8333-333333333333}",
        "not-a-guid",
        "",
    ]);
    let upn =
        prop::sample::select(vec!["a@x.example", "b@y.example", "c@x.example", "nodomain", ""]);
    let display = prop::sample::select(vec![
        "Anna",
        "\"Svensson, Åsa\"",
        "\"O\"\"Brien\"",
        "\"two\nlines\"",
        "\"three\r\nlines\"",
        "",
    ]);
    let licences = prop::sample::select(vec![
        "Kaizala Pro",
        "Kaizala Pro+Office 365 E3",
        "\"Microsoft 365 Business Basic+Kaizala Pro\"",
        "Visio Plan 2",
        "Unlicensed",
        "\"Enterprise Mobility + Security E5+Kaizala Pro\"",
    ]);
    let row = (customer, upn, display, licences, any::<bool>(), 0u8..8);
    (prop::collection::vec(row, 0..40), any::<bool>()).prop_map(|(rows, last_newline)| {
        let mut out = b"CustomerId,User principal name,Display name,Licenses\r\n".to_vec();
        let n = rows.len();
        for (i, (c, u, d, l, crlf, blank)) in rows.into_iter().enumerate() {
            out.extend(format!("{c},{u},{d},{l}").bytes());
            if i + 1 < n || last_newline {
                out.extend(if crlf { &b"\r\n"[..] } else { b"\n" });
            }
            if blank == 0 && i + 1 < n {
                out.extend(b"\n");
            }
        }
        out
    })
}

/// A file to read, with the built-in columns and catalogue, cut into parts from
/// `split_min_bytes`.
fn reading(path: &std::path::Path, split_min_bytes: u64) -> (Input, IngestOptions, Catalog) {
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
        split_min_bytes,
    };
    (Input::parse(path.to_str().unwrap()), opts, Catalog::builtin(&[]))
}

/// Runs `f` on a rayon pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Everything reading a users file leaves in `Ingested`, as text.
fn read_users_with(path: &std::path::Path, split_min_bytes: u64, threads: usize) -> String {
    let (input, opts, catalog) = reading(path, split_min_bytes);
    on_threads(threads, || {
        let mut ing = ingest::Ingested::default();
        match ingest::read_user_files(&mut ing, std::slice::from_ref(&input), &catalog, &opts, None)
        {
            Ok(()) => format!(
                "{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}\n{:#?}",
                ing.users,
                ing.ledger.rejections,
                ing.ledger
                    .files
                    .iter()
                    .map(|f| (f.rows_read, &f.filtered, f.rejected, &f.notes))
                    .collect::<Vec<_>>(),
                ing.customers_with_user_rows,
                ing.unrecognised_licences,
                ing.replacement_holders
            ),
            Err(e) => format!("error: {e}"),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Issue 12: a users file read in parts on several threads gives exactly what reading it
    /// whole gives: the same users, row numbers, rejections and counts, whatever the cuts hit
    /// (quoted line breaks, CRLF, blank lines).
    #[test]
    fn users_read_in_parts_match_users_read_whole(bytes in users_file(), threads in 2usize..6) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        std::fs::write(&path, &bytes).unwrap();
        let whole = read_users_with(&path, u64::MAX, 1);
        prop_assert_eq!(read_users_with(&path, 0, threads), whole);
    }
}

/// A subscriptions file's rows: a few customers (one bad, one empty) whose names, domains and
/// account managers need quoting now and then (a delimiter, a line break); repeated and
/// conflicting subscription ids; Kaizala Pro among other offers; bad quantities; dates and
/// prices whose format only some rows decide. Every field quoted (as `Export-Csv` writes) or
/// only where needed; CRLF or LF; blank lines.
fn subscriptions_file() -> impl Strategy<Value = Vec<u8>> {
    let customer = prop::sample::select(vec![
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333",
        "not-a-guid",
        "",
    ]);
    let name = prop::sample::select(vec!["Contoso", "Fabrikam, Inc.", "Two\nlines", ""]);
    let domain = prop::sample::select(vec!["contoso.example", "fabrikam.example", ""]);
    let manager = prop::sample::select(vec!["Åsa Berg", "Li \"Lee\" Wang", ""]);
    let frontline = prop::sample::select(vec!["True", "False", ""]);
    let id = prop::sample::select(vec![
        "aaaaaaaa-0000-4000-8000-000000000001",
        "aaaaaaaa-0000-4000-8000-000000000002",
        "aaaaaaaa-0000-4000-8000-000000000003",
        "aaaaaaaa-0000-4000-8000-000000000004",
        "",
    ]);
    let offer = prop::sample::select(vec!["Kaizala Pro", "Office 365 E3", "Microsoft 365 F3"]);
    let quantity = prop::sample::select(vec!["5", "12", "x"]);
    let renew = prop::sample::select(vec!["True", "False"]);
    // Each file writes its dates in one order, one in eight in both (an error that names the
    // first example of each).
    let end = 0usize..5;
    let price = prop::sample::select(vec!["2.80", "1,234", "4", ""]);
    let row = (
        (customer, name, domain, manager, frontline),
        (id, offer, quantity, renew, end, price),
        (any::<bool>(), any::<bool>(), 0u8..8),
    );
    let files = (prop::collection::vec(row, 0..40), any::<bool>(), 0u8..8);
    files.prop_map(|(rows, last_newline, style)| {
        const MDY: [&str; 5] = ["7/13/2027", "7/14/2027", "1/7/2027", "2027-07-01", ""];
        const DMY: [&str; 5] = ["13/7/2027", "14/7/2027", "1/7/2027", "2027-07-01", ""];
        let mut out = "CustomerId,CustomerName,Domain,AccountManager,Frontline,SubscriptionId,\
                       OfferName,Quantity,AutoRenewEnabled,CommitmentEndDate,UnitPrice\r\n"
            .as_bytes()
            .to_vec();
        let n = rows.len();
        for (i, ((c, nm, d, am, fl), (s, o, q, r, e, p), (quote_all, crlf, blank))) in
            rows.into_iter().enumerate()
        {
            let e = match style {
                0 if i % 2 == 0 => MDY[e],
                0 => DMY[e],
                s if s % 2 == 1 => MDY[e],
                _ => DMY[e],
            };
            let cells = [c, nm, d, am, fl, s, o, q, r, e, p];
            let line: Vec<String> = cells
                .iter()
                .map(|v| {
                    if quote_all || v.contains([',', '"', '\n']) {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        v.to_string()
                    }
                })
                .collect();
            out.extend(line.join(",").bytes());
            if i + 1 < n || last_newline {
                out.extend(if crlf { &b"\r\n"[..] } else { b"\n" });
            }
            if blank == 0 && i + 1 < n {
                out.extend(b"\r\n");
            }
        }
        out
    })
}

/// Everything reading a subscriptions file leaves in `Ingested`, as text.
fn read_subscriptions_with(path: &std::path::Path, split_min_bytes: u64, threads: usize) -> String {
    let (input, opts, catalog) = reading(path, split_min_bytes);
    on_threads(threads, || {
        match ingest::read_subscription_files(std::slice::from_ref(&input), &catalog, &opts) {
            Ok(ing) => format!(
                "{:#?}\n{:#?}\n{:#?}\n{:#?}",
                ing.subscriptions,
                ing.customers,
                ing.ledger.rejections,
                ing.ledger
                    .files
                    .iter()
                    .map(|f| (f.rows_read, &f.filtered, f.rejected, &f.notes))
                    .collect::<Vec<_>>(),
            ),
            Err(e) => format!("error: {e}"),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Issue 12: a subscriptions file read in parts on several threads (both passes) gives
    /// exactly what reading it whole gives: the same subscriptions, merges and conflicts, row
    /// numbers, customers, rejections, counts and format decisions, whatever the cuts hit.
    #[test]
    fn subscriptions_read_in_parts_match_subscriptions_read_whole(
        bytes in subscriptions_file(),
        threads in 2usize..6,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subscriptions.csv");
        std::fs::write(&path, &bytes).unwrap();
        let whole = read_subscriptions_with(&path, u64::MAX, 1);
        prop_assert_eq!(read_subscriptions_with(&path, 0, threads), whole);
    }
}
