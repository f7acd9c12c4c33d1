//! Ingest: export files in, typed and validated records out, every row accounted for.
//!
//! Owns: reading subscriptions and users files of every supported layout into
//! `SubscriptionRecord`s and `UserRecord`s, merging rows that describe the same subscription,
//! linking users to customers, and the `Ledger` that puts every row read into exactly one
//! bucket (used, filtered out with a reason, rejected with a reason). Later stages only mark
//! the fate of rows through the ledger; they never look at cells.

pub mod columns;
mod ledger;
pub mod overrides;
pub mod prices;
mod subscriptions;
mod users;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use columns::{Aliases, Kind, Mapping};
pub use ledger::{FileReport, Filtered, FilteredRow, Ledger, Origin, KAIZALA_PRO};
pub use users::{read_users, split_licences};

use crate::catalog::Catalog;
use crate::error::{Location, Result};
use crate::guid;
use crate::source::{self, Input, Opened, Row, RowReader};
use values::DateOrder;

/// The life-cycle state of a subscription, from its status column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Active, pending or unknown-but-live: still to be handled.
    Active,
    /// Suspended: already handled.
    Suspended,
    /// Deleted: already handled.
    Deleted,
    /// Expired: already handled.
    Expired,
    /// Disabled: already handled.
    Disabled,
}

impl Status {
    /// Reads a status word (English, or a few translations).
    pub fn parse(s: &str) -> Option<Status> {
        let t = s.trim().to_lowercase();
        Some(match t.as_str() {
            "active" | "pending" | "none" | "aktiv" | "activo" | "actif" | "attivo" | "ativo"
            | "actief" => Status::Active,
            "suspended" | "avstängd" | "angehalten" | "gesperrt" | "suspendido" | "suspendu"
            | "sospeso" | "geschorst" => Status::Suspended,
            "deleted" | "borttagen" | "gelöscht" | "eliminado" | "supprimé" | "verwijderd" => {
                Status::Deleted
            }
            "expired" | "utgången" | "abgelaufen" | "expirado" | "expiré" | "verlopen" => {
                Status::Expired
            }
            "disabled" | "inaktiverad" | "deaktiviert" | "deshabilitado" | "désactivé" => {
                Status::Disabled
            }
            _ => return None,
        })
    }

    /// The status word in lower case (also its `Display`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Deleted => "deleted",
            Status::Expired => "expired",
            Status::Disabled => "disabled",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One subscription, merged from every row that describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRecord {
    /// Partner Center subscription id (GUIDs in canonical lower case).
    pub subscription_id: String,
    /// Customer tenant id, canonical lower case.
    pub customer_id: String,
    /// Offer or product name.
    pub offer_name: Option<String>,
    /// Offer id.
    pub offer_id: Option<String>,
    /// The offer is Kaizala Pro (decided once, when the record is made).
    pub kaizala_pro: bool,
    /// Seats.
    pub quantity: u64,
    /// End of the term.
    pub end_date: NaiveDate,
    /// Auto renew, when the layout has the column.
    pub auto_renew: Option<bool>,
    /// Status, when the layout has the column.
    pub status: Option<Status>,
    /// Start of the term.
    pub start_date: Option<NaiveDate>,
    /// Billing cycle as written (monthly, annual, ...).
    pub billing_cycle: Option<String>,
    /// Unit price as written in the export.
    pub unit_price: Option<Decimal>,
    /// Currency code.
    pub currency: Option<String>,
    /// Every row merged into this record, in reading order.
    pub origins: Vec<Origin>,
}

/// What the subscriptions files say about a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerInfo {
    /// Company name (first non-empty value read).
    pub name: Option<String>,
    /// Domains (lower case).
    pub domains: BTreeSet<String>,
    /// Account manager (first non-empty value read).
    pub account_manager: Option<String>,
    /// Segment as written (first non-empty value read).
    pub segment: Option<String>,
    /// A frontline column said yes for this customer.
    pub frontline: bool,
}

