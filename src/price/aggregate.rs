//! Cost totals per currency, with polars: one row per customer in, group-by sums out.
//!
//! Money goes through polars as integer minor units (cents) in the customer's currency and comes
//! back as exact decimals, so a total is exactly the sum of its lines. Every group-by key
//! includes the currency: amounts in different currencies are never added.

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::money;
use crate::plan::{CostTotals, CustomerPlan, GroupTotal, Money, MonthSeats};

/// What the exports call a customer with no account manager.
pub const NO_ACCOUNT_MANAGER: &str = "(none)";

fn internal(e: PolarsError) -> Error {
    Error::Internal(format!("aggregating costs: {e}"))
}

/// Totals by every grouping the cost report shows.
pub fn totals(customers: &[CustomerPlan]) -> Result<CostTotals> {
    if customers.is_empty() {
        return Ok(CostTotals::default());
    }
    let df = frame(customers)?;
    Ok(CostTotals {
        price_lists: Vec::new(),
        overall: group(&df, "all", "all")?,
        by_account_manager: group(&df, "account_manager", "account_manager")?,
        by_target_plan: group(&df, "target_plan", "target_plan")?,
        // Most urgent first: sorted by the bucket's rank, shown by its label.
        by_urgency: group(&df, "urgency", "urgency_rank")?,
        by_deadline_month: group(&df, "deadline_month", "deadline_month")?,
        seats_by_deadline_month: month_seats(&df)?,
        price_warnings: Vec::new(),
    })
}

/// One row per customer; money in minor units of the customer's currency.
fn frame(customers: &[CustomerPlan]) -> Result<DataFrame> {
    let minor = |m: Option<Money>, digits: u32| -> Result<i64> {
        match m {
            None => Ok(0),
            Some(m) => money::to_minor(m.0, digits)
                .ok_or_else(|| Error::Internal(format!("amount {m} is too large to total"))),
        }
    };
    let n = customers.len();
    let mut currency = Vec::with_capacity(n);
    let (mut current, mut target, mut delta, mut saving) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for c in customers {
        let digits = money::minor_digits(c.cost.currency.as_deref());
        currency.push(c.cost.currency.clone().unwrap_or_default());
        current.push(minor(c.cost.current_monthly, digits)?);
        target.push(minor(c.cost.target_monthly, digits)?);
        delta.push(minor(c.cost.delta_monthly, digits)?);
        saving.push(minor(c.cost.remove_only_saving_monthly, digits)?);
    }
    let text =
        |f: &dyn Fn(&CustomerPlan) -> String| -> Vec<String> { customers.iter().map(f).collect() };
    let count =
        |f: &dyn Fn(&CustomerPlan) -> u64| -> Vec<u64> { customers.iter().map(f).collect() };
    df!(
        "all" => vec!["all"; n],
        "currency" => currency,
        "account_manager" => text(&|c| c.account_manager.clone().unwrap_or_else(|| NO_ACCOUNT_MANAGER.into())),
        "target_plan" => text(&|c| c.target.plan.clone()),
        "urgency" => text(&|c| c.urgency.label().to_string()),
        "urgency_rank" => count(&|c| c.urgency as u64),
        "deadline_month" => text(&|c| c.deadline.format("%Y-%m").to_string()),
        "seats_to_migrate" => count(&|c| c.seats_needed),
        "seats_to_buy" => count(&|c| c.seats_to_buy),
        "current" => current,
        "target" => target,
        "delta" => delta,
        "saving" => saving,
        "missing" => count(&|c| c.cost.lines_without_price),
        "no_delta" => count(&|c| u64::from(c.cost.delta_monthly.is_none())),
    )
    .map_err(internal)
}

/// Sums per (key, currency), sorted by `order` (the key itself, or a column that ranks it) then
/// currency.
fn group(df: &DataFrame, key: &str, order: &str) -> Result<Vec<GroupTotal>> {
    let mut keys = vec![col(key), col("currency")];
    if order != key {
        keys.push(col(order));
    }
    let out = df
        .clone()
        .lazy()
        .group_by(keys)
        .agg([
            len().alias("customers"),
            col("seats_to_migrate").sum(),
            col("seats_to_buy").sum(),
            col("current").sum(),
            col("target").sum(),
            col("delta").sum(),
            col("saving").sum(),
            col("missing").sum(),
            col("no_delta").sum(),
        ])
        .sort([order, "currency"], SortMultipleOptions::default())
        .collect()
        .map_err(internal)?;
    let keys = out.column(key).map_err(internal)?;
    let currencies = out.column("currency").map_err(internal)?;
    let mut rows = Vec::with_capacity(out.height());
    for i in 0..out.height() {
        let currency = text_at(currencies, i)?;
        let currency = (!currency.is_empty()).then_some(currency);
        let digits = money::minor_digits(currency.as_deref());
        let cash = |name: &str| -> Result<Money> {
            Ok(Money(money::from_minor(int_at(&out, name, i)?, digits)))
        };
        let delta = cash("delta")?;
        rows.push(GroupTotal {
            key: text_at(keys, i)?,
            customers: uint_at(&out, "customers", i)?,
            seats_to_migrate: uint_at(&out, "seats_to_migrate", i)?,
            seats_to_buy: uint_at(&out, "seats_to_buy", i)?,
            current_monthly: cash("current")?,
            target_monthly: cash("target")?,
            delta_monthly: delta,
            delta_annual: Money(money::from_minor(
                int_at(&out, "delta", i)?
                    .checked_mul(12)
                    .ok_or_else(|| Error::Internal("annual delta too large".into()))?,
                digits,
            )),
            remove_only_saving_monthly: cash("saving")?,
            lines_without_price: uint_at(&out, "missing", i)?,
            customers_without_delta: uint_at(&out, "no_delta", i)?,
            currency,
        });
    }
    Ok(rows)
}

/// Customers and seats per deadline month, over all currencies.
fn month_seats(df: &DataFrame) -> Result<Vec<MonthSeats>> {
    let out = df
        .clone()
        .lazy()
        .group_by([col("deadline_month")])
        .agg([len().alias("customers"), col("seats_to_migrate").sum()])
        .sort(["deadline_month"], SortMultipleOptions::default())
        .collect()
        .map_err(internal)?;
    let months = out.column("deadline_month").map_err(internal)?;
    (0..out.height())
        .map(|i| {
            Ok(MonthSeats {
                month: text_at(months, i)?,
                customers: uint_at(&out, "customers", i)?,
                seats_to_migrate: uint_at(&out, "seats_to_migrate", i)?,
            })
        })
        .collect()
}

fn text_at(column: &Column, i: usize) -> Result<String> {
    match column.get(i).map_err(internal)? {
        AnyValue::String(s) => Ok(s.to_string()),
        AnyValue::StringOwned(s) => Ok(s.to_string()),
        other => Err(Error::Internal(format!("aggregating costs: expected text, got {other:?}"))),
    }
}

fn uint_at(df: &DataFrame, name: &str, i: usize) -> Result<u64> {
    let v = df.column(name).map_err(internal)?.get(i).map_err(internal)?;
    v.extract::<u64>().ok_or_else(|| Error::Internal(format!("aggregating costs: {name} is {v:?}")))
}

fn int_at(df: &DataFrame, name: &str, i: usize) -> Result<i64> {
    let v = df.column(name).map_err(internal)?.get(i).map_err(internal)?;
    v.extract::<i64>().ok_or_else(|| Error::Internal(format!("aggregating costs: {name} is {v:?}")))
}
