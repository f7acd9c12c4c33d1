//! The ledger: the fate of every row read, in exactly one bucket (used, filtered out with a
//! reason, rejected with a reason), per file.
//!
//! Ingest opens it and fills the rejections; detect and plan mark the rows they use or leave
//! out, through [`Filtered`] reasons that render to text only here and in the outputs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Kind, Mapping, Status};
use crate::error::{Col, Location, Rejection};

/// Where a record came from: a file (index into the ledger) and a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// Index of the file in the ledger.
    pub file: usize,
    /// Row number as a spreadsheet shows it.
    pub row: u64,
}

/// The product name the reasons' texts are written with; [`Filtered::text`] puts another in its
/// place.
pub const KAIZALA_PRO: &str = "Kaizala Pro";

/// Why a row or a subscription was left out on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Filtered {
    /// A subscription of another offer.
    NotKaizala,
    /// A user without a Kaizala Pro licence.
    NoKaizalaLicence,
    /// A user of a customer with nothing expiring.
    CustomerNotAffected,
    /// A Kaizala Pro user linked to no customer.
    NoCustomer,
    /// A user row repeated in another row.
    DuplicateUser,
    /// A Kaizala Pro subscription already suspended, deleted, expired or disabled.
    AlreadyHandled(Status),
    /// A Kaizala Pro subscription with auto renew on.
    AutoRenewOn,
    /// A Kaizala Pro subscription ending after the horizon.
    OutsideHorizon,
    /// A price list row marked deleted.
    DeletedPrice,
    /// A price list row of a trial offer.
    TrialOffer,
    /// A price list row of a one-time purchase.
    OneTimePurchase,
}

impl Filtered {
    /// Every reason, for reading one back from its text.
    const ALL: [Filtered; 15] = [
        Filtered::NotKaizala,
        Filtered::NoKaizalaLicence,
        Filtered::CustomerNotAffected,
        Filtered::NoCustomer,
        Filtered::DuplicateUser,
        Filtered::AlreadyHandled(Status::Active),
        Filtered::AlreadyHandled(Status::Suspended),
        Filtered::AlreadyHandled(Status::Deleted),
        Filtered::AlreadyHandled(Status::Expired),
        Filtered::AlreadyHandled(Status::Disabled),
        Filtered::AutoRenewOn,
        Filtered::OutsideHorizon,
        Filtered::DeletedPrice,
        Filtered::TrialOffer,
        Filtered::OneTimePurchase,
    ];

    /// The reason in words for a profile's product: the Kaizala Pro wording of [`as_str`]
    /// with the product's name in its place.
    ///
    /// [`as_str`]: Filtered::as_str
    pub fn text(self, product: &str) -> String {
        self.as_str().replace(KAIZALA_PRO, product)
    }

    /// The reason in words for Kaizala Pro (the key the ledger counts reasons by).
    pub fn as_str(self) -> &'static str {
        match self {
            Filtered::NotKaizala => "not Kaizala Pro",
            Filtered::NoKaizalaLicence => "holds no Kaizala Pro licence",
            Filtered::CustomerNotAffected => "customer has no expiring Kaizala Pro subscription",
            Filtered::NoCustomer => "matches no customer of the subscriptions files",
            Filtered::DuplicateUser => "same user as an earlier row",
            Filtered::AlreadyHandled(s) => match s {
                Status::Active => "Kaizala Pro, already active",
                Status::Suspended => "Kaizala Pro, already suspended",
                Status::Deleted => "Kaizala Pro, already deleted",
                Status::Expired => "Kaizala Pro, already expired",
                Status::Disabled => "Kaizala Pro, already disabled",
            },
            Filtered::AutoRenewOn => "Kaizala Pro with auto renew on",
            Filtered::OutsideHorizon => "Kaizala Pro ending after the horizon",
            Filtered::DeletedPrice => "deleted from the price list (DEL)",
            Filtered::TrialOffer => "trial offer (no recurring price)",
            Filtered::OneTimePurchase => "one-time purchase",
        }
    }
}

