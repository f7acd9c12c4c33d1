//! The rule that picks a customer's target plan: one place, documented in the README.
//!
//! In order: a target forced with `--target`; an education customer gets Office 365 A1; a
//! frontline-only customer (segment, flag column or `--frontline`) gets Office 365 F3;
//! everyone else gets Microsoft 365 Business Basic up to 300 seats (the most a Business plan
//! allows) and Office 365 E1 above that. These are the lowest-priced replacement plans of each
//! kind. A Business plan is never chosen for more than 300 seats, not even when forced.
//! Per-customer changes made in the worksheet are applied after this rule (`overrides`).

use serde::Serialize;

/// Most seats one customer may hold of a Business plan.
pub const BUSINESS_SEAT_CAP: u64 = 300;

/// The default plan for education customers.
pub const EDUCATION_PLAN: &str = "Office 365 A1";
/// The default plan for frontline-only customers.
pub const FRONTLINE_PLAN: &str = "Office 365 F3";
/// The default plan up to 300 seats.
pub const SMALL_PLAN: &str = "Microsoft 365 Business Basic";
/// The default plan above 300 seats.
pub const LARGE_PLAN: &str = "Office 365 E1";

/// Why a target plan was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    /// One readable sentence.
    pub fn sentence(&self) -> String {
        match self {
            TargetReason::Education { segment } => format!(
                "Education customer (segment \"{segment}\"): {EDUCATION_PLAN} is the lowest-priced education plan that includes Kaizala."
            ),
            TargetReason::Frontline { source } => format!(
                "Frontline-only customer ({source}): {FRONTLINE_PLAN} is the lowest-priced frontline plan that includes Kaizala."
            ),
            TargetReason::SmallBusiness { seats } => format!(
                "{seats} seat(s) needed, within the {BUSINESS_SEAT_CAP}-seat limit of Business plans: {SMALL_PLAN} is the lowest-priced replacement."
            ),
            TargetReason::Enterprise { seats } => format!(
                "{seats} seats needed, above the {BUSINESS_SEAT_CAP}-seat limit of Business plans: {LARGE_PLAN} is the lowest-priced replacement without a seat limit."
            ),
            TargetReason::Forced { offer } => format!("{offer} was chosen for every customer (--target)."),
            TargetReason::BusinessCapExceeded { offer, seats } => format!(
                "With {offer} the customer would hold {seats} seats, above the {BUSINESS_SEAT_CAP}-seat limit of Business plans: {LARGE_PLAN} instead."
            ),
            TargetReason::Worksheet { recommended } => {
                format!("Chosen in the worksheet (the tool had recommended {recommended}).")
            }
        }
    }
}

/// True when a segment value names an education customer.
pub fn is_education(segment: &str) -> bool {
    let s = segment.to_lowercase();
    ["education", "academic", "edu", "utbildning", "bildung", "educación", "éducation", "onderwijs"]
        .iter()
        .any(|w| s.contains(w))
}

/// True when a segment value names a frontline-only customer.
pub fn is_frontline(segment: &str) -> bool {
    let s = segment.to_lowercase();
    ["frontline", "firstline", "first line", "front line", "deskless"].iter().any(|w| s.contains(w))
}

/// True for the Business plans, which hold at most 300 seats.
pub fn is_business_plan(offer: &str) -> bool {
    offer.to_lowercase().starts_with("microsoft 365 business")
}

/// What the rule looks at for one customer.
#[derive(Debug, Clone, Default)]
pub struct TargetFacts<'a> {
    /// Segment as written.
    pub segment: Option<&'a str>,
    /// Why the customer counts as frontline-only, if it does.
    pub frontline: Option<String>,
    /// Seats the customer will hold of the target plan.
    pub seats: u64,
    /// The plan forced with --target (canonical name).
    pub forced: Option<&'a str>,
}

/// The default target plan for a customer.
pub fn choose(facts: &TargetFacts) -> (String, TargetReason) {
    if let Some(offer) = facts.forced {
        return capped(offer, facts.seats, TargetReason::Forced { offer: offer.to_string() });
    }
    if let Some(seg) = facts.segment.filter(|s| is_education(s)) {
        return (EDUCATION_PLAN.into(), TargetReason::Education { segment: seg.to_string() });
    }
    if let Some(source) = &facts.frontline {
        return (FRONTLINE_PLAN.into(), TargetReason::Frontline { source: source.clone() });
    }
    if facts.seats <= BUSINESS_SEAT_CAP {
        (SMALL_PLAN.into(), TargetReason::SmallBusiness { seats: facts.seats })
    } else {
        (LARGE_PLAN.into(), TargetReason::Enterprise { seats: facts.seats })
    }
}

/// `offer` with `reason`, unless it is a Business plan that cannot hold `seats`.
pub fn capped(offer: &str, seats: u64, reason: TargetReason) -> (String, TargetReason) {
    if is_business_plan(offer) && seats > BUSINESS_SEAT_CAP {
        (LARGE_PLAN.into(), TargetReason::BusinessCapExceeded { offer: offer.to_string(), seats })
    } else {
        (offer.to_string(), reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(segment: Option<&str>, frontline: bool, seats: u64, forced: Option<&str>) -> String {
        let facts = TargetFacts {
            segment,
            frontline: frontline.then(|| "--frontline".to_string()),
            seats,
            forced,
        };
        choose(&facts).0
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
