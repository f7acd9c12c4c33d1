//! Parsers for the values found in export cells: header names, booleans, whole numbers,
//! decimal amounts and dates (GUIDs are `crate::guid`).
//!
//! Owns: the grammar of one value. Deciding a column's day/month order or decimal separator
//! from all its values is done here too (`DateEvidence`, `NumberEvidence`); which column holds
//! what is left to `ingest::columns`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

use crate::guid::{guid_bits, GuidSet};

/// A header cell reduced to lower-case letters and digits: case, spaces, underscores,
/// punctuation, a BOM and non-breaking spaces do not count.
pub fn normalize_header(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Tells, from the raw customer cell of a row, whether the row's customer is outside a set of
/// customers, so that the row can be passed over undecoded.
///
/// Exports list a customer's rows together, so the last cell and its answer are kept: most rows
/// cost one comparison of a few bytes.
pub struct CustomerFilter<'a> {
    keep: Option<&'a GuidSet>,
    empty_outside: bool,
    last: Vec<u8>,
    last_outside: bool,
}

impl<'a> CustomerFilter<'a> {
    /// Rows of customers not in `keep` are outside (none are, without a set); an empty cell is
    /// outside when `empty_outside` (the file's own customer is outside). A cell that is not a
    /// GUID is never outside: the row is decoded and rejected with its reason.
    pub fn new(keep: Option<&'a GuidSet>, empty_outside: bool) -> CustomerFilter<'a> {
        CustomerFilter { keep, empty_outside, last: Vec::with_capacity(40), last_outside: false }
    }

    /// Whether a row can be passed over, by its customer cell at `col` (`usize::MAX` when the
    /// file has no customer column: every row is then the file's own customer's). A blank row
    /// never is (the table drops it uncounted).
    pub fn row_outside(&mut self, cells: &dyn crate::source::Cells, col: usize) -> bool {
        match cells.raw(col) {
            Some(raw) if !raw.trim_ascii().is_empty() => self.outside(raw),
            Some(raw) => self.outside(raw) && !cells.blank(),
            // No text there: outside like an empty cell, unless it holds a value of another
            // kind (a workbook number), which is decoded and rejected.
            None => {
                self.keep.is_some()
                    && self.empty_outside
                    && cells.text(col).trim().is_empty()
                    && !cells.blank()
            }
        }
    }

    /// Whether the row whose customer cell is `raw` can be passed over.
    pub fn outside(&mut self, raw: &[u8]) -> bool {
        let Some(keep) = self.keep else { return false };
        if raw == self.last.as_slice() && !self.last.is_empty() {
            return self.last_outside;
        }
        let outside = match guid_bits(raw) {
            Some(g) => !keep.contains(&g),
            None => self.empty_outside && raw.trim_ascii().is_empty(),
        };
        self.last.clear();
        self.last.extend_from_slice(raw);
        self.last_outside = outside;
        outside
    }
}

/// Words that mean true in the exports and languages we meet.
const TRUE_WORDS: &[&str] = &[
    "true",
    "yes",
    "y",
    "1",
    "t",
    "on",
    "enabled",
    "sant",
    "ja",
    "wahr",
    "vrai",
    "oui",
    "verdadero",
    "si",
    "sí",
    "waar",
    "verdadeiro",
    "sim",
    "vero",
    "prawda",
    "tak",
];
/// Words that mean false in the exports and languages we meet.
const FALSE_WORDS: &[&str] = &[
    "false", "no", "n", "0", "f", "off", "disabled", "falskt", "falsk", "nej", "falsch", "nein",
    "faux", "non", "falso", "onwaar", "nee", "não", "nao", "fałsz", "falsz", "nie",
];

/// A boolean from the words of several languages, case-insensitive.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim().to_lowercase();
    if TRUE_WORDS.contains(&t.as_str()) {
        Some(true)
    } else if FALSE_WORDS.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// Removes currency symbols and codes, spaces (plain, non-breaking, thin) and apostrophes used
/// as digit grouping, keeping digits, sign and separators.
fn strip_number(s: &str) -> Option<String> {
    let t = s.trim();
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '0'..='9' | '.' | ',' | '-' | '+' => out.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’' => {}
            c if c.is_alphabetic() || matches!(c, '$' | '€' | '£' | '¥' | '₹' | '¤') => {}
            _ => return None,
        }
    }
    if out.is_empty() || !out.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(out)
}