/// A user who holds a Kaizala Pro licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// User principal name as written.
    pub upn: String,
    /// Display name.
    pub display_name: Option<String>,
    /// The customer, once linked.
    pub customer_id: Option<String>,
    /// The Kaizala Pro licence name as the file shows it.
    pub kaizala_licence: String,
    /// A licence the user holds that already carries Kaizala (canonical name).
    pub covered_by: Option<String>,
    /// Every licence the user holds, as written.
    pub licences: Vec<String>,
    /// The offers of replacement plans among them, by their English names, sorted.
    pub offers: Vec<String>,
    /// Where the row is.
    pub origin: Origin,
}

/// Settings ingest needs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Column aliases.
    pub aliases: Aliases,
    /// Day/month order for columns whose values do not decide it.
    pub date_order: Option<DateOrder>,
    /// Which price column of a price list is read.
    pub price_basis: prices::PriceBasis,
    /// Users files at least this large (bytes) are read in parts on every core; 0 splits every
    /// text file.
    pub split_min_bytes: u64,
}

/// The size from which a users file is read in parts on every core.
pub const SPLIT_MIN_BYTES: u64 = 8 << 20;

/// Everything read from the input files.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Subscriptions, merged, in order of first appearance.
    pub subscriptions: Vec<SubscriptionRecord>,
    /// Customers seen in subscriptions files, by tenant id as a number
    /// ([`crate::guid::guid_bits`]).
    pub customers: rustc_hash::FxHashMap<u128, CustomerInfo>,
    /// Users holding Kaizala Pro, linked to customers where possible.
    pub users: Vec<UserRecord>,
    /// Per customer, how many users hold each replacement plan (canonical name), counted over
    /// every row of the users files: the seats of a plan already in use.
    pub replacement_holders: BTreeMap<String, BTreeMap<String, u64>>,
    /// Customers that have at least one row in a users file.
    pub customers_with_user_rows: BTreeSet<String>,
    /// Licence names that are neither Kaizala Pro nor a plan that includes Kaizala, with the
    /// number of users holding each: listed so that a localized name the tables miss is seen.
    pub unrecognised_licences: BTreeMap<String, u64>,
    /// Price list rows, in file order.
    pub prices: Vec<prices::PriceRow>,
    /// Row accounting.
    pub ledger: Ledger,
    /// For each of `subscriptions` while they are being merged, which required values are
    /// known; `subscriptions::finish` then rejects the incomplete ones.
    pub(crate) known: Vec<subscriptions::Known>,
    /// Indexes into `subscriptions` while they are being merged, found by subscription id in any case (see
    /// `subscriptions::id_hash`): no copy of the ids.
    pub(crate) merge_index: hashbrown::HashTable<u32>,
    /// Subscriptions files that lack required columns: which, and the error to give if no
    /// other file has them.
    pub(crate) partial_files: Vec<(Vec<&'static [&'static str]>, crate::error::Error)>,
}

/// Whether a reconciliation row is a cycle charge, and when the charge starts.
pub(crate) type ChargeRank = Option<(bool, Option<NaiveDate>)>;

/// Reads every subscriptions and users file.
pub fn read_all(
    subscriptions: &[Input],
    users: &[Input],
    price_lists: &[Input],
    catalog: &Catalog,
    opts: &IngestOptions,
) -> Result<Ingested> {
    let mut ing = read_subscription_files(subscriptions, catalog, opts)?;
    read_user_files(&mut ing, users, catalog, opts, None)?;
    read_price_files(&mut ing, price_lists, opts)?;
    Ok(ing)
}

/// Reads every subscriptions file and merges their rows into subscriptions.
///
/// Two passes: the first over every file decides each file's column formats and which
/// customers have a Kaizala Pro row in any file; the second parses and merges the rows of those
/// customers only (the others are counted as not Kaizala Pro), so memory follows the customers
/// that matter. A text file is read twice rather than held.
pub fn read_subscription_files(
    subscriptions: &[Input],
    catalog: &Catalog,
    opts: &IngestOptions,
) -> Result<Ingested> {
    let mut ing = Ingested::default();
    let mut kaizala = subscriptions::KaizalaCustomers::default();
    let mut passes = Vec::with_capacity(subscriptions.len());
    for given in subscriptions {
        let (sheets, skipped) = fitting_sheets(given, Kind::Subscriptions, opts)?;
        let first_file = ing.ledger.files.len();
        for input in &sheets {
            passes.push(subscriptions::first_pass(input, opts, catalog, &mut ing, &mut kaizala)?);
        }
        note_skipped(&mut ing.ledger, first_file, skipped);
    }
    let keep = kaizala.filter();
    for pass in passes {
        subscriptions::second_pass(pass, opts, keep.as_ref(), &mut ing)?;
    }
    subscriptions::finish(&mut ing, catalog, &mut kaizala.memo)?;
    Ok(ing)
}

