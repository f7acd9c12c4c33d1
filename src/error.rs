//! Errors, input locations and row rejections.
//!
//! Owns: the library `Error` enum, `Location` (file, sheet, row, column as a spreadsheet shows
//! them), `Rejection` (one input row that could not be used, and why) and the process exit codes.
//! Printing and exiting are left to `main`.

use std::fmt;
use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A column of an input table: its 0-based index and the header text found there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Col {
    /// 0-based position in the row.
    pub index: usize,
    /// Header text as written in the file (may be empty).
    pub header: String,
}

impl Col {
    /// The column letter Excel shows for this position (A, B, ..., Z, AA, ...).
    pub fn letter(&self) -> String {
        column_letter(self.index)
    }
}

/// Excel's column letter for a 0-based index.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Where something was found in the input: `file[sheet]:row:COL (Header)`.
///
/// `row` is the number a spreadsheet shows (the first line of a file is row 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// The worksheet, for XLSX input.
    pub sheet: Option<String>,
    /// 1-based row as a spreadsheet shows it; 0 when the location is the whole file.
    pub row: u64,
    /// The column, when one column is at fault.
    pub col: Option<Col>,
}

impl Location {
    /// A location of a whole file.
    pub fn file(file: impl Into<String>, sheet: Option<String>) -> Location {
        Location { file: file.into(), sheet, row: 0, col: None }
    }

    /// The same location at another row and column.
    pub fn at(&self, row: u64, col: Option<Col>) -> Location {
        Location { file: self.file.clone(), sheet: self.sheet.clone(), row, col }
    }

    /// The file and sheet part, e.g. `users.xlsx[Licences]`.
    pub fn source_name(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}[{}]", self.file, s),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source_name())?;
        if self.row > 0 {
            write!(f, ":{}", self.row)?;
        }
        if let Some(col) = &self.col {
            if col.header.is_empty() {
                write!(f, ":{}", col.letter())?;
            } else {
                write!(f, ":{} ({})", col.letter(), col.header)?;
            }
        }
        Ok(())
    }
}

/// One input row that was read but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rejection {
    /// Where the problem is.
    pub location: Location,
    /// Why the row was rejected, in one sentence.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file as the user named it.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A workbook could not be opened or a sheet not found.
    #[error("{location}: {message}")]
    Workbook {
        /// The file (and sheet).
        location: Box<Location>,
        /// What went wrong.
        message: String,
    },
    /// No row of the file looks like a header of the expected kind of export.
    #[error("{location}: no header row of a {kind} export found {searched}; {hint}")]
    NoHeader {
        /// The file (and sheet).
        location: Box<Location>,
        /// "subscriptions" or "users".
        kind: &'static str,
        /// Where it was looked for ("in the first 30 rows").
        searched: String,
        /// The columns that identify such a header.
        hint: String,
    },
    /// A required column is missing.
    #[error(
        "{location}: missing required column(s) {missing}; columns found: {found}; accepted names: {accepted}"
    )]
    MissingColumns {
        /// The file (and sheet) with the header row.
        location: Box<Location>,
        /// The missing fields.
        missing: String,
        /// The header cells found.
        found: String,
        /// Accepted header names for each missing field.
        accepted: String,
    },
    /// A date column whose day/month order cannot be decided from its values.
    #[error(
        "{location}: dates such as {example:?} could be day/month or month/day and no value in the column decides it; run again with --date-order dmy or --date-order mdy"
    )]
    AmbiguousDates {
        /// The column.
        location: Box<Location>,
        /// One ambiguous value.
        example: String,
    },
    /// A date column with values in both day/month and month/day order.
    #[error("{location}: the column mixes day/month ({dmy}) and month/day ({mdy}) dates")]
    MixedDates {
        /// The column.
        location: Box<Location>,
        /// A value only valid as day/month.
        dmy: String,
        /// A value only valid as month/day.
        mdy: String,
    },
    /// A value that cannot be used, in a file that must be right as a whole (the overrides
    /// workbook).
    #[error("{location}: {message}")]
    Value {
        /// Where the value is.
        location: Box<Location>,
        /// What is wrong with it.
        message: String,
    },
    /// Several price list rows fit one price and none is preferred.
    #[error(
        "{offer} in {currency} for customer {customer}: the price lists give {candidates}; {hint}"
    )]
    AmbiguousPrice {
        /// The offer priced.
        offer: String,
        /// The currency asked for ("any currency" when unknown).
        currency: String,
        /// The customer it was priced for.
        customer: String,
        /// The rows that fit, with where each is and how they differ.
        candidates: String,
        /// What to give to settle it.
        hint: String,
    },
    /// A command-line value that makes no sense.
    #[error("{0}")]
    Usage(String),
    /// A file that is not what its option takes: a `plan.json`, a results file, a column
    /// mapping file or a worksheet that cannot be read as one.
    #[error("{path}: {message}")]
    File {
        /// The file as the user named it.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// Facts the scripts need that the plan does not give and no API call can supply.
    #[error(
        "cannot write scripts: {} fact(s) a script would need are missing and no API call can supply them:\n  {}",
        facts.len(),
        facts.join("\n  ")
    )]
    MissingFacts {
        /// One line per missing fact, naming the customer.
        facts: Vec<String>,
    },
    /// An output could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bug or an unexpected condition inside the tool.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The exit code this error ends the process with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Write { .. } | Error::Internal(_) => ExitCode::Internal,
            _ => ExitCode::BadInput,
        }
    }
}

/// Every exit code the binary uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did what was asked.
    Success = 0,
    /// An internal error, or an output that could not be written.
    Internal = 1,
    /// Bad input: unreadable file, missing required column, ambiguous dates, bad arguments, or
    /// rejected rows when `--strict` is given.
    BadInput = 2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(51), "AZ");
        assert_eq!(column_letter(52), "BA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn location_shows_file_sheet_row_and_column() {
        let loc = Location::file("users.xlsx", Some("Licences".into()))
            .at(12, Some(Col { index: 3, header: "Licenses".into() }));
        assert_eq!(loc.to_string(), "users.xlsx[Licences]:12:D (Licenses)");
        let loc = Location::file("subs.csv", None).at(7, None);
        assert_eq!(loc.to_string(), "subs.csv:7");
    }
}