/// The most characters a spreadsheet cell holds: longer text could not be written into any
/// workbook, so a row that needs it is rejected.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Why a cell cannot be read as a value: its text is longer than a spreadsheet cell holds, or
/// the workbook reader could not read it (a damaged file).
pub fn bad_cell(cell: &crate::source::Cell) -> Option<String> {
    let t = match cell {
        crate::source::Cell::Text(t) => t,
        crate::source::Cell::Unreadable(why) => {
            return Some(format!("the workbook cannot give this cell's value ({why})"))
        }
        _ => return None,
    };
    if t.len() <= MAX_CELL_CHARS {
        return None;
    }
    let chars = t.chars().count();
    (chars > MAX_CELL_CHARS).then(|| {
        format!("{chars} characters, more than the {MAX_CELL_CHARS} a spreadsheet cell holds")
    })
}

/// The first of `fields` (name, column) whose cell in `row` is [`bad_cell`], with the reason.
pub fn first_bad_cell(
    row: &crate::source::Row,
    fields: impl IntoIterator<Item = (&'static str, usize)>,
) -> Option<(&'static str, String)> {
    fields.into_iter().find_map(|(field, i)| bad_cell(row.cell(i)).map(|why| (field, why)))
}

/// The most seats one subscription, price row or worksheet line may hold: far above any real
/// tenant, and low enough that no sum of seat counts can overflow.
pub const MAX_SEATS: u64 = 10_000_000;

/// A whole non-negative number such as a seat count: `12`, `1,234`, `1.234`, `1 234`, `12.0`.
///
/// The whole cell must be the number: digits, a leading `+`, and separators grouping
/// thousands (`,` `.` `'` and spaces). A separator followed by exactly three digits groups
/// thousands; otherwise it starts a fraction, which must be zero. Letters (`x5`, `5 seats`,
/// `1e3`) make it no number.
pub fn parse_whole(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let mut digits_and_marks = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '0'..='9' | '.' | ',' => digits_and_marks.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’' => {}
            _ => return None,
        }
    }
    let t = digits_and_marks.as_str();
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = t.split(['.', ',']).collect();
    let (int_parts, frac): (&[&str], Option<&str>) = match parts.last() {
        Some(last) if parts.len() > 1 && last.len() != 3 => {
            (&parts[..parts.len() - 1], Some(*last))
        }
        _ => (&parts[..], None),
    };
    if let Some(f) = frac {
        if !f.chars().all(|c| c == '0') {
            return None;
        }
    }
    if int_parts.is_empty() || int_parts.iter().skip(1).any(|p| p.len() != 3) {
        return None;
    }
    let digits: String = int_parts.concat();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Too many digits for a u64: as large as a count gets, refused by whoever sets a limit.
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// A seat count cell: `None` when blank, else a whole number of at most [`MAX_SEATS`]. The
/// error is the reason to give for the row.
pub fn parse_seats(cell: &crate::source::Cell) -> std::result::Result<Option<u64>, String> {
    use crate::source::Cell;
    let seats = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) if *n >= 0.0 && n.fract() == 0.0 => {
            if *n > MAX_SEATS as f64 {
                return Err(too_many(&crate::source::format_number(*n)));
            }
            *n as u64
        }
        other => {
            let t = other.text_ref();
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let n =
                parse_whole(t).ok_or_else(|| format!("{t:?} is not a whole number of seats"))?;
            if n > MAX_SEATS {
                return Err(too_many(t));
            }
            n
        }
    };
    Ok(Some(seats))
}

