//! The rule that picks a customer's target offer: one place, documented in the README, its data
//! (which offer each kind of customer gets, seat caps) in the Kaizala Pro profile
//! (`data/profiles/kaizala-pro.toml`), the segment words in `data/segments.toml`.
//!
//! A target forced with `--target` comes first; else the profile's rules in order, the first
//! that matches (its segment: education, frontline, government or commercial; its seat limit;
//! a target that may serve the customer: an education-only plan for education customers only,
//! never above its seat cap). For Kaizala Pro: an education customer gets the education offer;
//! a frontline-only customer (segment, flag column or `--frontline`) the frontline offer;
//! everyone else the small offer while the seats fit its cap (Business plans: 300) and the
//! large offer above that. An offer is never chosen for more seats than its cap, not even when
//! forced: the default rule's target is taken instead. Per-customer changes made in the
//! worksheet are applied after this rule (`overrides`).

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::profile::{Rule, Segment};

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
    /// A rule of the profile of another shape than the ones above.
    Rule {
        /// Its place among the profile's rules, from 1.
        rule: u32,
        /// Seats needed.
        seats: u64,
    },
}

impl TargetReason {
    /// One readable sentence; the offers, caps and reasons it names come from the profile.
    pub fn sentence(&self, catalog: &Catalog) -> String {
        let t = catalog.targets();
        let rule_of = |shape: &dyn Fn(&Rule) -> bool| t.rules.iter().find(|r| shape(r));
        let said = |r: Option<&Rule>| {
            let target = r.map(|r| r.target.as_str()).unwrap_or_default();
            let reason = r.and_then(|r| r.reason.as_deref()).unwrap_or("the profile's choice");
            (target.to_string(), reason.to_string())
        };
        // The seat limit of the rule that has one, as the small offer's cap says it.
        let small = rule_of(&|r| r.segment.is_none() && r.seats_at_most.is_some());
        let small_cap = small
            .and_then(|r| catalog.max_seats(&r.target).or(r.seats_at_most))
            .unwrap_or(u64::MAX);
        match self {
            TargetReason::Education { segment } => {
                let (target, reason) = said(rule_of(&|r| r.segment == Some(Segment::Education)));
                format!("Education customer (segment \"{segment}\"): {target} is {reason}.")
            }
            TargetReason::Frontline { source } => {
                let (target, reason) = said(rule_of(&|r| r.segment == Some(Segment::Frontline)));
                format!("Frontline-only customer ({source}): {target} is {reason}.")
            }
            TargetReason::SmallBusiness { seats } => {
                let (target, reason) = said(small);
                format!(
                    "{seats} seat(s) needed, within the {small_cap}-seat limit of {}: {target} is {reason}.",
                    limited(&target)
                )
            }
            TargetReason::Enterprise { seats } => {
                let (target, reason) = said(t.rules.last());
                let (small_target, _) = said(small);
                format!(
                    "{seats} seats needed, above the {small_cap}-seat limit of {}: {target} is {reason}.",
                    limited(&small_target)
                )
            }
            TargetReason::Forced { offer } => format!("{offer} was chosen for every customer (--target)."),
            TargetReason::BusinessCapExceeded { offer, seats } => format!(
                "With {offer} the customer would hold {seats} seats, above the {}-seat limit of {}: {} instead.",
                catalog.max_seats(offer).unwrap_or(small_cap),
                limited(offer),
                t.default_target()
            ),
            TargetReason::Worksheet { recommended } => {
                format!("Chosen in the worksheet (the tool had recommended {recommended}).")
            }
            TargetReason::Rule { rule, seats } => {
                let (target, reason) = said(t.rules.get(*rule as usize - 1));
                format!("{seats} seat(s) needed: {target} is {reason}.")
            }
        }
    }
}

