//! Users files: the admin center "Export users" CSV (both header layouts) and a combined layout
//! with a customer column.
//!
//! Owns: splitting the `Licenses` cell, keeping only users that hold Kaizala Pro (the others are
//! counted and dropped at once, so memory follows the affected users only), and linking users to
//! customers: by the customer column, by `FILE=CUSTOMER_ID`, or by the domain of their user
//! principal name against the customers' domains.

use std::collections::{BTreeMap, BTreeSet};

use super::{open_table, values, Filtered, IngestOptions, Ingested, Kind, Origin, UserRecord};
use crate::catalog::{Catalog, Licence};
use crate::error::Result;
use crate::guid::{self, GuidSet};
use crate::source::Input;

/// Reads one users file into `ing` and links its users to customers.
pub fn read_users(
    input: &Input,
    catalog: &Catalog,
    opts: &IngestOptions,
    affected: Option<&GuidSet>,
    ing: &mut Ingested,
) -> Result<()> {
    let file_customer = super::file_customer(input)?;
    let mut table = open_table(input, Kind::Users, opts, &mut ing.ledger)?;
    table.mapping.check_required(Kind::Users, &opts.aliases, &table.location(), &table.header)?;
    let file = table.file;
    let first_user = ing.users.len();
    let mut rows_read = 0u64;
    let mut row = crate::source::Row { number: 0, cells: Vec::new() };
    let customer_col = table.mapping.col("customer_id").map(|c| c.index);
    // Rows of customers with nothing expiring are counted and left on the raw bytes of their
    // customer cell: no decoding, no allocation, no licence parsing (most rows of a
    // distributor's export).
    let file_customer_unaffected = match (affected, &file_customer) {
        (Some(a), Some(c)) => guid::guid_bits(c.as_bytes()).is_some_and(|g| !a.contains(&g)),
        _ => false,
    };
    let mut filter = values::CustomerFilter::new(affected, file_customer_unaffected);
    let mut st = FileState {
        file,
        m: table.mapping.clone(),
        file_customer,
        domains: BTreeMap::new(),
        known: std::collections::HashMap::new(),
        holders: BTreeMap::new(),
    };
    let col = customer_col.unwrap_or(usize::MAX);
    let mut skip = |cells: &dyn crate::source::Cells| filter.row_outside(cells, col);
    let mut passed_over = 0u64;
    while let Some(next) = table.next_unless(&mut row, &mut skip) {
        rows_read += 1;
        if let crate::source::Next::Skipped(_) = next? {
            passed_over += 1;
            continue;
        }
        take_row(&mut st, &row, catalog, ing);
    }
    ing.ledger.filtered_many(file, Filtered::CustomerNotAffected, passed_over);
    ing.ledger.files[file].rows_read = rows_read;
    ing.ledger.files[file].layout = if st.m.col("customer_id").is_some() {
        "users with a customer column".into()
    } else {
        "Microsoft 365 admin center user export".into()
    };
    let notes = table.reader.notes();
    ing.ledger.files[file].notes.extend(notes);
    let owner_of_domain = link_by_domain(ing, file, first_user, &st.domains);
    for (holder, offers) in st.holders {
        let customer = match holder {
            Holder::Customer(c) => Some(c),
            Holder::Domain(d) => owner_of_domain.customer(&d),
        };
        if let Some(c) = customer {
            let slot = ing.replacement_holders.entry(c).or_default();
            for (offer, n) in offers {
                *slot.entry(offer).or_default() += n;
            }
        }
    }
    Ok(())
}

/// What reading one users file keeps between rows.
struct FileState {
    file: usize,
    m: super::Mapping,
    file_customer: Option<String>,
    /// Domains of users with no customer of their own, for linking the file by domain.
    domains: BTreeMap<String, u64>,
    /// Licence names repeat across users: each distinct name is classified once.
    known: std::collections::HashMap<String, (Licence, Option<String>)>,
    /// Holders of each replacement offer, by customer, or by domain until the file is linked.
    holders: BTreeMap<Holder, BTreeMap<String, u64>>,
}

