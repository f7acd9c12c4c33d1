//! The rule that picks a customer's target offer: one place, documented in the README, its data
//! (which offer each kind of customer gets, seat caps) in the Kaizala Pro profile
//! (`data/profiles/kaizala-pro.toml`), the segment words in `data/segments.toml`.
//!
//! In order: a target forced with `--target`; an education customer gets the education offer; a
//! frontline-only customer (segment, flag column or `--frontline`) gets the frontline offer;
//! everyone else gets the small offer while the seats fit its cap (Business plans: 300) and the
//! large offer above that. An offer is never chosen for more seats than its cap, not even when
//! forced. Per-customer changes made in the worksheet are applied after this rule (`overrides`).

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;

/// Why a target plan was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TargetReason {
    /// The customer's segment says education.
    Education {
        /// The segment as written.
        segment: String,
    },
    /// The customer's staff are frontline workers.
    Frontline {
        /// Where that was said: the segment, the frontline column or --frontline.
        source: String,
    },
    /// At most 300 seats needed.
    SmallBusiness {
        /// Seats needed.
        seats: u64,
    },
    /// More than 300 seats needed.
    Enterprise {
        /// Seats needed.
        seats: u64,
    },
    /// Forced with --target.
    Forced {
        /// The plan asked for.
        offer: String,
    },
    /// Forced with --target or the worksheet, but a Business plan cannot hold that many seats.
    BusinessCapExceeded {
        /// The plan asked for.
        offer: String,
        /// Seats the customer would hold.
        seats: u64,
    },
    /// Chosen by the account manager in the worksheet.
    Worksheet {
        /// What the tool had recommended.
        recommended: String,
    },
}

impl TargetReason {
    /// One readable sentence; the offers and caps it names come from the catalogue's data.
    pub fn sentence(&self, catalog: &Catalog) -> String {
        let t = catalog.targets();
        let small_cap = catalog.max_seats(&t.small).unwrap_or(u64::MAX);
        match self {
            TargetReason::Education { segment } => format!(
                "Education customer (segment \"{segment}\"): {} is the lowest-priced education plan that includes Kaizala.",
                t.education
            ),
            TargetReason::Frontline { source } => format!(
                "Frontline-only customer ({source}): {} is the lowest-priced frontline plan that includes Kaizala.",
                t.frontline
            ),
            TargetReason::SmallBusiness { seats } => format!(
                "{seats} seat(s) needed, within the {small_cap}-seat limit of Business plans: {} is the lowest-priced replacement.",
                t.small
            ),
            TargetReason::Enterprise { seats } => format!(
                "{seats} seats needed, above the {small_cap}-seat limit of Business plans: {} is the lowest-priced replacement without a seat limit.",
                t.large
            ),
            TargetReason::Forced { offer } => format!("{offer} was chosen for every customer (--target)."),
            TargetReason::BusinessCapExceeded { offer, seats } => format!(
                "With {offer} the customer would hold {seats} seats, above the {}-seat limit of Business plans: {} instead.",
                catalog.max_seats(offer).unwrap_or(small_cap),
                t.large
            ),
            TargetReason::Worksheet { recommended } => {
                format!("Chosen in the worksheet (the tool had recommended {recommended}).")
            }
        }
    }
}

/// What the rule looks at for one customer.
#[derive(Debug, Clone, Default)]
pub struct TargetFacts<'a> {
    /// Segment as written.
    pub segment: Option<&'a str>,
    /// Why the customer counts as frontline-only, if it does.
    pub frontline: Option<String>,
    /// Seats the customer will hold of the target offer.
    pub seats: u64,
    /// The offer forced with --target (canonical name).
    pub forced: Option<&'a str>,
}

