//! Users files: the admin center "Export users" CSV (both header layouts) and a combined layout
//! with a customer column.
//!
//! Owns: splitting the `Licenses` cell, keeping only users that hold Kaizala Pro (the others are
//! counted and dropped at once, so memory follows the affected users only), and linking users to
//! customers: by the customer column, by `FILE=CUSTOMER_ID`, or by the domain of their user
//! principal name against the customers' domains.

use std::collections::{BTreeMap, BTreeSet};

use super::{values, Filtered, IngestOptions, Ingested, Kind, Origin, UserRecord};
use crate::catalog::{Catalog, Licence};
use crate::error::{Col, Result};
use crate::guid::{self, GuidSet};
use crate::source::Input;

/// Reads one users file into `ing` and links its users to customers.
///
/// A large text file is read in parts on every core (issue 12): cut at line ends, each part
/// read on its own thread into a [`Part`], the parts then merged in file order with their row
/// numbers moved up by the rows before them, so the result is the one reading it whole gives.
/// Should a cut fall inside a quoted record, the file is read again whole.
pub fn read_users(
    input: &Input,
    catalog: &Catalog,
    opts: &IngestOptions,
    affected: Option<&GuidSet>,
    ing: &mut Ingested,
) -> Result<()> {
    let file_customer = super::file_customer(input)?;
    let tables = super::open_tables(input, Kind::Users, opts, &mut ing.ledger)?;
    let first = &tables[0];
    first.mapping.check_required(Kind::Users, &opts.aliases, &first.location(), &first.header)?;
    let file = first.file;
    // Rows of customers with nothing expiring are counted and left on the raw bytes of their
    // customer cell: no decoding, no allocation, no licence parsing (most rows of a
    // distributor's export).
    let file_customer_unaffected = match (affected, &file_customer) {
        (Some(a), Some(c)) => guid::guid_bits(c.as_bytes()).is_some_and(|g| !a.contains(&g)),
        _ => false,
    };
    let ctx = FileCtx {
        file,
        m: first.mapping.clone(),
        customer_col: first.mapping.col("customer_id").map_or(usize::MAX, |c| c.index),
        file_customer,
        file_customer_unaffected,
        affected,
        catalog,
    };
    let (read, _) = super::read_in_parts(
        tables,
        || super::reopen_table(input, Kind::Users, opts, file),
        |t| read_part(&ctx, t),
        |p: &Part| p.cut_inside_record,
    )?;
    let first_user = ing.users.len();
    let (domains, holders) = merge(read, file, ing);
    ing.ledger.files[file].layout = if ctx.m.col("customer_id").is_some() {
        "users with a customer column".into()
    } else {
        "Microsoft 365 admin center user export".into()
    };
    let owner_of_domain = link_by_domain(ing, file, first_user, &domains);
    for (holder, offers) in holders {
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

type Holders = BTreeMap<Holder, BTreeMap<String, u64>>;

/// Puts the parts into `ing` in file order, each one's row numbers after the rows of those
/// before it; the domains and holders of the whole file.
fn merge(parts: Vec<Part>, file: usize, ing: &mut Ingested) -> (BTreeMap<String, u64>, Holders) {
    let mut base = 0;
    let (mut domains, mut holders) = (BTreeMap::new(), Holders::new());
    let mut notes: Vec<String> = Vec::new();
    for part in parts {
        for mut u in part.users {
            u.origin.row += base;
            ing.users.push(u);
        }
        for (mut origin, col, reason) in part.rejections {
            origin.row += base;
            ing.ledger.rejected(origin, col, reason);
        }
        ing.ledger.filtered_many(file, Filtered::NoKaizalaLicence, part.no_licence);
        ing.ledger.filtered_many(file, Filtered::CustomerNotAffected, part.passed_over);
        ing.ledger.files[file].rows_read += part.rows_read;
        ing.customers_with_user_rows.extend(part.customers);
        for (l, n) in part.unrecognised {
            *ing.unrecognised_licences.entry(l).or_default() += n;
        }
        for (d, n) in part.domains {
            *domains.entry(d).or_default() += n;
        }
        for (h, offers) in part.holders {
            let slot: &mut BTreeMap<String, u64> = holders.entry(h).or_default();
            for (o, n) in offers {
                *slot.entry(o).or_default() += n;
            }
        }
        for note in part.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        base += part.rows_spanned;
    }
    ing.ledger.files[file].notes.extend(notes);
    (domains, holders)
}

/// What every part of one users file reads with.
struct FileCtx<'a> {
    file: usize,
    m: super::Mapping,
    customer_col: usize,
    file_customer: Option<String>,
    file_customer_unaffected: bool,
    affected: Option<&'a GuidSet>,
    catalog: &'a Catalog,
}

impl FileCtx<'_> {
    /// A field's text in a row, trimmed; `None` when empty or the file has no such column.
    fn text(&self, row: &crate::source::Row, field: &str) -> Option<String> {
        self.m
            .col(field)
            .map(|c| row.cell(c.index).text_ref().trim().to_string())
            .filter(|t| !t.is_empty())
    }
}

