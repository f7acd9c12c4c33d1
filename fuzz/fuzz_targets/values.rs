//! The value parsers and the escaping of values for each output.
#![no_main]

use kaizala_migrate::escape;
use kaizala_migrate::ingest::split_licences;
use kaizala_migrate::ingest::values::{self, DateOrder, DecimalMark};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(s) = std::str::from_utf8(bytes) else { return };
    let _ = values::parse_date(s, Some(DateOrder::Dmy));
    let _ = values::parse_date(s, Some(DateOrder::Mdy));
    let _ = values::date_hint(s);
    if let Some(n) = values::parse_whole(s) {
        // A whole number is digits and separators only.
        assert!(
            s.trim()
                .chars()
                .all(|c| c.is_ascii_digit() || ".,+ '\u{a0}\u{202f}\u{2009}’".contains(c)),
            "{s:?} read as {n}"
        );
    }
    let _ = values::number_hint(s);
    let _ = values::parse_decimal(s, DecimalMark::Comma);
    let _ = values::parse_decimal(s, DecimalMark::Point);
    let _ = values::parse_bool(s);
    let _ = kaizala_migrate::guid::parse_guid(s);
    let _ = split_licences(s);
    let md = escape::md(s);
    assert!(!md.contains(['\n', '\r', '\u{202e}', '\0']), "{md:?}");
    let html = escape::html(s);
    assert!(!html.contains(['<', '>', '"', '\u{202e}', '\0']), "{html:?}");
    let cell = escape::csv_cell(s);
    assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
    assert!(escape::bounded(s, 100).chars().count() <= 200, "bounded too long");
});