fn too_many(t: &str) -> String {
    format!("{t:?} seats is more than the {MAX_SEATS} one line may hold")
}

/// Which character separates the fraction in a column of amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    /// `1,234.50`
    Point,
    /// `1.234,50`
    Comma,
}

/// What one amount tells about its column's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberHint {
    /// Only readable with this mark.
    Only(DecimalMark),
    /// Readable the same way with either (no separator, or `1.234.567`).
    Either,
    /// `1,234` or `1.234`: a thousands group or a fraction, the column must decide.
    Ambiguous,
    /// Not a number.
    Invalid,
}

/// Classifies one amount.
pub fn number_hint(s: &str) -> NumberHint {
    let Some(t) = strip_number(s) else { return NumberHint::Invalid };
    let dots = t.matches('.').count();
    let commas = t.matches(',').count();
    match (dots, commas) {
        (0, 0) => NumberHint::Either,
        (_, 0) | (0, _) => {
            let sep = if dots > 0 { '.' } else { ',' };
            let mark_if_fraction = if sep == '.' { DecimalMark::Point } else { DecimalMark::Comma };
            let other = if sep == '.' { DecimalMark::Comma } else { DecimalMark::Point };
            let grouped = t.split(sep).skip(1).all(|g| g.len() == 3);
            if t.split(sep).nth(2).is_some() {
                if grouped {
                    NumberHint::Only(other)
                } else {
                    NumberHint::Invalid
                }
            } else if grouped {
                NumberHint::Ambiguous
            } else {
                NumberHint::Only(mark_if_fraction)
            }
        }
        _ => {
            let last_dot = t.rfind('.').unwrap_or(0);
            let last_comma = t.rfind(',').unwrap_or(0);
            NumberHint::Only(if last_dot > last_comma {
                DecimalMark::Point
            } else {
                DecimalMark::Comma
            })
        }
    }
}

/// An exact decimal amount, read with the column's decimal mark.
pub fn parse_decimal(s: &str, mark: DecimalMark) -> Option<Decimal> {
    let t = strip_number(s)?;
    let (group, point) = match mark {
        DecimalMark::Point => (',', '.'),
        DecimalMark::Comma => ('.', ','),
    };
    if t.matches(point).count() > 1 {
        return None;
    }
    let plain: String =
        t.chars().filter(|&c| c != group).map(|c| if c == point { '.' } else { c }).collect();
    Decimal::from_str(&plain).ok()
}

/// What the values of an amount column say about its decimal mark, gathered one at a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumberEvidence {
    point: bool,
    comma: bool,
}

impl NumberEvidence {
    /// Takes one value into account.
    pub fn observe(&mut self, t: &str) {
        match number_hint(t) {
            NumberHint::Only(DecimalMark::Point) => self.point = true,
            NumberHint::Only(DecimalMark::Comma) => self.comma = true,
            _ => {}
        }
    }

    /// Takes in the evidence of other values of the column.
    pub fn merge(&mut self, other: &NumberEvidence) {
        self.point |= other.point;
        self.comma |= other.comma;
    }

    /// The mark the values agree on; `None` when they do not say.
    pub fn mark(&self) -> Option<DecimalMark> {
        match (self.point, self.comma) {
            (true, false) => Some(DecimalMark::Point),
            (false, true) => Some(DecimalMark::Comma),
            _ => None,
        }
    }
}