/// The default target offer for a customer.
pub fn choose(facts: &TargetFacts<'_>, catalog: &Catalog) -> (String, TargetReason) {
    let t = catalog.targets();
    if let Some(offer) = facts.forced {
        let forced = TargetReason::Forced { offer: offer.to_string() };
        return capped(offer, facts.seats, forced, catalog);
    }
    if let Some(seg) = facts.segment.filter(|s| t.is_education(s)) {
        return (t.education.clone(), TargetReason::Education { segment: seg.to_string() });
    }
    if let Some(source) = &facts.frontline {
        return (t.frontline.clone(), TargetReason::Frontline { source: source.clone() });
    }
    if facts.seats <= catalog.max_seats(&t.small).unwrap_or(u64::MAX) {
        (t.small.clone(), TargetReason::SmallBusiness { seats: facts.seats })
    } else {
        (t.large.clone(), TargetReason::Enterprise { seats: facts.seats })
    }
}

/// True when the customer would hold more seats of `offer` than its cap allows.
pub fn above_cap(offer: &str, seats: u64, catalog: &Catalog) -> bool {
    catalog.max_seats(offer).is_some_and(|max| seats > max)
}

/// `offer` with `reason`, unless the customer would hold more seats of it than its cap allows:
/// then the large offer.
pub fn capped(
    offer: &str,
    seats: u64,
    reason: TargetReason,
    catalog: &Catalog,
) -> (String, TargetReason) {
    if above_cap(offer, seats, catalog) {
        let large = catalog.targets().large.clone();
        (large, TargetReason::BusinessCapExceeded { offer: offer.to_string(), seats })
    } else {
        (offer.to_string(), reason)
    }
}

/// The error text for a worksheet edit that puts a customer above an offer's cap.
pub fn cap_message(offer: &str, seats: u64, catalog: &Catalog) -> String {
    let max = catalog.max_seats(offer).unwrap_or_default();
    format!("{offer} holds at most {max} seats; this customer would hold {seats}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDUCATION_PLAN: &str = "Office 365 A1";
    const FRONTLINE_PLAN: &str = "Office 365 F3";
    const SMALL_PLAN: &str = "Microsoft 365 Business Basic";
    const LARGE_PLAN: &str = "Office 365 E1";

    fn pick(segment: Option<&str>, frontline: bool, seats: u64, forced: Option<&str>) -> String {
        let facts = TargetFacts {
            segment,
            frontline: frontline.then(|| "--frontline".to_string()),
            seats,
            forced,
        };
        choose(&facts, &Catalog::builtin(&[])).0
    }

    #[test]
    fn rule_table() {
        assert_eq!(pick(None, false, 1, None), SMALL_PLAN);
        assert_eq!(pick(None, false, 300, None), SMALL_PLAN);
        assert_eq!(pick(None, false, 301, None), LARGE_PLAN);
        assert_eq!(pick(Some("Commercial"), false, 5000, None), LARGE_PLAN);
        assert_eq!(pick(Some("Education"), false, 5000, None), EDUCATION_PLAN);
        assert_eq!(pick(Some("Academic"), true, 3, None), EDUCATION_PLAN);
        assert_eq!(pick(None, true, 3000, None), FRONTLINE_PLAN);
        assert_eq!(pick(Some("Education"), false, 3, Some("Microsoft 365 E3")), "Microsoft 365 E3");
    }

    #[test]
    fn business_plans_never_above_300_seats() {
        assert_eq!(pick(None, false, 301, Some("Microsoft 365 Business Premium")), LARGE_PLAN);
        assert_eq!(
            pick(None, false, 300, Some("Microsoft 365 Business Premium")),
            "Microsoft 365 Business Premium"
        );
        let (_, reason) = capped(
            "Microsoft 365 Business Standard",
            450,
            TargetReason::Forced { offer: "x".into() },
            &Catalog::builtin(&[]),
        );
        assert_eq!(
            reason,
            TargetReason::BusinessCapExceeded {
                offer: "Microsoft 365 Business Standard".into(),
                seats: 450
            }
        );
    }
}
