//! Which column holds which field: the alias table and header-row detection.
//!
//! Owns: the fields of each kind of export, the alias table (shipped as `data/columns.toml`,
//! extended by `--columns FILE`), finding the header row below any title rows, and the mapping
//! report `check` prints. Reading cells is left to `source`, their values to `values`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::values::normalize_header;
use crate::error::{Col, Error, Location, Result};
use crate::source::Row;

/// The built-in alias table.
const BUILTIN: &str = include_str!("../../data/columns.toml");

/// How many rows from the top are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// The kinds of export the tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Subscriptions (API export, batch migration tool CSV, reconciliation files, ...).
    Subscriptions,
    /// Users with their licences.
    Users,
    /// Price lists.
    Prices,
}

impl Kind {
    /// The section name in the alias table.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Subscriptions => "subscriptions",
            Kind::Users => "users",
            Kind::Prices => "prices",
        }
    }

    /// Every field of this kind, in the order columns are claimed.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Subscriptions => &[
                "customer_id",
                "subscription_id",
                "offer_id",
                "offer_name",
                "quantity",
                "end_date",
                "auto_renew",
                "status",
                "start_date",
                "billing_cycle",
                "unit_price",
                "currency",
                "customer_name",
                "domain",
                "account_manager",
                "segment",
                "frontline",
                "charge_type",
                "charge_start",
            ],
            Kind::Users => &["customer_id", "upn", "display_name", "licenses"],
            Kind::Prices => &[
                "offer_name",
                "offer_id",
                "product_id",
                "sku_id",
                "unit_price",
                "erp_price",
                "currency",
                "billing",
                "term",
                "segment",
                "market",
                "tier_min",
                "tier_max",
                "effective_start",
                "effective_end",
                "change",
                "tags",
                "license_type",
            ],
        }
    }

    /// The field that must be present for a row to count as this kind's header.
    fn key(self) -> &'static str {
        match self {
            Kind::Subscriptions => "subscription_id",
            Kind::Users => "upn",
            Kind::Prices => "unit_price",
        }
    }

    /// Fields that must be mapped; each inner list is satisfied by any one of its fields.
    pub fn required(self) -> &'static [&'static [&'static str]] {
        match self {
            Kind::Subscriptions => &[
                &["customer_id"],
                &["subscription_id"],
                &["offer_name", "offer_id"],
                &["quantity"],
                &["end_date"],
            ],
            Kind::Users => &[&["upn"], &["licenses"]],
            Kind::Prices => &[&["offer_name", "offer_id"], &["unit_price"]],
        }
    }
}

/// Header names per kind and field, in the order they are tried.
#[derive(Debug, Clone)]
pub struct Aliases {
    table: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
struct AliasFile(BTreeMap<String, BTreeMap<String, Vec<String>>>);

impl Aliases {
    /// The built-in table.
    pub fn builtin() -> Aliases {
        // The built-in table is part of the binary; a unit test proves it parses.
        let table = toml::from_str::<AliasFile>(BUILTIN).map(|f| f.0).unwrap_or_default();
        Aliases { table }
    }

    /// The built-in table with a user's own names (TOML, same layout) tried first.
    pub fn with_user_file(path: &std::path::Path) -> Result<Aliases> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: name.clone(), source })?;
        let user: AliasFile = toml::from_str(&text).map_err(|e| Error::File {
            path: name.clone(),
            message: format!("not a valid column mapping file: {e}"),
        })?;
        let mut aliases = Aliases::builtin();
        for (kind, fields) in user.0 {
            let known: Option<&[&str]> = match kind.as_str() {
                "subscriptions" => Some(Kind::Subscriptions.fields()),
                "users" => Some(Kind::Users.fields()),
                "prices" => Some(Kind::Prices.fields()),
                _ => None,
            };
            let Some(known) = known else {
                return Err(Error::File {
                    path: name,
                    message: format!(
                        "unknown section [{kind}]; use [subscriptions], [users] or [prices]"
                    ),
                });
            };
            for (field, mut names) in fields {
                if !known.contains(&field.as_str()) {
                    return Err(Error::File {
                        path: name,
                        message: format!(
                            "[{kind}] has no field {field:?}; fields: {}",
                            known.join(", ")
                        ),
                    });
                }
                let slot = aliases.table.entry(kind.clone()).or_default().entry(field).or_default();
                names.append(slot);
                *slot = names;
            }
        }
        Ok(aliases)
    }

    /// The names accepted for a field.
    pub fn names(&self, kind: Kind, field: &str) -> &[String] {
        self.table.get(kind.name()).and_then(|f| f.get(field)).map_or(&[], Vec::as_slice)
    }
}