/// What a seat limit belongs to, in words: Business plans share theirs.
fn limited(offer: &str) -> String {
    if offer.contains("Business") {
        "Business plans".to_string()
    } else {
        offer.to_string()
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

/// The default target offer for a customer: the first of the profile's rules that matches.
pub fn choose(facts: &TargetFacts<'_>, catalog: &Catalog) -> (String, TargetReason) {
    let t = catalog.targets();
    if let Some(offer) = facts.forced {
        let forced = TargetReason::Forced { offer: offer.to_string() };
        return capped(offer, facts.seats, forced, catalog);
    }
    let segment = facts.segment.unwrap_or_default();
    let education = facts.segment.is_some_and(|s| t.is_education(s));
    let frontline = facts.frontline.is_some();
    let government = facts.segment.is_some_and(|s| t.is_government(s));
    let limited_before = |i: usize| t.rules[..i].iter().any(|r| r.seats_at_most.is_some());
    for (i, rule) in t.rules.iter().enumerate() {
        let kind = match rule.segment {
            None => true,
            Some(Segment::Education) => education,
            Some(Segment::Frontline) => frontline,
            Some(Segment::Government) => government,
            Some(Segment::Commercial) => !education && !frontline && !government,
        };
        let fits = rule.seats_at_most.is_none_or(|n| facts.seats <= n);
        let serves = catalog.replacement(&rule.target).is_none_or(|r| {
            (!r.education || education) && r.max_seats.is_none_or(|m| facts.seats <= m)
        });
        if !(kind && fits && serves) {
            continue;
        }
        let last = i + 1 == t.rules.len();
        let reason = match (rule.segment, rule.seats_at_most) {
            (Some(Segment::Education), None) => {
                TargetReason::Education { segment: segment.to_string() }
            }
            (Some(Segment::Frontline), None) => {
                TargetReason::Frontline { source: facts.frontline.clone().unwrap_or_default() }
            }
            (None, Some(_)) => TargetReason::SmallBusiness { seats: facts.seats },
            (None, None) if last && limited_before(i) => {
                TargetReason::Enterprise { seats: facts.seats }
            }
            _ => TargetReason::Rule { rule: i as u32 + 1, seats: facts.seats },
        };
        return (rule.target.clone(), reason);
    }
    // No rule's target may serve the customer (the profile's checks make the last rule
    // unconditional): the default rule's target, with its cap as the message says.
    let fallback = t.default_target().to_string();
    let rule = t.rules.len() as u32;
    (fallback, TargetReason::Rule { rule, seats: facts.seats })
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
        let large = catalog.targets().default_target().to_string();
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

    #[test]
    fn any_profile_s_rules_pick_in_order() {
        let profile = crate::profile::Profile::parse(
            r#"
id = "chat"
name = "Contoso Chat"
[retiring]
offer_names = ["Contoso Chat"]
[[replacement]]
offers = ["Microsoft 365 Business Basic"]
max_seats = 300
[[replacement]]
offers = ["Office 365 A1"]
education = true
[[replacement]]
offers = ["Office 365 E3"]
[[rule]]
segment = "government"
target = "Office 365 E3"
reason = "the plan government tenants are offered"
[[rule]]
segment = "commercial"
seats_at_most = 10
target = "Microsoft 365 Business Basic"
[[rule]]
target = "Office 365 A1"
[[rule]]
target = "Office 365 E3"
reason = "the plan without limits"
"#,
            "chat.toml",
        )
        .unwrap();
        let catalog = Catalog::from_profile(&profile, &[]);
        let pick = |segment: Option<&str>, seats: u64| {
            let facts = TargetFacts { segment, frontline: None, seats, forced: None };
            choose(&facts, &catalog)
        };
        let (gov, reason) = pick(Some("US Government"), 5);
        assert_eq!(gov, "Office 365 E3");
        assert_eq!(reason, TargetReason::Rule { rule: 1, seats: 5 });
        assert_eq!(
            reason.sentence(&catalog),
            "5 seat(s) needed: Office 365 E3 is the plan government tenants are offered."
        );
        assert_eq!(pick(Some("Commercial"), 10).0, "Microsoft 365 Business Basic");
        // Eleven seats: past the commercial rule; A1 serves education customers only.
        assert_eq!(pick(Some("Commercial"), 11).0, "Office 365 E3");
        assert_eq!(pick(Some("Education"), 11).0, "Office 365 A1");
        let e4 =
            Catalog::from_profile(&crate::profile::Profile::builtin("office365-e4").unwrap(), &[]);
        let facts = TargetFacts { segment: None, frontline: None, seats: 40, forced: None };
        assert_eq!(choose(&facts, &e4).0, "Office 365 E3 + Teams Phone");
    }
}
