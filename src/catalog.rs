//! What the tool knows about Microsoft's products: which offers are Kaizala Pro, which licences
//! cover a user's Kaizala needs, and the replacement plans.
//!
//! Owns: the SKU catalogue extract (`data/sku-catalog.csv`, from Microsoft's public "Product
//! names and service plan identifiers for licensing" table) and the plan table
//! (`data/plans.toml`). Deciding what to do with a customer is left to `plan`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

const SKU_CATALOG: &str = include_str!("../data/sku-catalog.csv");
const PLANS: &str = include_str!("../data/plans.toml");

/// A replacement plan for Kaizala Pro.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlanInfo {
    /// The plan's English name.
    pub name: String,
    /// Former and localized names of the same product.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The most seats one customer may hold (Business plans: 300).
    #[serde(default)]
    pub max_seats: Option<u64>,
    /// For education customers only.
    #[serde(default)]
    pub education: bool,
}

#[derive(Deserialize)]
struct PlansFile {
    kaizala_pro: KaizalaSection,
    plan: Vec<PlanInfo>,
}

#[derive(Deserialize)]
struct KaizalaSection {
    #[serde(default)]
    offer_ids: Vec<String>,
}

/// What a licence name means for the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Licence {
    /// The standalone Kaizala Pro licence that is going away.
    KaizalaPro,
    /// A licence that carries Kaizala (a replacement plan or a suite with a Kaizala service
    /// plan); the canonical name is given.
    Covering(String),
    /// Any other licence.
    Other,
}

/// Product knowledge, loaded once.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Normalized names of SKUs that carry a Kaizala service plan (suites).
    suite_names: BTreeMap<String, String>,
    /// SKU GUIDs and string ids of those suites, normalized.
    suite_ids: BTreeSet<String>,
    /// Replacement plans.
    plans: Vec<PlanInfo>,
    /// Normalized plan names and aliases to the index into `plans`.
    plan_names: BTreeMap<String, usize>,
    /// Normalized offer ids known to be Kaizala Pro.
    kaizala_ids: BTreeSet<String>,
    /// Normalized product names to their SKU GUIDs (lower case), as the licensing table lists
    /// them.
    sku_guids: BTreeMap<String, BTreeSet<String>>,
}