/// Reads every users file. With `affected` (the customers detection found something expiring
/// for), rows of other customers are counted as filtered without reading their licences, so
/// memory and time go to the affected customers.
pub fn read_user_files(
    ing: &mut Ingested,
    users: &[Input],
    catalog: &Catalog,
    opts: &IngestOptions,
    affected: Option<&guid::GuidSet>,
) -> Result<()> {
    for given in users {
        let (sheets, skipped) = fitting_sheets(given, Kind::Users, opts)?;
        let first_file = ing.ledger.files.len();
        for input in &sheets {
            read_users(input, catalog, opts, affected, ing)?;
        }
        note_skipped(&mut ing.ledger, first_file, skipped);
    }
    Ok(())
}

/// The sheets of an input to read as exports of `kind`: a workbook given without `#Sheet`
/// that has several sheets gives one input per sheet whose header fits (each its own entry in
/// the accounting), with a note for each sheet that does not; anything else is read as given.
fn fitting_sheets(
    input: &Input,
    kind: Kind,
    opts: &IngestOptions,
) -> Result<(Vec<Input>, Vec<String>)> {
    let as_given = || Ok((vec![input.clone()], Vec::new()));
    if input.sheet.is_some() {
        return as_given();
    }
    let Opened::Workbook(mut wb) = source::open(input)? else { return as_given() };
    let names = wb.sheet_names();
    if names.len() < 2 {
        return as_given();
    }
    let mut fitting = Vec::new();
    let mut skipped = Vec::new();
    for name in names {
        let mut reader = wb.sheet(&name)?;
        let head = read_head(&mut reader)?;
        match columns::find_header(kind, &opts.aliases, &head, &reader.location) {
            Ok(_) => fitting.push(Input { sheet: Some(name), ..input.clone() }),
            Err(_) if head.iter().all(|r| r.is_blank()) => {
                skipped.push(format!("sheet {name:?} is empty: not read"))
            }
            Err(_) => skipped.push(format!(
                "sheet {name:?} has no header of a {} export: not read",
                kind.name()
            )),
        }
    }
    if fitting.is_empty() {
        // The reader of the first sheet says what is missing.
        return as_given();
    }
    Ok((fitting, skipped))
}

/// Notes on the sheets of a workbook that were not read, on its first sheet that was.
fn note_skipped(ledger: &mut Ledger, first_file: usize, skipped: Vec<String>) {
    if let Some(file) = ledger.files.get_mut(first_file) {
        file.notes.extend(skipped);
    }
}

/// Reads every price list.
pub fn read_price_files(
    ing: &mut Ingested,
    price_lists: &[Input],
    opts: &IngestOptions,
) -> Result<()> {
    for input in price_lists {
        prices::read_prices(input, opts, ing)?;
    }
    Ok(())
}

/// A table positioned below its header row.
pub(crate) struct Table {
    pub reader: RowReader,
    /// The header row.
    pub header: Row,
    /// Rows read ahead while looking for the header, still to be returned.
    pub pending: std::vec::IntoIter<Row>,
    pub mapping: Mapping,
    pub file: usize,
}

impl Table {
    /// The file (and sheet).
    pub fn location(&self) -> Location {
        self.reader.location.clone()
    }