/// An amount cell: `None` when blank, else an exact decimal read with the column's decimal mark
/// (`column_mark`, from `NumberEvidence`) where the value alone does not say. The error is the
/// reason to give for the row.
pub fn parse_amount_cell(
    cell: &crate::source::Cell,
    column_mark: Option<DecimalMark>,
) -> std::result::Result<Option<Decimal>, String> {
    use crate::source::Cell;
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => Decimal::from_str_exact(&crate::source::format_number(*n))
            .map(Some)
            .map_err(|_| format!("{n} is not an amount")),
        cell => {
            let t = cell.text();
            if t.trim().is_empty() {
                return Ok(None);
            }
            let mark = match (number_hint(&t), column_mark) {
                (NumberHint::Only(m), _) => m,
                (NumberHint::Either, m) => m.unwrap_or(DecimalMark::Point),
                (NumberHint::Ambiguous, Some(m)) => m,
                (NumberHint::Ambiguous, None) => {
                    return Err(format!(
                        "{:?} could be a thousands group or a fraction, and no other value in the column decides it",
                        t.trim()
                    ))
                }
                (NumberHint::Invalid, _) => return Err(format!("{:?} is not an amount", t.trim())),
            };
            parse_decimal(&t, mark)
                .map(Some)
                .ok_or_else(|| format!("{:?} is not an amount", t.trim()))
        }
    }
}

/// Day/month order of a column of dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 01/07/2020 is the 1st of July.
    Dmy,
    /// 7/1/2020 is the 1st of July.
    Mdy,
}

/// What one date value tells about its column's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateHint {
    /// Readable without knowing the order (ISO, month names, day = month, dotted European).
    Either,
    /// Only valid in this order.
    Only(DateOrder),
    /// Valid both ways, with different meanings.
    Ambiguous,
    /// Not a date.
    Invalid,
}

#[derive(Debug, Clone, Copy)]
enum DateForm {
    Exact(NaiveDate),
    /// Two numeric parts and a year: a/b/y.
    Pair {
        a: u32,
        b: u32,
        y: i32,
    },
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn year_of(s: &str) -> Option<i32> {
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match s.len() {
        4 => s.parse().ok(),
        2 => s.parse::<i32>().ok().map(|y| 2000 + y),
        _ => None,
    }
}

fn small(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn month_of(s: &str) -> Option<u32> {
    let l = s.to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| l.starts_with(m)).map(|i| i as u32 + 1)
}

fn date_form(s: &str) -> Option<DateForm> {
    let t = s.trim();
    // The common case first, without splitting: YYYY-MM-DD, maybe with a time after it.
    if let Some(d) = iso_date(t.as_bytes()) {
        return d;
    }
    // The date part ends at a 'T' or a space followed by a time.
    let date_part = t.split([' ', 'T']).next().unwrap_or("");
    // ISO: YYYY-MM-DD or YYYY/MM/DD.
    if let Some([y, m, d]) = three(date_part.split(['-', '/', '.'])) {
        if y.len() == 4 {
            return NaiveDate::from_ymd_opt(year_of(y)?, small(m)?, small(d)?).map(DateForm::Exact);
        }
    }
    // Month names: "1 Jul 2020", "Jul 1, 2020", "01-Jul-2020".
    let mut words = t.split([' ', '-', '/', '.', ',']).filter(|w| !w.is_empty());
    if let (Some(w0), Some(w1), Some(w2)) = (words.next(), words.next(), words.next()) {
        if let Some(m) = month_of(w1) {
            return NaiveDate::from_ymd_opt(year_of(w2)?, m, small(w0)?).map(DateForm::Exact);
        }
        if let Some(m) = month_of(w0) {
            return NaiveDate::from_ymd_opt(year_of(w2)?, m, small(w1)?).map(DateForm::Exact);
        }
    }
    if date_part.contains('.') {
        // Dotted dates are European: day first.
        let [d, m, y] = three(date_part.split('.'))?;
        return NaiveDate::from_ymd_opt(year_of(y)?, small(m)?, small(d)?).map(DateForm::Exact);
    }
    let [a, b, y] = three(date_part.split(['/', '-']))?;
    Some(DateForm::Pair { a: small(a)?, b: small(b)?, y: year_of(y)? })
}

/// The parts of a date when there are exactly three.
fn three<'a>(mut parts: impl Iterator<Item = &'a str>) -> Option<[&'a str; 3]> {
    let three = [parts.next()?, parts.next()?, parts.next()?];
    parts.next().is_none().then_some(three)
}

