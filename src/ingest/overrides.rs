//! Reading an edited worksheet back: the account manager's changes per customer and the
//! status of each user's change.
//!
//! Owns: finding the "Customers" sheet of a consolidated or per-customer workbook and reading,
//! per row, the target plan, seats to buy, term, billing, include flag, step statuses and
//! notes; and from the "Users" sheet, when the workbook has it, each user's status. A target,
//! seat, term or billing cell counts as edited only when it differs from the hidden
//! "Recommended ..." column written beside it, so unedited cells change nothing even when the
//! input has changed since. Statuses are read as text with their place; whether an edit is
//! allowed is decided by `plan::overrides`.

use super::prices::{Billing, Term};
use super::values;
use crate::error::{Error, Location, Result};
use crate::guid;
use crate::source::{self, Cell, Input, Opened, Row};
use crate::worksheet_layout::{headers, users, CUSTOMERS_SHEET, USERS_SHEET};

/// One customer's edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Customer tenant id.
    pub customer_id: String,
    /// The row.
    pub location: Location,
    /// A new target plan, as typed, and where.
    pub target: Option<(String, Location)>,
    /// A new seat count, and where.
    pub seats: Option<(u64, Location)>,
    /// A new commitment term for a new subscription, and where.
    pub term: Option<(Term, Location)>,
    /// A new billing frequency for a new subscription, and where.
    pub billing: Option<(Billing, Location)>,
    /// False when the row says Include = No.
    pub include: bool,
    /// The Include cell.
    pub include_at: Location,
    /// The statuses of steps A, B and C as written (empty cells and missing columns are
    /// `None`), with their places.
    pub steps: [Option<(String, Location)>; 3],
    /// The account manager's notes, and where.
    pub notes: Option<(String, Location)>,
}

/// One user's status, from the "Users" sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserStatus {
    /// Customer tenant id.
    pub customer_id: String,
    /// User principal name, as written.
    pub upn: String,
    /// The status as written.
    pub status: String,
    /// The cell.
    pub location: Location,
}

/// Everything a worksheet workbook hands back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Worksheet {
    /// The "Customers" rows, in order.
    pub customers: Vec<Override>,
    /// The "Users" rows with a status, in order (none when the workbook has no such sheet).
    pub users: Vec<UserStatus>,
}

fn cell_text(row: &Row, index: Option<usize>) -> String {
    index.map(|i| row.cell(i).text().trim().to_string()).unwrap_or_default()
}

/// Reads the edits from a worksheet workbook.
pub fn read(input: &Input) -> Result<Worksheet> {
    let mut wb = match source::open(input)? {
        Opened::Workbook(wb) => wb,
        Opened::Table(_) => {
            return Err(Error::File {
                path: input.name.clone(),
                message: "not a workbook: a worksheet kaizala-migrate wrote is an .xlsx workbook (worksheet.xlsx, worksheets/<customer>.xlsx or by-account-manager/<name>.xlsx); was it saved in another format?".into(),
            })
        }
    };
    let sheet = wb.wanted.clone().unwrap_or_else(|| CUSTOMERS_SHEET.to_string());
    let (rows, location) = all_rows(&mut wb, &sheet)?;
    let header_at = header_row(&rows, &location)?;
    let cols = Columns::find(&rows[header_at], location)?;
    let customers = rows
        .iter()
        .skip(header_at + 1)
        .filter(|r| !r.is_blank())
        .map(|row| cols.edit(row))
        .collect::<Result<Vec<_>>>()?;
    // The users' statuses come from the workbook's "Users" sheet, when it has one (a
    // "Customers" sheet named with `#Sheet`, or saved alone, hands back the customers only).
    let users = if wb.wanted.is_none() && wb.sheet_names().iter().any(|s| s == USERS_SHEET) {
        read_users(&mut wb)?
    } else {
        Vec::new()
    };
    Ok(Worksheet { customers, users })
}

fn all_rows(wb: &mut source::Workbook, sheet: &str) -> Result<(Vec<Row>, Location)> {
    let mut reader = wb.sheet(sheet)?;
    let location = reader.location.clone();
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row() {
        rows.push(row?);
    }
    Ok((rows, location))
}

