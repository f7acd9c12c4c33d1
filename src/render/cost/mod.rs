//! The cost report, one file per format: `cost-report.csv` (one row per customer, `csv`),
//! `cost-report.xlsx` (summary, per customer, per grouping, every line, native charts, `xlsx`)
//! and `cost-report.html` (one self-contained page with inline SVG charts, `html`). All three
//! read the costs and totals the price stage put in the plan; none adds money up itself.

mod csv;
mod html;
mod xlsx;

pub use self::csv::{write_csv, CSV_HEADER};
pub use self::html::{grouped, html};
pub use self::xlsx::xlsx;

/// What a report calls a customer no source gives a currency for.
pub const NO_CURRENCY: &str = "no currency";

/// A group's sums as every report shows them: current, new, monthly delta, annual delta and
/// remove-only saving, `None` ("no price") where a sum is zero only because its lines have no
/// price, and for a delta that no customer of the group has.
pub(crate) fn group_sums(g: &crate::plan::GroupTotal) -> [Option<crate::money::Money>; 5] {
    let priced =
        |m: crate::money::Money| (!(m.0.is_zero() && g.lines_without_price > 0)).then_some(m);
    let delta = |m| (g.customers_without_delta < g.customers).then_some(m);
    [
        priced(g.current_monthly),
        priced(g.target_monthly),
        delta(g.delta_monthly),
        delta(g.delta_annual),
        Some(g.remove_only_saving_monthly),
    ]
}
