//! What the tool knows about Microsoft's products: which offers are Kaizala Pro, which licences
//! cover a user's Kaizala needs, and the replacement offers.
//!
//! Owns: Microsoft's public "Product names and service plan identifiers for licensing" table
//! (`data/product-service-plans.csv`: which products include the retiring product's service
//! plans, every product's SKU ids and names), and what a retirement profile says, read once:
//! the retiring product's names and ids, the replacement offers with their aliases and seat
//! caps, the rule's data (the profile's rules), and the segment words (`data/segments.toml`).
//! Deciding what to do with a customer is left to `plan`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::profile::{Profile, Rule};

/// Microsoft's "Product names and service plan identifiers for licensing" table, whole.
const PRODUCT_TABLE: &str = include_str!("../data/product-service-plans.csv");
const SEGMENTS: &str = include_str!("../data/segments.toml");

/// A replacement plan: one offer, or several bought and assigned together.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReplacementOffer {
    /// The plan's English name (its offer's, for a plan of one offer).
    pub name: String,
    /// The offers bought and assigned together, by their English names.
    pub offers: Vec<String>,
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

/// The data the target rule reads: the profile's rules, in order, and the segment words that
/// mark a kind of customer (`data/segments.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetRules {
    /// The rules; the first that matches gives the target, the last has no condition.
    pub rules: Vec<Rule>,
    /// Words of a segment that mark an education customer.
    pub education_segments: Vec<String>,
    /// Words of a segment that mark a frontline-only customer.
    pub frontline_segments: Vec<String>,
    /// Words of a segment that mark a government customer.
    pub government_segments: Vec<String>,
}

impl TargetRules {
    /// True when a segment value names an education customer.
    pub fn is_education(&self, segment: &str) -> bool {
        contains_any(segment, &self.education_segments)
    }

    /// True when a segment value names a frontline-only customer.
    pub fn is_frontline(&self, segment: &str) -> bool {
        contains_any(segment, &self.frontline_segments)
    }

    /// True when a segment value names a government customer.
    pub fn is_government(&self, segment: &str) -> bool {
        contains_any(segment, &self.government_segments)
    }

    /// The target of the default rule (the last): also where a customer goes whom a capped offer
    /// cannot hold.
    pub fn default_target(&self) -> &str {
        self.rules.last().map(|r| r.target.as_str()).unwrap_or_default()
    }
}

fn contains_any(segment: &str, words: &[String]) -> bool {
    let s = segment.to_lowercase();
    words.iter().any(|w| s.contains(w.as_str()))
}

/// The segment words (`data/segments.toml`).
#[derive(Default, Deserialize)]
struct SegmentWords {
    education: Vec<String>,
    frontline: Vec<String>,
    government: Vec<String>,
}

/// What a licence name means for the migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Licence {
    /// The standalone Kaizala Pro licence that is going away.
    KaizalaPro,
    /// A licence that carries Kaizala (a replacement plan or a suite with a Kaizala service
    /// plan); the canonical name is given.
    Covering(String),
    /// Another product of Microsoft's licensing table (by its English name), without Kaizala.
    Product,
    /// A name the tables do not know (a localized name, a custom label): listed for a look.
    Other,
}

/// Product knowledge, loaded once.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The retirement profile it was built from.
    profile: Profile,
    /// Normalized names of SKUs that carry a Kaizala service plan (suites).
    suite_names: BTreeMap<String, String>,
    /// SKU GUIDs and string ids of those suites, normalized.
    suite_ids: BTreeSet<String>,
    /// Replacement offers.
    replacements: Vec<ReplacementOffer>,
    /// What the target rule reads.
    targets: TargetRules,
    /// Normalized plan names and aliases to the index into `replacements`.
    replacement_names: BTreeMap<String, usize>,
    /// Normalized names and aliases of every replacement's offers to the offer's English name.
    offer_names: BTreeMap<String, String>,
    /// Normalized offer ids known to be Kaizala Pro.
    kaizala_ids: BTreeSet<String>,
    /// The names Kaizala Pro goes by (price lists are searched for them).
    kaizala_names: Vec<String>,
    /// Those names, normalized: a licence or offer of one of them is the retiring product.
    retiring_exact: BTreeSet<String>,
    /// Words (normalized) whose presence in a name marks the retiring product, once suites and
    /// replacements are ruled out.
    retiring_words: Vec<String>,
    /// Microsoft's licensing table, read once per process.
    table: &'static ProductTable,
}