impl std::fmt::Display for Filtered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Filtered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Filtered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Filtered, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Filtered::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a filter reason")))
    }
}

/// How one file's rows ended.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// Where the file (and sheet) is.
    pub location: Location,
    /// What kind of export it is.
    pub kind: Option<Kind>,
    /// How it was read (encoding, delimiter, workbook).
    pub format: String,
    /// Which known layout the header looks like.
    pub layout: String,
    /// How columns were mapped.
    pub mapping: Mapping,
    /// Data rows read (below the header; blank rows are skipped and not counted).
    pub rows_read: u64,
    /// Rows that went into the plan.
    pub used: u64,
    /// Rows left out on purpose, by reason (its text, so that the summary lists them in order).
    pub filtered: BTreeMap<&'static str, u64>,
    /// Rows that could not be used.
    pub rejected: u64,
    /// Things worth telling about the file.
    pub notes: Vec<String>,
}

impl FileReport {
    /// Rows in all buckets; equals `rows_read` once every row has its fate.
    pub fn accounted(&self) -> u64 {
        self.used + self.filtered.values().sum::<u64>() + self.rejected
    }
}

/// A row left out on purpose that concerns Kaizala Pro (worth listing by row).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FilteredRow {
    /// Where the row is.
    pub location: Location,
    /// Why it was left out.
    pub reason: Filtered,
}

/// The fate of every row read.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// One report per file (or sheet) read.
    pub files: Vec<FileReport>,
    /// Every rejected row with its reason.
    pub rejections: Vec<Rejection>,
    /// Kaizala-related rows filtered out, with their reasons.
    pub filtered_rows: Vec<FilteredRow>,
}

impl Ledger {
    fn location(&self, origin: Origin, col: Option<Col>) -> Location {
        self.files[origin.file].location.at(origin.row, col)
    }

    /// Counts a row as used.
    pub fn used(&mut self, origin: Origin) {
        self.files[origin.file].used += 1;
    }

    /// Counts a row as filtered out.
    pub fn filtered(&mut self, origin: Origin, reason: Filtered) {
        self.filtered_many(origin.file, reason, 1);
    }

    /// Counts `n` rows of a file as filtered out for one reason.
    pub fn filtered_many(&mut self, file: usize, reason: Filtered, n: u64) {
        if n > 0 {
            *self.files[file].filtered.entry(reason.as_str()).or_default() += n;
        }
    }

    /// Counts a Kaizala-related row as filtered out and lists it.
    pub fn filtered_listed(&mut self, origin: Origin, reason: Filtered) {
        self.filtered(origin, reason);
        let location = self.location(origin, None);
        self.filtered_rows.push(FilteredRow { location, reason });
    }

    /// Counts a row as rejected.
    pub fn rejected(&mut self, origin: Origin, col: Option<Col>, reason: String) {
        self.files[origin.file].rejected += 1;
        let location = self.location(origin, col);
        // The reason quotes the value: a huge one is cut, its size noted.
        let reason = crate::escape::bounded(&reason, crate::escape::MAX_REASON).into_owned();
        self.rejections.push(Rejection { location, reason });
    }

    /// The column a field was read from in a file.
    pub fn col(&self, file: usize, field: &str) -> Option<Col> {
        self.files[file].mapping.col(field).cloned()
    }

    /// Where a record's row is, for messages.
    pub fn place(&self, origin: Origin) -> Location {
        self.location(origin, None)
    }

    /// Total rows read and accounted, over all files.
    pub fn totals(&self) -> (u64, u64) {
        self.files.iter().fold((0, 0), |(r, a), f| (r + f.rows_read, a + f.accounted()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_from_its_text() {
        for r in Filtered::ALL {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("{:?}", r.as_str()));
            assert_eq!(serde_json::from_str::<Filtered>(&json).unwrap(), r);
        }
    }
}
