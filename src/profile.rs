//! Retirement profiles: an offer Microsoft retires, its replacements and the rule that picks a
//! customer's replacement, as data (TOML).
//!
//! Owns: the profile format (unknown keys are an error naming the key), its checks (ids,
//! replacements named once, every rule's target a replacement, a last rule without a
//! condition), and the built-in profiles in `data/profiles/`, Kaizala Pro first. A leaf: the
//! stages that use a profile read it as data.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The built-in profiles: (id, TOML text), Kaizala Pro first.
const BUILTIN: [(&str, &str); 3] = [
    ("kaizala-pro", include_str!("../data/profiles/kaizala-pro.toml")),
    ("office365-e4", include_str!("../data/profiles/office365-e4.toml")),
    (
        "skype-business-online-plan-1",
        include_str!("../data/profiles/skype-business-online-plan-1.toml"),
    ),
];

/// The profile used when none is named.
pub const DEFAULT: &str = "kaizala-pro";

/// An offer being retired and how its customers move off it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short id (`[a-z0-9-]+`).
    pub id: String,
    /// The retiring product's name, as every output names it.
    pub name: String,
    /// When Microsoft stopped selling it.
    #[serde(default)]
    pub end_of_sale: Option<NaiveDate>,
    /// Microsoft's announcement.
    #[serde(default)]
    pub reference: Option<String>,
    /// What users keep when they move, as sentences name it ("a plan that includes Kaizala");
    /// the product's name when absent.
    #[serde(default)]
    pub service: Option<String>,
    /// Days after step C until Microsoft deletes the subscription's data.
    #[serde(default = "default_deprovision_days")]
    pub deprovision_days: u32,
    /// What is retired.
    pub retiring: Retiring,
    /// Which of its subscriptions are in scope.
    #[serde(default)]
    pub selection: Selection,
    /// The supported targets, in drop-down order.
    #[serde(rename = "replacement")]
    pub replacements: Vec<Replacement>,
    /// The default target: the first rule that matches.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// Other names the offers go by (former and localized names), by offer.
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, Vec<String>>,
}

fn default_deprovision_days() -> u32 {
    120
}

/// How the retiring product shows in the exports; any match counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retiring {
    /// Subscription offer names (matched ignoring case and spaces).
    #[serde(default)]
    pub offer_names: Vec<String>,
    /// Partner Center offer ids.
    #[serde(default)]
    pub offer_ids: Vec<String>,
    /// Names in the admin center's Licenses column.
    #[serde(default)]
    pub licence_names: Vec<String>,
    /// SKU GUIDs.
    #[serde(default)]
    pub sku_ids: Vec<String>,
    /// Service plans the product provides.
    #[serde(default)]
    pub service_plans: Vec<String>,
    /// Words whose presence in an offer or licence name marks the product (names seen in the
    /// wild vary: "Microsoft Kaizala Pro Plan 3"); suites and replacements never count.
    #[serde(default)]
    pub name_contains: Vec<String>,
}

/// Which subscriptions of the retiring offer are in scope.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// Only those with auto renew off (as Microsoft sets a retired offer's); false: every
    /// active subscription of the offer.
    #[serde(default = "yes")]
    pub auto_renew_off_only: bool,
}

impl Default for Selection {
    fn default() -> Selection {
        Selection { auto_renew_off_only: true }
    }
}

fn yes() -> bool {
    true
}

/// A supported target: one offer, or several bought and assigned together.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replacement {
    /// Its name (optional for one offer: the offer's name).
    #[serde(default)]
    pub name: Option<String>,
    /// The offers bought and assigned together.
    pub offers: Vec<String>,
    /// The most seats one customer may hold.
    #[serde(default)]
    pub max_seats: Option<u64>,
    /// Only for education customers (true) or never for them (false); any customer if absent.
    #[serde(default)]
    pub education: Option<bool>,
}

impl Replacement {
    /// Its name: the one given, else its offer's.
    pub fn name(&self) -> &str {
        self.name.as_deref().or(self.offers.first().map(String::as_str)).unwrap_or_default()
    }
}

/// A kind of customer, as the exports' segment (and `--frontline`) tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// A segment saying Education or Academic.
    Education,
    /// Frontline workers (segment, column or `--frontline`).
    Frontline,
    /// Government.
    Government,
    /// Everyone else.
    Commercial,
}

/// One line of the target rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The customer's kind.
    #[serde(default)]
    pub segment: Option<Segment>,
    /// The seats needed are at most this.
    #[serde(default)]
    pub seats_at_most: Option<u64>,
    /// A replacement's name.
    pub target: String,
    /// Why, in words.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Rule {
    /// Whether the rule has a condition.
    fn conditional(&self) -> bool {
        self.segment.is_some() || self.seats_at_most.is_some()
    }
}