fn header_row(rows: &[Row], location: &Location) -> Result<usize> {
    rows.iter()
        .position(|r| r.cells.iter().any(|c| c.text().trim() == headers::CUSTOMER_ID))
        .ok_or_else(|| Error::Value {
            location: Box::new(location.clone()),
            message: format!("no header row with a {:?} column", headers::CUSTOMER_ID),
        })
}

/// The "Users" sheet's statuses.
fn read_users(wb: &mut source::Workbook) -> Result<Vec<UserStatus>> {
    let (rows, location) = all_rows(wb, USERS_SHEET)?;
    let header_at = header_row(&rows, &location)?;
    let header = &rows[header_at];
    let col = |name: &str| header.cells.iter().position(|c| c.text().trim() == name);
    let (Some(id), Some(upn), Some(status)) =
        (col(headers::CUSTOMER_ID), col(users::UPN), col(users::STATUS))
    else {
        // Not a users sheet the tool wrote: it has no statuses to hand back.
        return Ok(Vec::new());
    };
    let at = |row: &Row, index: usize| {
        let header = header.cell(index).text().trim().to_string();
        location.at(row.number, Some(crate::error::Col { index, header }))
    };
    let mut out = Vec::new();
    for row in rows.iter().skip(header_at + 1).filter(|r| !r.is_blank()) {
        if let Some((i, why)) = [id, upn, status]
            .into_iter()
            .find_map(|i| values::bad_cell(row.cell(i)).map(|w| (i, w)))
        {
            return Err(Error::Value { location: Box::new(at(row, i)), message: why });
        }
        let raw_id = cell_text(row, Some(id));
        let customer_id = guid::parse_guid(&raw_id).ok_or_else(|| Error::Value {
            location: Box::new(at(row, id)),
            message: format!("{raw_id:?} is not a customer tenant id (a GUID)"),
        })?;
        let text = cell_text(row, Some(status));
        if text.is_empty() {
            continue;
        }
        out.push(UserStatus {
            customer_id,
            upn: cell_text(row, Some(upn)),
            status: text,
            location: at(row, status),
        });
    }
    Ok(out)
}

/// Where the worksheet's columns are.
struct Columns<'a> {
    location: Location,
    header: &'a Row,
    id: usize,
    target: usize,
    seats: usize,
    include: usize,
    recommended_target: usize,
    recommended_seats: usize,
    /// Term and billing with their recommended columns (worksheets written before these
    /// columns existed have none).
    term: Option<(usize, usize)>,
    billing: Option<(usize, usize)>,
    steps: [Option<usize>; 3],
    notes: Option<usize>,
}

impl<'a> Columns<'a> {
    fn find(header: &'a Row, location: Location) -> Result<Columns<'a>> {
        let col = |name: &str| header.cells.iter().position(|c| c.text().trim() == name);
        let col_of = |name: &'static str| -> Result<usize> {
            col(name).ok_or_else(|| Error::Value {
                location: Box::new(location.at(header.number, None)),
                message: format!(
                    "no {name:?} column: is this a worksheet written by kaizala-migrate?"
                ),
            })
        };
        let pair = |a: &str, b: &str| col(a).zip(col(b));
        Ok(Columns {
            id: col_of(headers::CUSTOMER_ID)?,
            target: col_of(headers::TARGET)?,
            seats: col_of(headers::SEATS)?,
            include: col_of(headers::INCLUDE)?,
            recommended_target: col_of(headers::RECOMMENDED_TARGET)?,
            recommended_seats: col_of(headers::RECOMMENDED_SEATS)?,
            term: pair(headers::TERM, headers::RECOMMENDED_TERM),
            billing: pair(headers::BILLING, headers::RECOMMENDED_BILLING),
            steps: headers::STEPS.map(col),
            notes: col(headers::NOTES),
            location,
            header,
        })
    }

    /// A cell's place, with its column's header.
    fn at(&self, row: &Row, index: usize) -> Location {
        let header = self.header.cell(index).text().trim().to_string();
        self.location.at(row.number, Some(crate::error::Col { index, header }))
    }

