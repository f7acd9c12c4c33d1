//! Reading an edited worksheet back: the account manager's changes per customer.
//!
//! Owns: finding the "Customers" sheet of a consolidated or per-customer workbook and reading,
//! per row, the target plan, seats to buy, include flag and notes. A cell counts as edited only
//! when it differs from the hidden "Recommended ..." column written beside it, so unedited cells
//! change nothing even when the input has changed since. Whether an edit is allowed is decided
//! by `plan::overrides`.

use super::values;
use crate::error::{Error, Location, Result};
use crate::guid;
use crate::source::{self, Cell, Input, Opened, Row};
use crate::worksheet_layout::{headers, CUSTOMERS_SHEET};

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
    /// False when the row says Include = No.
    pub include: bool,
    /// The account manager's notes.
    pub notes: Option<String>,
}

fn cell_text(row: &Row, index: Option<usize>) -> String {
    index.map(|i| row.cell(i).text().trim().to_string()).unwrap_or_default()
}

/// Reads the edits from a worksheet workbook.
pub fn read(input: &Input) -> Result<Vec<Override>> {
    let mut wb = match source::open(input)? {
        Opened::Workbook(wb) => wb,
        Opened::Table(_) => {
            return Err(Error::File {
                path: input.name.clone(),
                message: "--overrides takes the worksheet workbook (worksheet.xlsx or worksheets/<customer>.xlsx)".into(),
            })
        }
    };
    let sheet = wb.wanted.clone().unwrap_or_else(|| CUSTOMERS_SHEET.to_string());
    let mut reader = wb.sheet(&sheet)?;
    let location = reader.location.clone();
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row() {
        rows.push(row?);
    }
    let header_at = rows
        .iter()
        .position(|r| r.cells.iter().any(|c| c.text().trim() == headers::CUSTOMER_ID))
        .ok_or_else(|| Error::Value {
            location: Box::new(location.clone()),
            message: format!("no header row with a {:?} column", headers::CUSTOMER_ID),
        })?;
    let cols = Columns::find(&rows[header_at], location)?;
    rows.iter().skip(header_at + 1).filter(|r| !r.is_blank()).map(|row| cols.edit(row)).collect()
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
        Ok(Columns {
            id: col_of(headers::CUSTOMER_ID)?,
            target: col_of(headers::TARGET)?,
            seats: col_of(headers::SEATS)?,
            include: col_of(headers::INCLUDE)?,
            recommended_target: col_of(headers::RECOMMENDED_TARGET)?,
            recommended_seats: col_of(headers::RECOMMENDED_SEATS)?,
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
        let mut columns = read.into_iter().chain(recommended).chain(self.notes);
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
        let include_text = cell_text(row, Some(self.include));
        let include = match row.cell(self.include) {
            Cell::Bool(b) => *b,
            _ if include_text.is_empty() => true,
            _ => values::parse_bool(&include_text).ok_or_else(|| Error::Value {
                location: Box::new(self.at(row, self.include)),
                message: format!("{include_text:?} is not Yes or No"),
            })?,
        };
        let notes = Some(cell_text(row, self.notes)).filter(|n| !n.is_empty());
        let location = self.location.at(row.number, None);
        Ok(Override { customer_id, location, target, seats, include, notes })
    }

    /// A seat count cell: empty, or a whole number.
    fn seats(&self, row: &Row, index: usize) -> Result<Option<u64>> {
        values::parse_seats(row.cell(index))
            .map_err(|message| Error::Value { location: Box::new(self.at(row, index)), message })
    }
}