/// Lower case, single spaces, no surrounding space; non-breaking spaces count as spaces.
pub fn normalize_name(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Words that may follow a plan name in a variant's name ("Office 365 A1 for students").
const VARIANT_SUFFIXES: &[&str] =
    &["for ", "(", "- ", "eea", "without ", "plus", "dla ", "para ", "pour ", "für "];

impl Catalog {
    /// The catalogue built into the binary, plus extra Kaizala Pro offer ids.
    pub fn builtin(extra_kaizala_ids: &[String]) -> Catalog {
        let mut suite_names = BTreeMap::new();
        let mut suite_ids = BTreeSet::new();
        let mut sku_guids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut rdr = csv::Reader::from_reader(SKU_CATALOG.as_bytes());
        for rec in rdr.records().flatten() {
            let (name, string_id, guid, plan) = (
                rec.get(0).unwrap_or(""),
                rec.get(1).unwrap_or(""),
                rec.get(2).unwrap_or(""),
                rec.get(3).unwrap_or(""),
            );
            sku_guids.entry(normalize_name(name)).or_default().insert(normalize_id(guid));
            if plan.is_empty() {
                continue;
            }
            suite_names.insert(normalize_name(name), name.to_string());
            suite_ids.insert(normalize_name(string_id));
            suite_ids.insert(normalize_name(guid));
        }
        // The built-in table is part of the binary; a unit test proves it parses.
        let file: PlansFile = toml::from_str(PLANS).unwrap_or(PlansFile {
            kaizala_pro: KaizalaSection { offer_ids: Vec::new() },
            plan: Vec::new(),
        });
        let mut plan_names = BTreeMap::new();
        for (i, p) in file.plan.iter().enumerate() {
            plan_names.insert(normalize_name(&p.name), i);
            for a in &p.aliases {
                plan_names.insert(normalize_name(a), i);
            }
        }
        let kaizala_ids = file
            .kaizala_pro
            .offer_ids
            .iter()
            .chain(extra_kaizala_ids)
            .map(|s| normalize_id(s))
            .collect();
        Catalog { suite_names, suite_ids, plans: file.plan, plan_names, kaizala_ids, sku_guids }
    }

    /// The SKU GUIDs of the product with exactly this name (a product may have several, e.g.
    /// Business Basic's `O365_BUSINESS_ESSENTIALS` and `SMB_BUSINESS_ESSENTIALS`), sorted.
    pub fn sku_guids(&self, product_name: &str) -> Vec<String> {
        self.sku_guids
            .get(&normalize_name(product_name))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The replacement plans, in table order.
    pub fn plans(&self) -> &[PlanInfo] {
        &self.plans
    }

    /// The plan with this name or alias.
    pub fn plan(&self, name: &str) -> Option<&PlanInfo> {
        self.plan_names.get(&normalize_name(name)).map(|&i| &self.plans[i])
    }

    /// The replacement plan a licence or offer name is, or is a variant of ("Office 365 A1 for
    /// students" is Office 365 A1).
    pub fn plan_of(&self, name: &str) -> Option<&PlanInfo> {
        self.covering_plan(&normalize_name(name))
    }

    /// True when an offer (by name and/or id) is the standalone Kaizala Pro product.
    ///
    /// Suites that merely include a Kaizala service plan are not.
    pub fn is_kaizala_pro_offer(&self, name: Option<&str>, id: Option<&str>) -> bool {
        if let Some(id) = id.map(normalize_id).filter(|i| !i.is_empty()) {
            if self.kaizala_ids.contains(&id) {
                return true;
            }
            if self.suite_ids.contains(&id) {
                return false;
            }
            if id.contains("kaizala") {
                return true;
            }
        }
        name.is_some_and(|n| self.licence(n) == Licence::KaizalaPro)
    }

    /// What a licence (or product) name means for the migration.
    pub fn licence(&self, name: &str) -> Licence {
        let norm = normalize_name(name);
        if let Some(canonical) = self.suite_names.get(&norm) {
            return Licence::Covering(canonical.clone());
        }
        if let Some(p) = self.covering_plan(&norm) {
            return Licence::Covering(p.name.clone());
        }
        if norm.contains("kaizala") {
            return Licence::KaizalaPro;
        }
        Licence::Other
    }

    /// The replacement plan a normalized licence name is, or is a variant of.
    fn covering_plan(&self, norm: &str) -> Option<&PlanInfo> {
        if let Some(&i) = self.plan_names.get(norm) {
            return Some(&self.plans[i]);
        }
        // Longest plan name that prefixes this one and is followed by a variant suffix.
        self.plan_names
            .iter()
            .filter(|(p, _)| {
                norm.strip_prefix(p.as_str())
                    .and_then(|rest| rest.strip_prefix(' '))
                    .is_some_and(|rest| VARIANT_SUFFIXES.iter().any(|s| rest.starts_with(s)))
            })
            .max_by_key(|(p, _)| p.len())
            .map(|(_, &i)| &self.plans[i])
    }
}

/// Offer and SKU ids compare case-insensitively, without braces or surrounding space.
fn normalize_id(s: &str) -> String {
    s.trim().trim_start_matches('{').trim_end_matches('}').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog::builtin(&[])
    }

    #[test]
    fn builtin_tables_load() {
        let c = cat();
        assert_eq!(c.plans().len(), 16);
        assert!(c.suite_names.len() >= 40);
        assert_eq!(
            c.plan("office 365 business essentials").unwrap().name,
            "Microsoft 365 Business Basic"
        );
    }

    #[test]
    fn kaizala_pro_offers_by_name_and_id() {
        let c = cat();
        assert!(c.is_kaizala_pro_offer(Some("Kaizala Pro"), None));
        assert!(c.is_kaizala_pro_offer(Some("Microsoft  Kaizala Pro"), None));
        assert!(c.is_kaizala_pro_offer(None, Some("KAIZALA_PRO_SKU")));
        assert!(!c.is_kaizala_pro_offer(Some("Office 365 E1"), None));
        assert!(!c.is_kaizala_pro_offer(Some("Microsoft 365 Business Standard"), None));
        let extra = Catalog::builtin(&["{ABCD-1}".to_string()]);
        assert!(extra.is_kaizala_pro_offer(Some("Legacy offer 17"), Some("abcd-1")));
    }

    #[test]
    fn suites_that_include_kaizala_are_not_kaizala_pro() {
        let c = cat();
        // Office 365 E3's SKU GUID from the catalogue.
        assert!(
            !c.is_kaizala_pro_offer(Some("anything"), Some("6FD2C87F-B296-42F0-B197-1E91E994B900"))
        );
        assert_eq!(c.licence("Office 365 E3"), Licence::Covering("Office 365 E3".into()));
    }

    #[test]
    fn licences_classify_with_variants_and_localized_names() {
        let c = cat();
        assert_eq!(c.licence("Microsoft Kaizala Pro"), Licence::KaizalaPro);
        assert_eq!(
            c.licence("Microsoft 365 Empresa Estándar"),
            Licence::Covering("Microsoft 365 Business Standard".into())
        );
        assert_eq!(
            c.licence("Office 365 A1 for teachers"),
            Licence::Covering("Office 365 A1".into())
        );
        assert_eq!(
            c.licence("Microsoft 365 E3 for nonprofits"),
            Licence::Covering("Microsoft 365 E3".into())
        );
        assert_eq!(c.licence("Microsoft 365 E5 Security"), Licence::Other);
        assert_eq!(c.licence("Enterprise Mobility + Security E5"), Licence::Other);
        assert_eq!(c.licence("Visio Plan 2"), Licence::Other);
    }
}