    /// Reads the next non-blank data row into `row`, unless `skip`, shown the row's cells,
    /// turns it down: then only the row number comes back and the row is not decoded.
    pub fn next_unless(
        &mut self,
        row: &mut Row,
        skip: &mut dyn FnMut(&dyn source::Cells) -> bool,
    ) -> Option<Result<source::Next>> {
        loop {
            let next = match self.pending.next() {
                Some(r) => {
                    *row = r;
                    row.skip_by(skip)
                }
                None => match self.reader.next_unless(row, skip)? {
                    Ok(n) => n,
                    Err(e) => return Some(Err(e)),
                },
            };
            if matches!(next, source::Next::Skipped(_)) || !row.is_blank() {
                return Some(Ok(next));
            }
        }
    }

    /// The next non-blank data row.
    pub fn next(&mut self) -> Option<Result<Row>> {
        loop {
            let row = match self.pending.next() {
                Some(r) => r,
                None => match self.reader.next_row()? {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                },
            };
            if !row.is_blank() {
                return Some(Ok(row));
            }
        }
    }
}

/// The customer named with `FILE=CUSTOMER_ID`, checked.
pub(crate) fn file_customer(input: &Input) -> Result<Option<String>> {
    match &input.customer {
        None => Ok(None),
        Some(c) => guid::parse_guid(c).map(Some).ok_or_else(|| {
            crate::error::Error::Usage(format!(
                "{}={c}: the customer after '=' must be a customer tenant id (a GUID)",
                input.name
            ))
        }),
    }
}

/// Opens an input and positions it below the header of the given kind; registers the file in
/// the ledger.
pub(crate) fn open_table(
    input: &Input,
    kind: Kind,
    opts: &IngestOptions,
    ledger: &mut Ledger,
) -> Result<Table> {
    let table = match source::open(input)? {
        Opened::Table(r) => below_header(r, kind, opts, ledger.files.len())?,
        Opened::Workbook(mut wb) => {
            if let Some(sheet) = wb.wanted.clone() {
                below_header(wb.sheet(&sheet)?, kind, opts, ledger.files.len())?
            } else {
                // The first sheet whose header matches this kind of export.
                let mut found = None;
                let mut first_err = None;
                for name in wb.sheet_names() {
                    let mut r = wb.sheet(&name)?;
                    let head = read_head(&mut r)?;
                    match columns::find_header(kind, &opts.aliases, &head, &r.location) {
                        Ok(at) => {
                            found = Some(positioned(r, head, at, ledger.files.len()));
                            break;
                        }
                        Err(e) => {
                            first_err.get_or_insert(e);
                        }
                    }
                }
                match (found, first_err) {
                    (Some(t), _) => t,
                    (None, Some(e)) => return Err(e),
                    (None, None) => {
                        return Err(crate::error::Error::Workbook {
                            location: Box::new(Location::file(input.name.clone(), None)),
                            message: "the workbook has no sheets".into(),
                        })
                    }
                }
            }
        }
    };
    Ok(register(table, kind, ledger))
}

/// Positions an opened table below the header of the given kind; registers it in the ledger.
pub(crate) fn open_table_from(
    reader: RowReader,
    kind: Kind,
    opts: &IngestOptions,
    ledger: &mut Ledger,
) -> Result<Table> {
    let table = below_header(reader, kind, opts, ledger.files.len())?;
    Ok(register(table, kind, ledger))
}

/// Registers a positioned table in the ledger.
fn register(mut table: Table, kind: Kind, ledger: &mut Ledger) -> Table {
    ledger.files.push(FileReport {
        location: table.reader.location.clone(),
        kind: Some(kind),
        format: table.reader.format.clone(),
        mapping: table.mapping.clone(),
        ..Default::default()
    });
    table.file = ledger.files.len() - 1;
    table
}

/// Opens an input as tables to read side by side: a large text file as one table per thread
/// (cut at line ends, see [`source::open_in_parts`]; the first is positioned below the header
/// and registered, the others share its header and mapping and number their rows from their
/// own start), anything else as one table.
pub(crate) fn open_tables(
    input: &Input,
    kind: Kind,
    opts: &IngestOptions,
    ledger: &mut Ledger,
) -> Result<Vec<Table>> {
    let Some(mut readers) = source::open_in_parts(input, parts(), opts.split_min_bytes)? else {
        return Ok(vec![open_table(input, kind, opts, ledger)?]);
    };
    let first = open_table_from(readers.remove(0), kind, opts, ledger)?;
    Ok(with_parts(first, readers))
}