    /// The edits one row makes: values that differ from the recommended ones.
    fn edit(&self, row: &Row) -> Result<Override> {
        // A damaged or overlong cell in a column the edits are read from is an error at it.
        let read = [self.id, self.target, self.seats, self.include];
        let recommended = [self.recommended_target, self.recommended_seats];
        let pairs = [self.term, self.billing].into_iter().flatten().flat_map(|(a, b)| [a, b]);
        let mut columns = read
            .into_iter()
            .chain(recommended)
            .chain(pairs)
            .chain(self.steps.into_iter().flatten())
            .chain(self.notes);
        if let Some((i, why)) = columns.find_map(|i| values::bad_cell(row.cell(i)).map(|w| (i, w)))
        {
            return Err(Error::Value { location: Box::new(self.at(row, i)), message: why });
        }
        let raw_id = cell_text(row, Some(self.id));
        let customer_id = guid::parse_guid(&raw_id).ok_or_else(|| Error::Value {
            location: Box::new(self.at(row, self.id)),
            message: format!("{raw_id:?} is not a customer tenant id (a GUID)"),
        })?;
        let target_text = cell_text(row, Some(self.target));
        let recommended = cell_text(row, Some(self.recommended_target));
        let target = (!target_text.is_empty() && !target_text.eq_ignore_ascii_case(&recommended))
            .then(|| (target_text.clone(), self.at(row, self.target)));
        let seats = match (self.seats(row, self.seats)?, self.seats(row, self.recommended_seats)?) {
            (Some(n), rec) if Some(n) != rec => Some((n, self.at(row, self.seats))),
            _ => None,
        };
        let term = self.edited(row, self.term, |t| {
            Term::parse(t).filter(|t| Term::PURCHASABLE.contains(t)).ok_or_else(|| {
                format!("{t:?} is not a term a subscription can be bought for (1 month, 1 year, 3 years)")
            })
        })?;
        let billing = self.edited(row, self.billing, |b| {
            Billing::parse(b).map_err(|_| {
                format!("{b:?} is not a billing frequency (monthly, annual, triennial)")
            })
        })?;
        let include_text = cell_text(row, Some(self.include));
        let include = match row.cell(self.include) {
            Cell::Bool(b) => *b,
            _ if include_text.is_empty() => true,
            _ => values::parse_bool(&include_text).ok_or_else(|| Error::Value {
                location: Box::new(self.at(row, self.include)),
                message: format!("{include_text:?} is not Yes or No"),
            })?,
        };
        let steps = self.steps.map(|col| {
            let i = col?;
            let text = cell_text(row, Some(i));
            (!text.is_empty()).then(|| (text, self.at(row, i)))
        });
        let notes = self.notes.and_then(|i| {
            let text = cell_text(row, Some(i));
            (!text.is_empty()).then(|| (text, self.at(row, i)))
        });
        let include_at = self.at(row, self.include);
        let location = self.location.at(row.number, None);
        Ok(Override {
            customer_id,
            location,
            target,
            seats,
            term,
            billing,
            include,
            include_at,
            steps,
            notes,
        })
    }

    /// A term or billing cell that differs from its recommended column, read with `parse`.
    fn edited<T: PartialEq>(
        &self,
        row: &Row,
        cols: Option<(usize, usize)>,
        parse: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Option<(T, Location)>> {
        let Some((col, rec)) = cols else { return Ok(None) };
        let text = cell_text(row, Some(col));
        if text.is_empty() {
            return Ok(None);
        }
        let value = parse(&text)
            .map_err(|message| Error::Value { location: Box::new(self.at(row, col)), message })?;
        let recommended = parse(&cell_text(row, Some(rec))).ok();
        Ok((recommended.as_ref() != Some(&value)).then(|| (value, self.at(row, col))))
    }

    /// A seat count cell: empty, or a whole number.
    fn seats(&self, row: &Row, index: usize) -> Result<Option<u64>> {
        values::parse_seats(row.cell(index))
            .map_err(|message| Error::Value { location: Box::new(self.at(row, index)), message })
    }
}
