//! `plan.json`: the plan as pretty-printed JSON with a final newline.

use std::io::Write;

use crate::error::{Error, Result};
use crate::plan::Plan;

/// Writes the plan as JSON.
pub fn write(plan: &Plan, out: &mut dyn Write) -> Result<()> {
    // The serializer writes a few bytes at a time: a buffer of its own keeps those writes
    // inlined copies instead of calls through `out`.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut w, plan)
        .map_err(|e| Error::Internal(format!("cannot serialize the plan: {e}")))?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .map_err(|e| Error::Internal(format!("cannot write the plan: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{CostTotals, Summary, SCHEMA_VERSION};
    use chrono::NaiveDate;

    #[test]
    fn empty_plan_has_the_contract_fields() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let plan = Plan {
            schema_version: SCHEMA_VERSION,
            profile: Default::default(),
            as_of: d,
            horizon_days: 365,
            horizon_end: d,
            supported_offers: vec![],
            summary: Summary::default(),
            customers: vec![],
            other_kaizala_subscriptions: vec![],
            unmatched_users: vec![],
            excluded_customers: vec![],
            cost_totals: CostTotals::default(),
            warnings: vec![],
        };
        let mut buf = Vec::new();
        write(&plan, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["profile"]["id"], "kaizala-pro");
        assert_eq!(v["profile"]["names"][0], "kaizala");
        assert_eq!(v["as_of"], "2026-12-01");
        assert!(v["customers"].as_array().unwrap().is_empty());
        assert!(v["cost_totals"]["overall"].as_array().unwrap().is_empty());
        assert!(buf.ends_with(b"}\n"));
    }
}