/// The same file again for a second pass, cut where [`open_tables`] cut it when `in_parts`
/// (the cuts depend only on the file), else whole; the file keeps its place in the ledger.
pub(crate) fn reopen_tables(
    input: &Input,
    kind: Kind,
    opts: &IngestOptions,
    file: usize,
    in_parts: bool,
) -> Result<Vec<Table>> {
    if in_parts {
        if let Some(mut readers) = source::open_in_parts(input, parts(), opts.split_min_bytes)? {
            let first = below_header(readers.remove(0), kind, opts, file)?;
            return Ok(with_parts(first, readers));
        }
    }
    Ok(vec![reopen_table(input, kind, opts, file)?])
}

/// How many parts a large file is cut into: a few per thread, so that a thread that finishes
/// its part early takes another instead of waiting for the slowest (parts of equal bytes do
/// not take equal time).
fn parts() -> usize {
    match rayon::current_num_threads() {
        1 => 1,
        n => n * 8,
    }
}

/// Reads a file's tables (see [`open_tables`]) with `read`, in parallel, and gives what each
/// part gave in file order. Should a cut have fallen inside a quoted record (`cut` tells it of
/// a part), the file is read whole instead (`reopen`); the flag says whether the result is
/// still in parts.
pub(crate) fn read_in_parts<T: Send>(
    tables: Vec<Table>,
    reopen: impl FnOnce() -> Result<Table>,
    read: impl Fn(Table) -> Result<T> + Sync,
    cut: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, bool)> {
    use rayon::prelude::*;
    let in_parts = tables.len() > 1;
    let done: Vec<Result<T>> = tables.into_par_iter().map(&read).collect();
    let parts = done.into_iter().collect::<Result<Vec<T>>>()?;
    let last = parts.len().saturating_sub(1);
    if parts.iter().take(last).any(cut) {
        return Ok((vec![read(reopen()?)?], false));
    }
    Ok((parts, in_parts))
}

/// The first part's table followed by tables over the other parts, with its header and mapping.
fn with_parts(first: Table, readers: Vec<RowReader>) -> Vec<Table> {
    let (header, mapping, file) = (first.header.clone(), first.mapping.clone(), first.file);
    let mut tables = vec![first];
    tables.extend(readers.into_iter().map(|reader| Table {
        reader,
        header: header.clone(),
        pending: Vec::new().into_iter(),
        mapping: mapping.clone(),
        file,
    }));
    tables
}

/// Opens a text file again, below the same header, for a second pass; the file keeps its place
/// in the ledger.
pub(crate) fn reopen_table(
    input: &Input,
    kind: Kind,
    opts: &IngestOptions,
    file: usize,
) -> Result<Table> {
    let Opened::Table(reader) = source::open(input)? else {
        return Err(crate::error::Error::Internal(format!(
            "{} changed while it was read",
            input.name
        )));
    };
    below_header(reader, kind, opts, file)
}

/// Finds the header of a kind of export and positions the reader below it.
fn below_header(
    mut reader: RowReader,
    kind: Kind,
    opts: &IngestOptions,
    file: usize,
) -> Result<Table> {
    let head = read_head(&mut reader)?;
    let at = columns::find_header(kind, &opts.aliases, &head, &reader.location)?;
    Ok(positioned(reader, head, at, file))
}

/// A table whose first rows were read into `head`, with its header found at `at`.
fn positioned(reader: RowReader, head: Vec<Row>, at: (usize, Mapping), file: usize) -> Table {
    let (i, mapping) = at;
    let mut rest = head.into_iter().skip(i);
    let header = rest.next().unwrap_or(Row { number: 0, cells: Vec::new() });
    let pending: Vec<Row> = rest.collect();
    Table { reader, header, pending: pending.into_iter(), mapping, file }
}

fn read_head(reader: &mut RowReader) -> Result<Vec<Row>> {
    let mut head = Vec::new();
    while head.len() < columns::HEADER_SEARCH_ROWS {
        match reader.next_row() {
            Some(Ok(r)) => head.push(r),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    Ok(head)
}