impl Profile {
    /// Reads and checks a profile's TOML; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<Profile> {
        let bad = |message: String| Error::File { path: source.to_string(), message };
        let profile: Profile =
            toml::from_str(text).map_err(|e| bad(format!("not a retirement profile: {e}")))?;
        profile.check().map_err(bad)?;
        Ok(profile)
    }

    /// A built-in profile by id.
    pub fn builtin(id: &str) -> Option<Profile> {
        let (_, text) = BUILTIN.iter().find(|(b, _)| *b == id)?;
        Profile::parse(text, &format!("built-in profile {id}")).ok()
    }

    /// Every built-in profile, Kaizala Pro first.
    pub fn builtins() -> Vec<Profile> {
        BUILTIN.iter().filter_map(|(id, _)| Profile::builtin(id)).collect()
    }

    /// A built-in profile's TOML as shipped (with its comments), a starting point for one's own.
    pub fn builtin_text(id: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(b, _)| *b == id).map(|(_, text)| *text)
    }

    /// The ids of the built-in profiles.
    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTIN.iter().map(|(id, _)| *id).collect()
    }

    /// A profile named on the command line: a built-in id, else a TOML file.
    pub fn load(name_or_file: &str) -> Result<Profile> {
        if let Some(p) = Profile::builtin(name_or_file) {
            return Ok(p);
        }
        let path = std::path::Path::new(name_or_file);
        if !path.exists() {
            return Err(Error::Usage(format!(
                "profile {name_or_file:?}: neither a built-in profile ({}) nor a file",
                Profile::builtin_ids().join(", ")
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: name_or_file.to_string(), source })?;
        Profile::parse(&text, name_or_file)
    }

    /// A replacement by name (any case).
    pub fn replacement(&self, name: &str) -> Option<&Replacement> {
        let name = name.trim();
        self.replacements.iter().find(|r| r.name().eq_ignore_ascii_case(name))
    }

    /// What is wrong with a profile, in words.
    fn check(&self) -> std::result::Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(format!("id {:?}: only lower-case letters, digits and '-'", self.id));
        }
        if self.name.trim().is_empty() {
            return Err("name is empty".into());
        }
        let r = &self.retiring;
        if r.offer_names.is_empty()
            && r.offer_ids.is_empty()
            && r.licence_names.is_empty()
            && r.sku_ids.is_empty()
            && r.service_plans.is_empty()
            && r.name_contains.is_empty()
        {
            return Err("[retiring] names nothing to recognise the product by".into());
        }
        if let Some(bad) = r.sku_ids.iter().find(|s| crate::guid::parse_guid(s).is_none()) {
            return Err(format!("[retiring] sku_ids: {bad:?} is not a GUID"));
        }
        if let Some(url) = self.reference.as_deref().filter(|u| !u.starts_with("https://")) {
            return Err(format!("reference {url:?}: not an https:// address"));
        }
        if self.replacements.is_empty() {
            return Err("no [[replacement]]".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, rep) in self.replacements.iter().enumerate() {
            let at = format!("[[replacement]] {}", i + 1);
            if rep.offers.is_empty() || rep.offers.iter().any(|o| o.trim().is_empty()) {
                return Err(format!("{at}: offers must name at least one offer"));
            }
            if rep.offers.len() > 1 && rep.name.is_none() {
                return Err(format!("{at}: a replacement of several offers needs a name"));
            }
            if !names.insert(rep.name().to_lowercase()) {
                return Err(format!("{at}: {:?} is named twice", rep.name()));
            }
        }
        if self.rules.is_empty() {
            return Err(
                "no [[rule]]: the last rule (without a condition) gives the default target".into(),
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if self.replacement(&rule.target).is_none() {
                return Err(format!(
                    "[[rule]] {}: target {:?} is not a replacement's name",
                    i + 1,
                    rule.target
                ));
            }
        }
        if self.rules.last().is_some_and(Rule::conditional) {
            return Err("the last [[rule]] must have no condition (segment, seats_at_most): it is the default".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtins_read_and_kaizala_pro_comes_first() {
        let all = Profile::builtins();
        assert_eq!(all.len(), BUILTIN.len(), "a built-in profile does not read");
        assert_eq!(all[0].id, DEFAULT);
        for p in &all {
            assert_eq!(Profile::builtin_text(&p.id).map(|t| t.contains(&p.name)), Some(true));
        }
        let e4 = Profile::builtin("office365-e4").unwrap();
        assert!(e4.replacements.iter().any(|r| r.offers.len() == 2));
    }

    const MINIMAL: &str = r#"
id = "contoso-chat-pro"
name = "Contoso Chat Pro"
[retiring]
offer_names = ["Contoso Chat Pro"]
[[replacement]]
offers = ["Office 365 E3"]
[[rule]]
target = "Office 365 E3"
"#;

    #[test]
    fn a_minimal_profile_reads_with_defaults() {
        let p = Profile::parse(MINIMAL, "p.toml").unwrap();
        assert_eq!(p.deprovision_days, 120);
        assert!(p.selection.auto_renew_off_only);
        assert_eq!(p.replacements[0].name(), "Office 365 E3");
    }

    fn error(text: &str) -> String {
        Profile::parse(text, "p.toml").unwrap_err().to_string()
    }

    #[test]
    fn mistakes_are_named() {
        let unknown = error(&MINIMAL.replace("[retiring]", "colour = \"red\"\n[retiring]"));
        assert!(unknown.contains("p.toml") && unknown.contains("colour"), "{unknown}");
        let typo = error(&MINIMAL.replace("offer_names", "offer_name"));
        assert!(typo.contains("offer_name"), "{typo}");
        assert!(
            error(&MINIMAL.replace("contoso-chat-pro", "Contoso Chat")).contains("only lower-case")
        );
        let target =
            error(&MINIMAL.replace("target = \"Office 365 E3\"", "target = \"Office 365 E5\""));
        assert!(target.contains("\"Office 365 E5\" is not a replacement's name"), "{target}");
        let last = error(&format!("{MINIMAL}seats_at_most = 10\n"));
        assert!(last.contains("the last [[rule]] must have no condition"), "{last}");
        let two = error(&MINIMAL.replace(
            "offers = [\"Office 365 E3\"]",
            "offers = [\"Office 365 E3\", \"Microsoft Teams Phone Standard\"]",
        ));
        assert!(two.contains("needs a name"), "{two}");
    }
}