/// What one part of a users file gave, in row order, its row numbers counted from the part's
/// start (the first part's from the file's).
#[derive(Default)]
struct Part {
    rows_read: u64,
    /// Rows of customers with nothing expiring, passed over undecoded.
    passed_over: u64,
    /// Rows of users without a Kaizala Pro licence.
    no_licence: u64,
    users: Vec<UserRecord>,
    rejections: Vec<(Origin, Option<Col>, String)>,
    /// Customers with at least one row.
    customers: BTreeSet<String>,
    unrecognised: BTreeMap<String, u64>,
    /// Domains of users with no customer of their own, for linking the file by domain.
    domains: BTreeMap<String, u64>,
    /// Holders of each replacement offer, by customer, or by domain until the file is linked.
    holders: Holders,
    /// Licence names repeat across users: each distinct name is classified once.
    known: std::collections::HashMap<String, (Licence, Option<String>)>,
    /// Row numbers the part spanned, and whether its end fell inside a quoted record.
    rows_spanned: u64,
    cut_inside_record: bool,
    notes: Vec<String>,
}

/// Reads one part of a users file.
fn read_part(ctx: &FileCtx<'_>, mut table: super::Table) -> Result<Part> {
    let mut part = Part::default();
    let mut filter = values::CustomerFilter::new(ctx.affected, ctx.file_customer_unaffected);
    let mut skip = |cells: &dyn crate::source::Cells| filter.row_outside(cells, ctx.customer_col);
    let mut row = crate::source::Row { number: 0, cells: Vec::new() };
    while let Some(next) = table.next_unless(&mut row, &mut skip) {
        part.rows_read += 1;
        if let crate::source::Next::Skipped(_) = next? {
            part.passed_over += 1;
            continue;
        }
        take_row(ctx, &mut part, &row);
    }
    part.rows_spanned = table.reader.rows_spanned();
    part.cut_inside_record = table.reader.cut_inside_record();
    part.notes = table.reader.notes();
    Ok(part)
}

/// Who a row's user is: user principal name, its domain and the customer (the row's own, else
/// the file's); `None` when the row was rejected.
fn identity(
    ctx: &FileCtx<'_>,
    part: &mut Part,
    row: &crate::source::Row,
) -> Option<(String, String, Option<String>)> {
    let origin = Origin { file: ctx.file, row: row.number };
    let text = |field: &str| ctx.text(row, field);
    let mut reject = |field: &str, reason: String| {
        part.rejections.push((origin, ctx.m.col(field).cloned(), reason));
    };
    let Some(upn) = text("upn") else {
        reject("upn", "empty, but the user principal name is required".into());
        return None;
    };
    let Some(domain) =
        upn.rsplit_once('@').map(|(_, d)| d.to_lowercase()).filter(|d| !d.is_empty())
    else {
        reject("upn", format!("{upn:?} is not a user principal name (no @domain)"));
        return None;
    };
    let customer_id = match text("customer_id") {
        Some(raw) => match guid::parse_guid(&raw) {
            Some(g) => Some(g),
            None => {
                reject("customer_id", format!("{raw:?} is not a customer tenant id (a GUID)"));
                return None;
            }
        },
        None => ctx.file_customer.clone(),
    };
    Some((upn, domain, customer_id))
}

