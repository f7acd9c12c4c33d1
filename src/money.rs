//! Exact money: the `Money` type, one rounding rule, minor units per currency, decimal strings
//! out. A leaf module: the plan model holds `Money`, the price stage computes it, renderers
//! format it.
//!
//! The rule: a line's monthly amount is `unit price × seats ÷ months the price pays for`,
//! computed in decimal and rounded once, to the currency's minor unit, half away from zero.
//! Every total is the exact sum of its rounded lines; an annual figure is 12 × the monthly one.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An exact amount of money, rescaled to its currency's minor unit; written as a decimal string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money(pub Decimal);

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        text.parse::<Decimal>().map(Money).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Currencies whose minor unit is not a hundredth (ISO 4217).
const ZERO_DIGITS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const THREE_DIGITS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// Digits after the decimal point in a currency's minor unit (2 unless ISO 4217 says otherwise;
/// 2 for an unknown currency).
pub fn minor_digits(currency: Option<&str>) -> u32 {
    match currency {
        Some(c) if ZERO_DIGITS.contains(&c) => 0,
        Some(c) if THREE_DIGITS.contains(&c) => 3,
        _ => 2,
    }
}

/// The largest monthly amount one line may have (10^12). Anything above it is a typing error in
/// an input; bounding lines keeps every sum, delta and annual figure of a book, and its total
/// in minor units, far inside what `Decimal` and `i64` hold.
pub const LINE_LIMIT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// The monthly amount of a line: `amount × seats ÷ months`, rounded to `digits` decimals half
/// away from zero. `None` when it is above `LINE_LIMIT` (or the product overflows).
pub fn line_monthly(amount: Decimal, seats: u64, months: u32, digits: u32) -> Option<Decimal> {
    let exact = amount.checked_mul(Decimal::from(seats))?.checked_div(Decimal::from(months))?;
    if exact.abs() > LINE_LIMIT {
        return None;
    }
    let mut rounded = exact.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(digits);
    Some(rounded)
}

/// An amount as a decimal string with exactly the currency's digits (`"12.50"`, `"-3.00"`).
pub fn format(amount: Decimal, digits: u32) -> String {
    let mut a = amount;
    a.rescale(digits);
    if a.is_zero() {
        a.set_sign_positive(true);
    }
    a.to_string()
}

/// An amount in minor units (cents), for exact integer aggregation. `None` when it does not fit.
pub fn to_minor(amount: Decimal, digits: u32) -> Option<i64> {
    let mut a = amount;
    a.rescale(digits);
    let m = a.mantissa();
    i64::try_from(m).ok()
}

/// Minor units back to an amount.
pub fn from_minor(minor: i64, digits: u32) -> Decimal {
    Decimal::new(minor, digits)
}

/// A monthly price per seat for display: the exact quotient, to at most 4 decimals, with at
/// least the currency's digits.
pub fn unit_monthly(amount: Decimal, months: u32, digits: u32) -> String {
    let q = amount / Decimal::from(months);
    let mut r = q.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero).normalize();
    if r.scale() < digits {
        r.rescale(digits);
    }
    r.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn annual_prices_divide_exactly_then_round_once_per_line() {
        // 10.00 a year for 7 seats: 70 / 12 = 5.8333.. -> 5.83
        assert_eq!(format(line_monthly(d("10.00"), 7, 12, 2).unwrap(), 2), "5.83");
        // 0.30 a year per seat, 1 seat: 0.025 exactly, a midpoint, rounds away from zero.
        assert_eq!(format(line_monthly(d("0.30"), 1, 12, 2).unwrap(), 2), "0.03");
        assert_eq!(format(line_monthly(d("72"), 3, 12, 2).unwrap(), 2), "18.00");
        assert_eq!(format(line_monthly(d("1000"), 3, 36, 0).unwrap(), 0), "83");
        assert_eq!(format(line_monthly(d("1.2345"), 1, 1, 3).unwrap(), 3), "1.235");
    }

    #[test]
    fn lines_above_the_limit_have_no_amount() {
        assert_eq!(LINE_LIMIT, Decimal::from(1_000_000_000_000u64));
        assert!(line_monthly(d("1000000000000"), 1, 1, 2).is_some());
        assert!(line_monthly(d("1000000000000.01"), 1, 1, 2).is_none());
        assert!(line_monthly(d("79228162514264337593543950335"), 2, 1, 2).is_none());
    }

    #[test]
    fn minor_units_round_trip() {
        assert_eq!(to_minor(d("12.34"), 2), Some(1234));
        assert_eq!(from_minor(-1234, 2).to_string(), "-12.34");
        assert_eq!(minor_digits(Some("JPY")), 0);
        assert_eq!(minor_digits(Some("KWD")), 3);
        assert_eq!(minor_digits(Some("EUR")), 2);
        assert_eq!(format(d("-0.00"), 2), "0.00");
        assert_eq!(unit_monthly(d("10"), 12, 2), "0.8333");
        assert_eq!(unit_monthly(d("72"), 12, 2), "6.00");
    }
}