/// One product SKU of the licensing table.
#[derive(Debug)]
struct Product {
    /// Its name, cleaned of stray and non-breaking spaces.
    name: String,
    /// The name normalized.
    norm: String,
    /// Its string id, normalized.
    string_id: String,
    /// Its SKU GUID, lower case.
    guid: String,
}

/// Microsoft's licensing table, parsed.
#[derive(Debug)]
struct ProductTable {
    /// Each distinct product SKU.
    products: Vec<Product>,
    /// Each row: (index into `products`, service plan name in upper case).
    plans: Vec<(u32, Box<str>)>,
    /// Normalized product names to their SKU GUIDs.
    sku_guids: BTreeMap<String, BTreeSet<String>>,
    /// Every product name, normalized.
    product_names: BTreeSet<String>,
}

/// The licensing table, parsed on first use: it is the same for every profile, and a run (or a
/// test) may build several catalogues.
fn product_table() -> &'static ProductTable {
    static TABLE: std::sync::OnceLock<ProductTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = ProductTable {
            products: Vec::new(),
            plans: Vec::new(),
            sku_guids: BTreeMap::new(),
            product_names: BTreeSet::new(),
        };
        let mut rdr = csv::Reader::from_reader(PRODUCT_TABLE.as_bytes());
        let mut last: Option<(String, String, String)> = None;
        for rec in rdr.records().flatten() {
            let raw = |i: usize| rec.get(i).unwrap_or("");
            // A product's rows are consecutive: its name and ids are cleaned once.
            let same = last.as_ref().is_some_and(|(n, s, g)| {
                (n.as_str(), s.as_str(), g.as_str()) == (raw(0), raw(1), raw(2))
            });
            if !same {
                let key = (raw(0).to_string(), raw(1).to_string(), raw(2).to_string());
                // The table has stray and non-breaking spaces in some cells.
                let clean = |v: &str| v.replace('\u{a0}', " ").trim().to_string();
                let name = clean(&key.0);
                let norm = normalize_name(&name);
                let guid = normalize_id(&key.2);
                t.sku_guids.entry(norm.clone()).or_default().insert(guid.clone());
                t.product_names.insert(norm.clone());
                t.products.push(Product { name, norm, string_id: normalize_name(&key.1), guid });
                last = Some(key);
            }
            let plan = raw(3).replace('\u{a0}', " ").trim().to_uppercase().into_boxed_str();
            t.plans.push((t.products.len() as u32 - 1, plan));
        }
        t
    })
}

/// Lower case, single spaces, no surrounding space; non-breaking spaces count as spaces.
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Words that may follow a plan name in a variant's name ("Office 365 A1 for students").
const VARIANT_SUFFIXES: &[&str] =
    &["for ", "(", "- ", "eea", "without ", "plus", "dla ", "para ", "pour ", "für "];

impl Catalog {
    /// The catalogue built into the binary, plus extra Kaizala Pro offer ids.
    pub fn builtin(extra_kaizala_ids: &[String]) -> Catalog {
        // The built-in profile is part of the binary; a unit test proves it reads.
        let profile = Profile::builtin(crate::profile::DEFAULT).unwrap_or_default();
        Catalog::from_profile(&profile, extra_kaizala_ids)
    }