/// One decoded row: a user with a Kaizala Pro licence, a row filtered out, or a rejection.
fn take_row(ctx: &FileCtx<'_>, part: &mut Part, row: &crate::source::Row) {
    let fields = ctx.m.fields.iter().map(|(&f, c)| (f, c.index));
    if let Some((field, reason)) = values::first_bad_cell(row, fields) {
        let origin = Origin { file: ctx.file, row: row.number };
        part.rejections.push((origin, ctx.m.col(field).cloned(), reason));
        return;
    }
    let Some((upn, domain, customer_id)) = identity(ctx, part, row) else {
        return;
    };
    let origin = Origin { file: ctx.file, row: row.number };
    let text = |field: &str| ctx.text(row, field);
    match &customer_id {
        Some(c) => {
            part.customers.insert(c.clone());
        }
        None => *part.domains.entry(domain.clone()).or_default() += 1,
    }
    let licences: Vec<String> = text("licenses")
        .map(|l| split_licences(&l).into_iter().map(str::to_string).collect())
        .unwrap_or_default();
    let holder = match &customer_id {
        Some(c) => Holder::Customer(c.clone()),
        None => Holder::Domain(domain.clone()),
    };
    let (kaizala, covered_by, offers) = classify(ctx.catalog, part, &licences, &holder);
    let Some(kaizala_licence) = kaizala else {
        part.no_licence += 1;
        return;
    };
    part.users.push(UserRecord {
        upn,
        display_name: text("display_name"),
        customer_id,
        kaizala_licence,
        covered_by,
        licences,
        offers,
        origin,
    });
}

/// A user's Kaizala Pro licence, the licence that covers Kaizala, if any, and the replacement
/// offers held (sorted); counts those offers and the licences the tables do not know.
fn classify(
    catalog: &Catalog,
    part: &mut Part,
    licences: &[String],
    holder: &Holder,
) -> (Option<String>, Option<String>, Vec<String>) {
    let (mut kaizala, mut covered_by) = (None, None);
    let mut offers_held = Vec::new();
    for l in licences {
        let (class, offer) = match part.known.get(l) {
            Some(c) => c.clone(),
            None => {
                let c = (catalog.licence(l), catalog.offer_of(l).map(str::to_string));
                part.known.insert(l.clone(), c.clone());
                c
            }
        };
        if let Some(offer) = offer {
            *part.holders.entry(holder.clone()).or_default().entry(offer.clone()).or_default() += 1;
            offers_held.push(offer);
        }
        match class {
            Licence::KaizalaPro => {
                kaizala.get_or_insert_with(|| l.clone());
            }
            Licence::Covering(name) => {
                covered_by.get_or_insert(name);
            }
            Licence::Other => *part.unrecognised.entry(l.clone()).or_default() += 1,
            Licence::Product => {}
        }
    }
    // Every offer of a replacement of several, held together, covers too.
    if covered_by.is_none() && offers_held.len() > 1 {
        let held = offers_held.iter().map(String::as_str).collect();
        covered_by = catalog.held_together(&held).map(|r| r.name.clone());
    }
    offers_held.sort_unstable();
    offers_held.dedup();
    (kaizala, covered_by, offers_held)
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
    // Customers by tenant id as a number; written as text only for the links made.
    let mut owner: BTreeMap<&str, BTreeSet<u128>> = BTreeMap::new();
    for (&id, info) in &ing.customers {
        for d in &info.domains {
            owner.entry(d.as_str()).or_default().insert(id);
        }
    }
    let matched: BTreeSet<u128> =
        domains.keys().filter_map(|d| owner.get(d.as_str())).flatten().copied().collect();
    let whole_file = match matched.len() {
        1 => matched.first().map(|&c| crate::guid::guid_text(c)),
        _ => None,
    };
    let mut linked = BTreeSet::new();
    if let Some(c) = &whole_file {
        ing.ledger.files[file].notes.push(format!("users linked to customer {c} by their domains"));
        linked.insert(c.clone());
    }
    let per_domain: BTreeMap<String, String> = owner
        .iter()
        .filter(|(_, ids)| ids.len() == 1)
        .filter_map(|(d, ids)| ids.first().map(|&id| (d.to_string(), crate::guid::guid_text(id))))
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