/// Who a row's user is: user principal name, its domain and the customer (the row's own, else
/// the file's); `None` when the row was rejected.
fn identity(
    st: &FileState,
    row: &crate::source::Row,
    ing: &mut Ingested,
) -> Option<(String, String, Option<String>)> {
    let origin = Origin { file: st.file, row: row.number };
    let text = |field: &str| {
        st.m.col(field)
            .map(|c| row.cell(c.index).text_ref().trim().to_string())
            .filter(|t| !t.is_empty())
    };
    let Some(upn) = text("upn") else {
        let col = ing.ledger.col(st.file, "upn");
        ing.ledger.rejected(origin, col, "empty, but the user principal name is required".into());
        return None;
    };
    let Some(domain) =
        upn.rsplit_once('@').map(|(_, d)| d.to_lowercase()).filter(|d| !d.is_empty())
    else {
        let col = ing.ledger.col(st.file, "upn");
        ing.ledger.rejected(
            origin,
            col,
            format!("{upn:?} is not a user principal name (no @domain)"),
        );
        return None;
    };
    let customer_id = match text("customer_id") {
        Some(raw) => match guid::parse_guid(&raw) {
            Some(g) => Some(g),
            None => {
                let col = ing.ledger.col(st.file, "customer_id");
                ing.ledger.rejected(
                    origin,
                    col,
                    format!("{raw:?} is not a customer tenant id (a GUID)"),
                );
                return None;
            }
        },
        None => st.file_customer.clone(),
    };
    Some((upn, domain, customer_id))
}

/// One decoded row: a user with a Kaizala Pro licence, a row filtered out, or a rejection.
fn take_row(st: &mut FileState, row: &crate::source::Row, catalog: &Catalog, ing: &mut Ingested) {
    let Some((upn, domain, customer_id)) = identity(st, row, ing) else {
        return;
    };
    let origin = Origin { file: st.file, row: row.number };
    let text = |field: &str| {
        st.m.col(field)
            .map(|c| row.cell(c.index).text_ref().trim().to_string())
            .filter(|t| !t.is_empty())
    };
    match &customer_id {
        Some(c) => {
            ing.customers_with_user_rows.insert(c.clone());
        }
        None => *st.domains.entry(domain.clone()).or_default() += 1,
    }
    let licences: Vec<String> = text("licenses")
        .map(|l| split_licences(&l).into_iter().map(str::to_string).collect())
        .unwrap_or_default();
    let mut kaizala = None;
    let mut covered_by = None;
    let holder = match &customer_id {
        Some(c) => Holder::Customer(c.clone()),
        None => Holder::Domain(domain.clone()),
    };
    for l in &licences {
        let (class, offer) = match st.known.get(l) {
            Some(c) => c.clone(),
            None => {
                let c = (catalog.licence(l), catalog.replacement_of(l).map(|p| p.name.clone()));
                st.known.insert(l.clone(), c.clone());
                c
            }
        };
        if let Some(offer) = offer {
            *st.holders.entry(holder.clone()).or_default().entry(offer).or_default() += 1;
        }
        if class == Licence::Other {
            *ing.unrecognised_licences.entry(l.clone()).or_default() += 1;
        }
        match class {
            Licence::KaizalaPro => {
                kaizala.get_or_insert_with(|| l.clone());
            }
            Licence::Covering(name) => {
                covered_by.get_or_insert(name);
            }
            Licence::Other => {}
        }
    }
    let Some(kaizala_licence) = kaizala else {
        ing.ledger.filtered(origin, Filtered::NoKaizalaLicence);
        return;
    };
    ing.users.push(UserRecord {
        upn,
        display_name: text("display_name"),
        customer_id,
        kaizala_licence,
        covered_by,
        licences,
        origin,
    });
}

/// Whose users a count belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    Customer(String),
    Domain(String),
}