    /// The catalogue for a retirement profile, plus extra offer ids of the retiring product.
    pub fn from_profile(profile: &Profile, extra_retiring_ids: &[String]) -> Catalog {
        let retiring_plans: BTreeSet<String> =
            profile.retiring.service_plans.iter().map(|p| p.trim().to_uppercase()).collect();
        let retiring_skus: BTreeSet<String> =
            profile.retiring.sku_ids.iter().map(|s| normalize_id(s)).collect();
        let table = product_table();
        let r = &profile.retiring;
        // The names the product goes by: its offer names, then the licence names not among
        // them (price lists are searched for them in this order).
        let mut retiring_exact = BTreeSet::new();
        let kaizala_names: Vec<String> = r
            .offer_names
            .iter()
            .chain(&r.licence_names)
            .filter(|n| retiring_exact.insert(normalize_name(n)))
            .cloned()
            .collect();
        let mut suite_names = BTreeMap::new();
        let mut suite_ids = BTreeSet::new();
        for (product, plan) in &table.plans {
            // A product that includes a service plan the retiring one provides covers its
            // users' needs, unless it is the retiring product itself.
            let p = &table.products[*product as usize];
            if !retiring_plans.contains(plan.as_ref())
                || retiring_skus.contains(&p.guid)
                || retiring_exact.contains(&p.norm)
            {
                continue;
            }
            suite_names.insert(p.norm.clone(), p.name.clone());
            suite_ids.insert(p.string_id.clone());
            suite_ids.insert(p.guid.clone());
        }
        // The segment words are part of the binary; a unit test proves they read.
        let words: SegmentWords = toml::from_str(SEGMENTS).unwrap_or_default();
        let replacements: Vec<ReplacementOffer> = profile
            .replacements
            .iter()
            .map(|r| ReplacementOffer {
                name: r.name().to_string(),
                offers: r.offers.clone(),
                aliases: profile.aliases.get(r.name()).cloned().unwrap_or_default(),
                max_seats: r.max_seats,
                education: r.education == Some(true),
            })
            .collect();
        let mut replacement_names = BTreeMap::new();
        for (i, p) in replacements.iter().enumerate() {
            replacement_names.insert(normalize_name(&p.name), i);
            for a in &p.aliases {
                replacement_names.insert(normalize_name(a), i);
            }
        }
        let mut offer_names = BTreeMap::new();
        for offer in profile.replacements.iter().flat_map(|r| &r.offers) {
            let aliases = profile.aliases.get(offer).into_iter().flatten();
            for n in std::iter::once(offer).chain(aliases) {
                offer_names.entry(normalize_name(n)).or_insert_with(|| offer.clone());
            }
        }
        let kaizala_ids: BTreeSet<String> = r
            .offer_ids
            .iter()
            .chain(&r.sku_ids)
            .chain(extra_retiring_ids)
            .map(|s| normalize_id(s))
            .collect();
        Catalog {
            profile: profile.clone(),
            suite_names,
            suite_ids,
            targets: TargetRules {
                rules: profile.rules.clone(),
                education_segments: words.education,
                frontline_segments: words.frontline,
                government_segments: words.government,
            },
            replacements,
            replacement_names,
            offer_names,
            retiring_exact,
            retiring_words: r.name_contains.iter().map(|w| normalize_name(w)).collect(),
            kaizala_ids,
            kaizala_names,
            table,
        }
    }

    /// The retirement profile this catalogue was built from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The retiring product's name, as every output names it ("Kaizala Pro").
    pub fn product(&self) -> &str {
        &self.profile.name
    }

    /// What users keep on a replacement, as sentences name it ("Kaizala").
    pub fn service(&self) -> &str {
        self.profile.service.as_deref().unwrap_or(&self.profile.name)
    }