/// `YYYY-MM-DD` alone or before a 'T' or a space: the date (None inside when no such day).
fn iso_date(b: &[u8]) -> Option<Option<DateForm>> {
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() < 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b.get(10), None | Some(b' ' | b'T'))
    {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    Some(NaiveDate::from_ymd_opt(y as i32, m, d).map(DateForm::Exact))
}

fn pair_date(a: u32, b: u32, y: i32, order: DateOrder) -> Option<NaiveDate> {
    match order {
        DateOrder::Dmy => NaiveDate::from_ymd_opt(y, b, a),
        DateOrder::Mdy => NaiveDate::from_ymd_opt(y, a, b),
    }
}

/// Classifies one date value.
pub fn date_hint(s: &str) -> DateHint {
    match date_form(s) {
        None => DateHint::Invalid,
        Some(DateForm::Exact(_)) => DateHint::Either,
        Some(DateForm::Pair { a, b, y }) => {
            let dmy = pair_date(a, b, y, DateOrder::Dmy);
            let mdy = pair_date(a, b, y, DateOrder::Mdy);
            match (dmy, mdy) {
                (Some(_), Some(_)) if a == b => DateHint::Either,
                (Some(_), Some(_)) => DateHint::Ambiguous,
                (Some(_), None) => DateHint::Only(DateOrder::Dmy),
                (None, Some(_)) => DateHint::Only(DateOrder::Mdy),
                (None, None) => DateHint::Invalid,
            }
        }
    }
}

/// A date, read with the column's order where the value needs one.
pub fn parse_date(s: &str, order: Option<DateOrder>) -> Option<NaiveDate> {
    match date_form(s)? {
        DateForm::Exact(d) => Some(d),
        DateForm::Pair { a, b, y } => match order {
            Some(o) => pair_date(a, b, y, o),
            None if a == b => pair_date(a, b, y, DateOrder::Mdy),
            None => None,
        },
    }
}

/// An Excel date serial number (1900 date system) as a date, for numbers in date columns.
pub fn excel_serial_date(n: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&n) {
        return None;
    }
    let days = n.floor() as i64;
    // Serial 60 is Excel's fictitious 29 February 1900; later serials are one day ahead.
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 60 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

/// A date cell: `None` when blank; a date cell, an Excel serial number or a date written as
/// text in the column's day/month order. The error is the reason to give for the row.
pub fn parse_date_cell(
    cell: &crate::source::Cell,
    order: Option<DateOrder>,
) -> std::result::Result<Option<NaiveDate>, String> {
    let date = date_cell(cell, order)?;
    match date {
        Some(d) if !DATES.contains(&d) => Err(format!(
            "{d} is outside the dates every output can hold ({} to {})",
            DATES.start(),
            DATES.end()
        )),
        d => Ok(d),
    }
}

/// The dates a spreadsheet (and so every output) can hold.
pub const DATES: std::ops::RangeInclusive<NaiveDate> =
    match (NaiveDate::from_ymd_opt(1900, 1, 1), NaiveDate::from_ymd_opt(9999, 12, 31)) {
        (Some(first), Some(last)) => first..=last,
        _ => NaiveDate::MIN..=NaiveDate::MAX,
    };