/// Links users that have no customer yet by their domains.
///
/// An admin-center export is one tenant's user list. When the domains in the file point at
/// exactly one customer, every user of the file belongs to it (so `alice@contoso.onmicrosoft.com`
/// goes with `bob@contoso.com`); otherwise each user is linked by its own domain, and users whose
/// domain is no customer's stay unlinked. Returns how the file's domains map to customers.
fn link_by_domain(
    ing: &mut Ingested,
    file: usize,
    first_user: usize,
    domains: &BTreeMap<String, u64>,
) -> DomainOwner {
    if domains.is_empty() {
        return DomainOwner::default();
    }
    let mut owner: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, info) in &ing.customers {
        for d in &info.domains {
            owner.entry(d.as_str()).or_default().insert(id.as_str());
        }
    }
    let matched: BTreeSet<&str> =
        domains.keys().filter_map(|d| owner.get(d.as_str())).flatten().copied().collect();
    let whole_file = if matched.len() == 1 { matched.first().map(|s| s.to_string()) } else { None };
    let mut linked = BTreeSet::new();
    if let Some(c) = &whole_file {
        ing.ledger.files[file].notes.push(format!("users linked to customer {c} by their domains"));
        linked.insert(c.clone());
    }
    let per_domain: BTreeMap<String, String> = owner
        .iter()
        .filter(|(_, ids)| ids.len() == 1)
        .filter_map(|(d, ids)| ids.first().map(|id| (d.to_string(), id.to_string())))
        .collect();
    if whole_file.is_none() {
        for d in domains.keys() {
            if let Some(c) = per_domain.get(d) {
                linked.insert(c.clone());
            }
        }
    }
    ing.customers_with_user_rows.extend(linked);
    for u in &mut ing.users[first_user..] {
        if u.customer_id.is_some() {
            continue;
        }
        u.customer_id = whole_file.clone().or_else(|| {
            let d = u.upn.rsplit_once('@').map(|(_, d)| d.to_lowercase())?;
            per_domain.get(&d).cloned()
        });
    }
    DomainOwner { whole_file, per_domain }
}

/// How the domains of one users file map to customers.
#[derive(Default)]
struct DomainOwner {
    /// The customer the whole file belongs to.
    whole_file: Option<String>,
    /// Domains that belong to exactly one customer.
    per_domain: BTreeMap<String, String>,
}

impl DomainOwner {
    fn customer(&self, domain: &str) -> Option<String> {
        self.whole_file.clone().or_else(|| self.per_domain.get(domain).cloned())
    }
}

/// Splits an admin-center `Licenses` cell into product names.
///
/// Products are joined by `+` with no space on either side; a `+` with a space beside it is part
/// of a product name ("Enterprise Mobility + Security E5"). `Unlicensed` means none.
pub fn split_licences(cell: &str) -> Vec<&str> {
    let cell = cell.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("unlicensed") {
        return Vec::new();
    }
    let bytes = cell.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'+' {
            continue;
        }
        let before = cell[..i].chars().next_back();
        let after = cell[i + 1..].chars().next();
        let joins =
            before.is_some_and(|c| !c.is_whitespace()) && after.is_some_and(|c| !c.is_whitespace());
        if joins {
            out.push(cell[start..i].trim());
            start = i + 1;
        }
    }
    out.push(cell[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_split_only_where_plus_joins_products() {
        assert_eq!(
            split_licences(
                "Visio Plan 2+Microsoft Power Automate Free+Microsoft 365 Business Standard"
            ),
            vec![
                "Visio Plan 2",
                "Microsoft Power Automate Free",
                "Microsoft 365 Business Standard"
            ]
        );
        assert_eq!(
            split_licences("Microsoft Kaizala Pro+Enterprise Mobility + Security E5"),
            vec!["Microsoft Kaizala Pro", "Enterprise Mobility + Security E5"]
        );
        assert_eq!(
            split_licences("Microsoft 365 F5 Security + Compliance Add-on"),
            vec!["Microsoft 365 F5 Security + Compliance Add-on"]
        );
        assert!(split_licences("Unlicensed").is_empty());
        assert!(split_licences("").is_empty());
    }
}