/// How the columns of one table were mapped to fields.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// The column each mapped field was read from.
    pub fields: BTreeMap<&'static str, Col>,
    /// Columns no field uses.
    pub ignored: Vec<Col>,
}

impl Mapping {
    /// Maps the cells of a header row.
    pub fn from_header(kind: Kind, aliases: &Aliases, header: &Row) -> Mapping {
        let cols: Vec<(Col, String)> = header
            .cells
            .iter()
            .enumerate()
            .map(|(index, cell)| {
                let text = cell.text().trim().trim_start_matches('\u{feff}').to_string();
                let norm = normalize_header(&text);
                (Col { index, header: text }, norm)
            })
            .collect();
        let mut claimed = vec![false; cols.len()];
        let mut fields = BTreeMap::new();
        for &field in kind.fields() {
            'names: for name in aliases.names(kind, field) {
                let want = normalize_header(name);
                for (i, (col, norm)) in cols.iter().enumerate() {
                    if !claimed[i] && !norm.is_empty() && *norm == want {
                        claimed[i] = true;
                        fields.insert(field, col.clone());
                        break 'names;
                    }
                }
            }
        }
        let ignored = cols
            .into_iter()
            .zip(claimed)
            .filter(|((_, norm), used)| !used && !norm.is_empty())
            .map(|((col, _), _)| col)
            .collect();
        Mapping { fields, ignored }
    }

    /// The column of a field, if mapped.
    pub fn col(&self, field: &str) -> Option<&Col> {
        self.fields.get(field)
    }

    /// True when the row could be this kind's header: the key field and one more are mapped.
    fn looks_like_header(&self, kind: Kind) -> bool {
        self.fields.contains_key(kind.key()) && self.fields.len() >= 2
    }

    /// Checks that every required field is mapped.
    pub fn check_required(
        &self,
        kind: Kind,
        aliases: &Aliases,
        location: &Location,
        header: &Row,
    ) -> Result<()> {
        let missing: Vec<&[&str]> = kind
            .required()
            .iter()
            .copied()
            .filter(|any| !any.iter().any(|f| self.fields.contains_key(f)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let accepted: Vec<String> = missing
            .iter()
            .flat_map(|any| any.iter())
            .map(|f| format!("{f}: {}", aliases.names(kind, f).join(" | ")))
            .collect();
        Err(Error::MissingColumns {
            location: Box::new(location.at(header.number, None)),
            missing: missing.iter().map(|any| any.join(" or ")).collect::<Vec<_>>().join(", "),
            found: header_names(header),
            accepted: accepted.join("; "),
        })
    }
}

/// The non-blank cells of a header row, quoted, for messages.
pub(crate) fn header_names(header: &Row) -> String {
    header
        .cells
        .iter()
        .map(|c| c.text())
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the header row among the first rows: the first row that maps the kind's key field and
/// at least one other. Returns the index into `rows` and the mapping.
pub fn find_header(
    kind: Kind,
    aliases: &Aliases,
    rows: &[Row],
    location: &Location,
) -> Result<(usize, Mapping)> {
    for (i, row) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let mapping = Mapping::from_header(kind, aliases, row);
        if mapping.looks_like_header(kind) {
            return Ok((i, mapping));
        }
    }
    let searched = match rows.len().min(HEADER_SEARCH_ROWS) {
        0 => "(the file has no rows: is it empty?)".to_string(),
        n => format!("in the first {n} rows"),
    };
    // A header of another kind of export: say what the file is and which option takes it.
    let other = [Kind::Subscriptions, Kind::Users, Kind::Prices]
        .into_iter()
        .filter(|&k| k != kind)
        .find_map(|k| {
            rows.iter().take(HEADER_SEARCH_ROWS).find_map(|row| {
                Mapping::from_header(k, aliases, row)
                    .looks_like_header(k)
                    .then_some((k, row.number))
            })
        });
    let hint = match other {
        Some((k, at)) => format!(
            "its row {at} is the header of a {} export: give the file with --{} instead",
            k.name(),
            k.name()
        ),
        None => format!(
            "a header needs a {} column (one of: {}) and at least one other known column",
            kind.key(),
            aliases.names(kind, kind.key()).join(" | ")
        ),
    };
    Err(Error::NoHeader { location: Box::new(location.clone()), kind: kind.name(), searched, hint })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Cell;

    fn row(cells: &[&str]) -> Row {
        Row { number: 1, cells: cells.iter().map(|c| Cell::Text(c.to_string())).collect() }
    }

    #[test]
    fn builtin_table_parses_and_covers_every_field() {
        let a = Aliases::builtin();
        for kind in [Kind::Subscriptions, Kind::Users, Kind::Prices] {
            for f in kind.fields() {
                assert!(!a.names(kind, f).is_empty(), "{} {f}", kind.name());
            }
        }
    }

    #[test]
    fn recon_prefers_the_partner_center_subscription_id() {
        let a = Aliases::builtin();
        let h = row(&[
            "PartnerId",
            "CustomerId",
            "SubscriptionId",
            "SyndicationPartnerSubscriptionNumber",
            "OfferId",
            "DurableOfferId",
            "OfferName",
            "SubscriptionEndDate",
            "Quantity",
        ]);
        let m = Mapping::from_header(Kind::Subscriptions, &a, &h);
        assert_eq!(
            m.col("subscription_id").unwrap().header,
            "SyndicationPartnerSubscriptionNumber"
        );
        assert_eq!(m.col("offer_id").unwrap().header, "DurableOfferId");
        assert!(m.ignored.iter().any(|c| c.header == "SubscriptionId"));
    }

    #[test]
    fn headers_match_regardless_of_case_and_separators() {
        let a = Aliases::builtin();
        let h = row(&[
            "\u{feff}customer_tenant_id",
            "SUBSCRIPTION ID",
            "offer name",
            "qty",
            "End-Date",
        ]);
        let m = Mapping::from_header(Kind::Subscriptions, &a, &h);
        assert_eq!(m.col("customer_id").unwrap().index, 0);
        assert_eq!(m.col("subscription_id").unwrap().index, 1);
        assert_eq!(m.col("end_date").unwrap().index, 4);
        assert!(m.col("quantity").is_none());
    }

    #[test]
    fn header_row_is_found_below_a_title() {
        let a = Aliases::builtin();
        let rows = vec![
            row(&["Subscriptions for all customers"]),
            row(&[""]),
            row(&["Customer Id", "Subscription Id", "Offer Name", "Quantity", "End date"]),
        ];
        let loc = Location::file("s.csv", None);
        let (i, m) = find_header(Kind::Subscriptions, &a, &rows, &loc).unwrap();
        assert_eq!(i, 2);
        assert!(m.check_required(Kind::Subscriptions, &a, &loc, &rows[2]).is_ok());
    }

    #[test]
    fn missing_column_error_lists_found_and_accepted_names() {
        let a = Aliases::builtin();
        let h = row(&["CustomerId", "SubscriptionId", "OfferName", "Quantity"]);
        let m = Mapping::from_header(Kind::Subscriptions, &a, &h);
        let err = m
            .check_required(Kind::Subscriptions, &a, &Location::file("s.csv", None), &h)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.csv:1: missing required column(s) end_date;"), "{err}");
        assert!(err.contains("\"Quantity\""), "{err}");
        assert!(err.contains("CommitmentEndDate"), "{err}");
    }
}