fn date_cell(
    cell: &crate::source::Cell,
    order: Option<DateOrder>,
) -> std::result::Result<Option<NaiveDate>, String> {
    use crate::source::Cell;
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(n) => excel_serial_date(*n)
            .map(Some)
            .ok_or_else(|| format!("{} is not a date", crate::source::format_number(*n))),
        Cell::Text(t) if t.trim().is_empty() => Ok(None),
        Cell::Text(t) => {
            parse_date(t, order).map(Some).ok_or_else(|| format!("{:?} is not a date", t.trim()))
        }
        other => Err(format!("{:?} is not a date", other.text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn headers_ignore_case_space_underscore_and_bom() {
        assert_eq!(normalize_header("\u{feff}Auto_Renew Enabled"), "autorenewenabled");
        assert_eq!(normalize_header("Auto-renew"), "autorenew");
        assert_eq!(normalize_header("User\u{a0}principal name"), "userprincipalname");
    }

    #[test]
    fn booleans_in_several_languages() {
        for t in
            ["TRUE", "yes", "Y", "1", "Sant", "WAHR", "vrai", "Verdadero", "waar", "VERDADEIRO"]
        {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "No", "n", "0", "FALSKT", "Falsch", "Faux", "falso", "Onwaar"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn whole_numbers_table() {
        let cases = [
            ("12", Some(12)),
            (" 12 ", Some(12)),
            ("1,234", Some(1234)),
            ("1.234", Some(1234)),
            ("1 234", Some(1234)),
            ("1\u{a0}234", Some(1234)),
            ("12.0", Some(12)),
            ("12,00", Some(12)),
            ("1,234,567", Some(1_234_567)),
            ("12.5", None),
            ("-3", None),
            ("", None),
            ("ten", None),
            ("1,23,4", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_whole(text), want, "{text:?}");
        }
    }

    #[test]
    fn amounts_and_their_hints() {
        assert_eq!(number_hint("1,234.50"), NumberHint::Only(DecimalMark::Point));
        assert_eq!(number_hint("1.234,50"), NumberHint::Only(DecimalMark::Comma));
        assert_eq!(number_hint("6,82"), NumberHint::Only(DecimalMark::Comma));
        assert_eq!(number_hint("6.82"), NumberHint::Only(DecimalMark::Point));
        assert_eq!(number_hint("1,234"), NumberHint::Ambiguous);
        assert_eq!(number_hint("1.234.567"), NumberHint::Only(DecimalMark::Comma));
        assert_eq!(number_hint("€ 12"), NumberHint::Either);
        assert_eq!(number_hint("n/a"), NumberHint::Invalid);
        let dec = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(parse_decimal("1 234,50 kr", DecimalMark::Comma), Some(dec("1234.50")));
        assert_eq!(parse_decimal("USD 1,234.50", DecimalMark::Point), Some(dec("1234.50")));
        assert_eq!(parse_decimal("6,82", DecimalMark::Comma), Some(dec("6.82")));
        assert_eq!(parse_decimal("1.2.3", DecimalMark::Point), None);
    }

    #[test]
    fn dates_table() {
        assert_eq!(parse_date("2020-07-01", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("2020-07-01T00:00:00Z", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("2022-01-13T23:59:59.000+02:00", None), Some(d(2022, 1, 13)));
        assert_eq!(parse_date("01.07.2020", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("7/1/2020", Some(DateOrder::Mdy)), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("2/1/2019 0:00", Some(DateOrder::Mdy)), Some(d(2019, 2, 1)));
        assert_eq!(parse_date("01/07/2020", Some(DateOrder::Dmy)), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("7/1/2020", None), None);
        assert_eq!(parse_date("1 Jul 2020", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("Jul 1, 2020", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("01-Jul-2020", None), Some(d(2020, 7, 1)));
        assert_eq!(parse_date("2020-02-30", None), None);
        assert_eq!(date_hint("13/1/2020"), DateHint::Only(DateOrder::Dmy));
        assert_eq!(date_hint("1/13/2020"), DateHint::Only(DateOrder::Mdy));
        assert_eq!(date_hint("1/2/2020"), DateHint::Ambiguous);
        assert_eq!(date_hint("3/3/2020"), DateHint::Either);
        assert_eq!(date_hint("soon"), DateHint::Invalid);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_date(44013.0), Some(d(2020, 7, 1)));
        assert_eq!(excel_serial_date(61.0), Some(d(1900, 3, 1)));
        assert_eq!(excel_serial_date(-1.0), None);
    }
}
