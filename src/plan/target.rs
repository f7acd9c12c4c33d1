//! The rule that picks a customer's target plan: one place, documented in the README.
//!
//! Education customers get an education plan; everyone else gets Microsoft 365 Business Basic
//! up to 300 seats (the most a Business plan allows) and Office 365 E1 above that. Both carry
//! Kaizala (Business Basic through Microsoft's replacement list) and are the lowest-priced plans
//! that do.

use serde::Serialize;

/// Most seats one customer may buy of a Business plan.
pub const BUSINESS_SEAT_CAP: u64 = 300;

/// Why a target plan was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TargetReason {
    /// The customer's segment says education.
    Education {
        /// The segment as written.
        segment: String,
    },
    /// At most 300 seats to buy.
    SmallBusiness {
        /// Seats to buy.
        seats: u64,
    },
    /// More than 300 seats to buy.
    Enterprise {
        /// Seats to buy.
        seats: u64,
    },
}

impl TargetReason {
    /// One readable sentence.
    pub fn sentence(&self) -> String {
        match self {
            TargetReason::Education { segment } => format!(
                "Education customer (segment \"{segment}\"): Office 365 A1 is the education plan that includes Kaizala."
            ),
            TargetReason::SmallBusiness { seats } => format!(
                "{seats} seat(s) to buy, within the {BUSINESS_SEAT_CAP}-seat limit of Business plans: Microsoft 365 Business Basic is the lowest-priced replacement."
            ),
            TargetReason::Enterprise { seats } => format!(
                "{seats} seats to buy, above the {BUSINESS_SEAT_CAP}-seat limit of Business plans: Office 365 E1 is the lowest-priced replacement without a seat limit."
            ),
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

/// The default target plan for a customer.
pub fn choose(segment: Option<&str>, seats_to_buy: u64) -> (&'static str, TargetReason) {
    if let Some(seg) = segment.filter(|s| is_education(s)) {
        return ("Office 365 A1", TargetReason::Education { segment: seg.to_string() });
    }
    if seats_to_buy <= BUSINESS_SEAT_CAP {
        ("Microsoft 365 Business Basic", TargetReason::SmallBusiness { seats: seats_to_buy })
    } else {
        ("Office 365 E1", TargetReason::Enterprise { seats: seats_to_buy })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table() {
        assert_eq!(choose(None, 1).0, "Microsoft 365 Business Basic");
        assert_eq!(choose(None, 300).0, "Microsoft 365 Business Basic");
        assert_eq!(choose(None, 301).0, "Office 365 E1");
        assert_eq!(choose(Some("Commercial"), 5000).0, "Office 365 E1");
        assert_eq!(choose(Some("Education"), 5000).0, "Office 365 A1");
        assert_eq!(choose(Some("Academic"), 3).0, "Office 365 A1");
    }
}