    /// The SKU GUIDs of the product with exactly this name (a product may have several, e.g.
    /// Business Basic's `O365_BUSINESS_ESSENTIALS` and `SMB_BUSINESS_ESSENTIALS`), sorted.
    pub fn sku_guids(&self, product_name: &str) -> Vec<String> {
        self.table
            .sku_guids
            .get(&normalize_name(product_name))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The replacement offers, in table order.
    pub fn replacements(&self) -> &[ReplacementOffer] {
        &self.replacements
    }

    /// The names the Kaizala Pro product goes by.
    pub fn kaizala_names(&self) -> &[String] {
        &self.kaizala_names
    }

    /// What the target rule reads.
    pub fn targets(&self) -> &TargetRules {
        &self.targets
    }

    /// The most seats one customer may hold of an offer, when the table caps it.
    pub fn max_seats(&self, offer: &str) -> Option<u64> {
        self.replacement(offer).and_then(|r| r.max_seats)
    }

    /// The message for a name that is not a supported replacement offer.
    pub fn not_a_replacement(&self, name: &str) -> String {
        let names: Vec<&str> = self.replacements.iter().map(|p| p.name.as_str()).collect();
        format!("{name:?} is not a supported replacement plan; supported: {}", names.join(", "))
    }

    /// The plan with this name or alias.
    pub fn replacement(&self, name: &str) -> Option<&ReplacementOffer> {
        self.replacement_names.get(&normalize_name(name)).map(|&i| &self.replacements[i])
    }

    /// The replacement plan a licence or offer name is, or is a variant of ("Office 365 A1 for
    /// students" is Office 365 A1).
    pub fn replacement_of(&self, name: &str) -> Option<&ReplacementOffer> {
        self.covering_replacement(&normalize_name(name))
    }

    /// The offer of a replacement plan a licence or subscription offer name is, or is a variant
    /// of, by its English name ("Office 365 E3" for "Office 365 Enterprise E3"; for a plan of
    /// several offers, each of them).
    pub fn offer_of(&self, name: &str) -> Option<&str> {
        let norm = normalize_name(name);
        if let Some(o) = self.offer_names.get(&norm) {
            return Some(o);
        }
        variant_of(&norm, &self.offer_names).map(String::as_str)
    }

    /// The other names (former, localized) an offer of a replacement plan goes by.
    pub fn offer_aliases(&self, offer: &str) -> &[String] {
        self.offer_of(offer)
            .and_then(|o| self.profile.aliases.get(o))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The replacement plan of several offers whose every offer is among `held` (offers by
    /// their English names, as `offer_of` gives them): a user holding them needs no new seat.
    pub fn held_together(&self, held: &BTreeSet<&str>) -> Option<&ReplacementOffer> {
        self.replacements
            .iter()
            .filter(|r| r.offers.len() > 1)
            .find(|r| r.offers.iter().all(|o| held.contains(o.as_str())))
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
            if self.retiring_words.iter().any(|w| id.contains(w.as_str())) {
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
        if let Some(p) = self.covering_replacement(&norm) {
            return Licence::Covering(p.name.clone());
        }
        if self.retiring_exact.contains(&norm)
            || self.retiring_words.iter().any(|w| norm.contains(w.as_str()))
        {
            return Licence::KaizalaPro;
        }
        // An offer that is part of a plan of several: it covers together with the others.
        if self.table.product_names.contains(&norm) || self.offer_of(name).is_some() {
            return Licence::Product;
        }
        Licence::Other
    }

    /// The replacement plan a normalized licence name is, or is a variant of.
    fn covering_replacement(&self, norm: &str) -> Option<&ReplacementOffer> {
        if let Some(&i) = self.replacement_names.get(norm) {
            return Some(&self.replacements[i]);
        }
        variant_of(norm, &self.replacement_names).map(|&i| &self.replacements[i])
    }
}

/// The entry of the longest name that prefixes `norm` and is followed by a variant suffix.
fn variant_of<'a, T>(norm: &str, names: &'a BTreeMap<String, T>) -> Option<&'a T> {
    names
        .iter()
        .filter(|(p, _)| {
            norm.strip_prefix(p.as_str())
                .and_then(|rest| rest.strip_prefix(' '))
                .is_some_and(|rest| VARIANT_SUFFIXES.iter().any(|s| rest.starts_with(s)))
        })
        .max_by_key(|(p, _)| p.len())
        .map(|(_, v)| v)
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
        assert_eq!(c.replacements().len(), 16);
        assert!(toml::from_str::<SegmentWords>(SEGMENTS).is_ok());
        let t = c.targets();
        let targets: Vec<&str> = t.rules.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            ["Office 365 A1", "Office 365 F3", "Microsoft 365 Business Basic", "Office 365 E1"]
        );
        assert!(t.is_education("Academic") && t.is_frontline("Firstline workers"));
        assert!(t.is_government("US Government") && !t.is_government("Commercial"));
        assert_eq!(c.max_seats("Microsoft 365 Business Basic"), Some(300));
        assert_eq!(c.max_seats(t.default_target()), None);
        assert!(c.suite_names.len() >= 40);
        assert_eq!(
            c.replacement("office 365 business essentials").unwrap().name,
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
        assert_eq!(c.licence("Microsoft 365 E5 Security"), Licence::Product);
        assert_eq!(c.licence("Enterprise Mobility + Security E5"), Licence::Product);
        assert_eq!(c.licence("Visio Plan 2"), Licence::Product);
        assert_eq!(c.licence("Power BI Pro"), Licence::Product);
        assert_eq!(c.licence("Exchange Online (Plan 1)"), Licence::Product);
        assert_eq!(c.licence("Visio Abonnement 2"), Licence::Other);
    }

    #[test]
    fn another_profile_is_its_own_catalogue() {
        let e4 = Catalog::from_profile(&Profile::builtin("office365-e4").unwrap(), &[]);
        assert!(e4.is_kaizala_pro_offer(Some("Office 365 E4"), None));
        assert!(e4.is_kaizala_pro_offer(Some("office 365 enterprise  E4"), None));
        assert!(e4.is_kaizala_pro_offer(None, Some("1392051D-0CB9-4B7A-88D5-621FEE5E8711")));
        assert!(!e4.is_kaizala_pro_offer(Some("Office 365 E3"), None));
        assert!(!e4.is_kaizala_pro_offer(Some("Kaizala Pro"), None), "not this profile's product");
        assert_eq!(e4.licence("Office 365 E4"), Licence::KaizalaPro);
        assert_eq!(e4.licence("Office 365 E5"), Licence::Covering("Office 365 E5".into()));
        assert_eq!(e4.licence("Kaizala Pro"), Licence::Other);
        assert!(e4.replacement("Office 365 E3 + Teams Phone").is_some());
        assert_eq!(e4.offer_of("Phone System"), Some("Microsoft Teams Phone Standard"));
        assert_eq!(e4.offer_of("Office 365 Enterprise E3"), Some("Office 365 E3"));
        assert_eq!(e4.licence("Phone System"), Licence::Product, "covers only with E3");
        let held: BTreeSet<&str> = ["Office 365 E3", "Microsoft Teams Phone Standard"].into();
        assert_eq!(e4.held_together(&held).unwrap().name, "Office 365 E3 + Teams Phone");
        assert!(e4.held_together(&["Microsoft Teams Phone Standard"].into()).is_none());
        assert!(!e4.sku_guids("Microsoft Teams Phone Standard").is_empty());
        let skype =
            Catalog::from_profile(&Profile::builtin("skype-business-online-plan-1").unwrap(), &[]);
        assert_eq!(skype.licence("Skype for Business Online (Plan 1)"), Licence::KaizalaPro);
        assert_eq!(
            skype.licence("Office 365 Enterprise F1"),
            Licence::Covering("Office 365 F3".into())
        );
        assert_eq!(skype.licence("Visio Plan 2"), Licence::Product);
    }
}
