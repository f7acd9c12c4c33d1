//! Opening input files and reading their rows as cells.
//!
//! Owns: the `Input` type (a path plus optional `#Sheet` and `=CUSTOMER` suffixes), format
//! detection from the content (XLSX/XLS/ODS workbook or delimited text), text decoding (UTF-8
//! with or without BOM, UTF-16 with BOM, Windows-1252 fallback), delimiter sniffing, and row
//! numbering as a spreadsheet shows it. What the cells mean is left to `ingest`.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, DataRef, Range, Reader};
use chrono::NaiveDate;

use crate::error::{Error, Location, Result};

mod records;
mod sheet_xml;

/// One input file named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Where to read it.
    pub path: PathBuf,
    /// How messages name it (the path as given, without suffixes).
    pub name: String,
    /// The worksheet asked for with `FILE#Sheet`.
    pub sheet: Option<String>,
    /// The customer asked for with `FILE=CUSTOMER_ID` (users files).
    pub customer: Option<String>,
}

impl Input {
    /// Parses `PATH`, `PATH#Sheet`, `PATH=CUSTOMER` or `PATH#Sheet=CUSTOMER`.
    ///
    /// A suffix is split off only when the whole text is not an existing file, so file names
    /// that contain `#` or `=` keep working.
    pub fn parse(spec: &str) -> Input {
        let mut rest = spec.to_string();
        let mut customer = None;
        let mut sheet = None;
        if !Path::new(&rest).exists() {
            if let Some(i) = rest.rfind('=') {
                customer = Some(rest[i + 1..].to_string());
                rest.truncate(i);
            }
        }
        if !Path::new(&rest).exists() {
            if let Some(i) = rest.rfind('#') {
                sheet = Some(rest[i + 1..].to_string());
                rest.truncate(i);
            }
        }
        Input { path: PathBuf::from(&rest), name: rest, sheet, customer }
    }
}

/// A cell value as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing in the cell.
    Empty,
    /// Text (every CSV cell is text).
    Text(String),
    /// A number cell of a workbook.
    Number(f64),
    /// A boolean cell of a workbook.
    Bool(bool),
    /// A date-formatted cell of a workbook (time of day dropped).
    Date(NaiveDate),
    /// An error cell of a workbook, such as `#N/A`.
    Error(String),
    /// A workbook cell whose value the reader could not read (a damaged file), with why: the
    /// row that needs it is rejected.
    Unreadable(String),
}

impl Cell {
    /// True when the cell holds nothing but white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, the way a person would read it.
    /// The cell as text, borrowed when it is text already.
    pub fn text_ref(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s.as_str()),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    /// The cell as text (numbers in their shortest form, dates as YYYY-MM-DD).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Error(e) => e.clone(),
            Cell::Unreadable(_) => String::new(),
        }
    }
}

/// Shortest text for a number cell: whole numbers without a fraction.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One row of an input table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row number a spreadsheet shows (1-based).
    pub number: u64,
    /// The cells, from column A.
    pub cells: Vec<Cell>,
}

impl Row {
    /// True when every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }

    /// The cell at a 0-based column, or `Empty` past the end.
    pub fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }
}

/// An opened input: one delimited table, or a workbook of sheets.
pub enum Opened {
    /// A CSV/TSV text file.
    Table(RowReader),
    /// A workbook.
    Workbook(Box<Workbook>),
}

/// Opens an input, deciding its format from its first bytes.
pub fn open(input: &Input) -> Result<Opened> {
    let read_err = |source| Error::Read { path: input.name.clone(), source };
    let file = File::open(&input.path).map_err(read_err)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = crate::progress::bytes(crate::progress::reading(&input.name), len);
    let mut file = bar.wrap_read(file);
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(read_err)?;
    let is_workbook = head.starts_with(b"PK\x03\x04") || head.starts_with(&OLE_MAGIC);
    if is_workbook {
        let mut bytes = head;
        file.read_to_end(&mut bytes).map_err(read_err)?;
        bar.finish_and_clear();
        return Workbook::from_bytes(input, bytes).map(|wb| Opened::Workbook(Box::new(wb)));
    }
    if input.sheet.is_some() {
        return Err(Error::File {
            path: input.name.clone(),
            message: "a sheet was named with '#' but the file is not a workbook".into(),
        });
    }
    RowReader::csv(input, head, file, bar).map(Opened::Table)
}

/// Opens a large UTF-8 text file as `parts` readers of consecutive byte ranges, each cut
/// right after a line end, so that the parts can be read in parallel.
///
/// The first reader is the file's ordinary reader over the first range (encoding, BOM and
/// delimiter decided as `open` does); the others continue with the same delimiter and number
/// their rows from 1: the caller adds the rows the earlier parts spanned
/// ([`RowReader::rows_spanned`]) and, once they are read, checks that no cut fell inside a
/// quoted record ([`RowReader::cut_inside_record`]), reading the file whole when one did.
/// `None` when the input is not such a file (a workbook, UTF-16, a sheet named, or smaller
/// than `min_bytes`).
pub fn open_in_parts(
    input: &Input,
    parts: usize,
    min_bytes: u64,
) -> Result<Option<Vec<RowReader>>> {
    let read_err = |source| Error::Read { path: input.name.clone(), source };
    if parts < 2 || input.sheet.is_some() {
        return Ok(None);
    }
    let mut file = File::open(&input.path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    let len = meta.len();
    if !meta.is_file() || len < min_bytes {
        return Ok(None);
    }
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(read_err)?;
    let text = !(head.starts_with(b"PK\x03\x04")
        || head.starts_with(&OLE_MAGIC)
        || head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF]));
    if !text {
        return Ok(None);
    }
    // Cut points: the first line end at or after each equal share of the bytes.
    let mut cuts = vec![0u64];
    for k in 1..parts as u64 {
        let at = (len * k / parts as u64).max(*cuts.last().unwrap_or(&0));
        file.seek(std::io::SeekFrom::Start(at)).map_err(read_err)?;
        let mut probe = Vec::with_capacity(SNIFF_BYTES);
        (&mut file).take(SNIFF_BYTES as u64).read_to_end(&mut probe).map_err(read_err)?;
        match memchr::memchr(b'\n', &probe) {
            Some(nl) if at + nl as u64 + 1 < len => cuts.push(at + nl as u64 + 1),
            _ => break,
        }
    }
    cuts.dedup();
    if cuts.len() < 2 {
        return Ok(None);
    }
    cuts.push(len);
    let bar = crate::progress::bytes(crate::progress::reading(&input.name), len);
    let open_range = |from: u64, to: u64| -> Result<std::io::Take<File>> {
        let mut f = File::open(&input.path).map_err(read_err)?;
        f.seek(std::io::SeekFrom::Start(from)).map_err(read_err)?;
        Ok(f.take(to - from))
    };
    let mut first = open_range(0, cuts[1])?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut first).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(read_err)?;
    let first = RowReader::csv(input, head, bar.wrap_read(first), bar.clone())?;
    let Inner::Csv(csv) = &first.inner else {
        return Ok(None);
    };
    let delimiter = csv.records.delimiter();
    let mut readers = vec![first];
    for w in cuts[1..].windows(2) {
        let part = bar.wrap_read(open_range(w[0], w[1])?);
        readers.push(RowReader {
            location: readers[0].location.clone(),
            format: readers[0].format.clone(),
            inner: Inner::Csv(Box::new(CsvRows {
                records: records::Records::new(Box::new(part), delimiter),
                cp1252_used: std::cell::Cell::new(false),
                done: false,
                name: input.name.clone(),
                spare: Vec::new(),
                bar: bar.clone(),
            })),
        });
    }
    Ok(Some(readers))
}

const SNIFF_BYTES: usize = 64 * 1024;

/// The most fields a record may have: a sheet's columns (A to XFD).
pub const MAX_FIELDS: usize = 16_384;

/// The most rows a sheet has.
pub const MAX_SHEET_ROWS: u64 = 1_048_576;
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads the rows of one table (a CSV file or one worksheet).
pub struct RowReader {
    /// The file (and sheet) the rows come from.
    pub location: Location,
    /// How the file was read, e.g. "CSV, UTF-8 with BOM, ';'-separated".
    pub format: String,
    inner: Inner,
}

enum Inner {
    Csv(Box<CsvRows>),
    Sheet(std::vec::IntoIter<Row>),
}

struct CsvRows {
    records: records::Records,
    /// Set when a field was not valid UTF-8 and was read as Windows-1252.
    cp1252_used: std::cell::Cell<bool>,
    done: bool,
    name: String,
    /// Strings of earlier rows, reused for the next.
    spare: Vec<String>,
    /// Bytes read so far, on a terminal.
    bar: indicatif::ProgressBar,
}

impl RowReader {
    fn csv(
        input: &Input,
        head: Vec<u8>,
        file: impl Read + Send + 'static,
        bar: indicatif::ProgressBar,
    ) -> Result<RowReader> {
        let read_err = |source| Error::Read { path: input.name.clone(), source };
        let (encoding, body): (&str, Box<dyn Read + Send>) =
            if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
                // UTF-16 text (Excel's "Unicode text"): transcode the whole file to UTF-8.
                let mut bytes = head;
                let mut file = file;
                file.read_to_end(&mut bytes).map_err(read_err)?;
                let (enc, label) = if bytes[0] == 0xFF {
                    (encoding_rs::UTF_16LE, "UTF-16LE")
                } else {
                    (encoding_rs::UTF_16BE, "UTF-16BE")
                };
                let (text, _) = enc.decode_with_bom_removal(&bytes);
                (label, Box::new(Cursor::new(text.into_owned().into_bytes())))
            } else if head.starts_with(b"\xEF\xBB\xBF") {
                ("UTF-8 with BOM", Box::new(Cursor::new(head[3..].to_vec()).chain(file)))
            } else {
                ("UTF-8", Box::new(Cursor::new(head).chain(file)))
            };
        // Sniff on a copy of the beginning of the decoded text.
        let mut body = body;
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut body).take(SNIFF_BYTES as u64).read_to_end(&mut prefix).map_err(read_err)?;
        let delimiter = sniff_delimiter(&prefix);
        let records = records::Records::new(Box::new(Cursor::new(prefix).chain(body)), delimiter);
        let shown = match delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        Ok(RowReader {
            location: Location::file(input.name.clone(), None),
            format: format!("CSV, {encoding}, {shown}-separated"),
            inner: Inner::Csv(Box::new(CsvRows {
                records,
                cp1252_used: std::cell::Cell::new(false),
                done: false,
                name: input.name.clone(),
                spare: Vec::new(),
                bar,
            })),
        })
    }

    /// The next row, skipping nothing (blank rows are returned too).
    pub fn next_row(&mut self) -> Option<Result<Row>> {
        match &mut self.inner {
            Inner::Sheet(rows) => rows.next().map(Ok),
            Inner::Csv(csv) => csv.next_row(),
        }
    }

    /// True for a text file read as it goes (it can be opened again for a second pass); false
    /// for a sheet, which is in memory.
    pub fn is_streaming(&self) -> bool {
        matches!(self.inner, Inner::Csv(_))
    }

    /// Reads the next row into `row`, reusing its strings where the format allows.
    pub fn next_into(&mut self, row: &mut Row) -> Option<Result<()>> {
        match &mut self.inner {
            Inner::Sheet(rows) => rows.next().map(|r| {
                *row = r;
                Ok(())
            }),
            Inner::Csv(csv) => csv.next_into(row),
        }
    }

    /// Reads the next row into `row`, unless `skip`, shown the row's cells, says the row is
    /// not wanted: then the row is left undecoded and only its number comes back.
    ///
    /// This is how most rows of a large file are passed over at the speed of the CSV parser.
    pub fn next_unless(
        &mut self,
        row: &mut Row,
        skip: &mut dyn FnMut(&dyn Cells) -> bool,
    ) -> Option<Result<Next>> {
        match &mut self.inner {
            Inner::Sheet(rows) => rows.next().map(|r| {
                *row = r;
                Ok(row.skip_by(skip))
            }),
            Inner::Csv(csv) => csv.next_unless(row, skip),
        }
    }

    /// Row numbers this reader's rows spanned so far (see [`open_in_parts`]).
    pub fn rows_spanned(&self) -> u64 {
        match &self.inner {
            Inner::Csv(csv) => csv.records.rows_spanned(),
            Inner::Sheet(_) => 0,
        }
    }

    /// True when the input ended inside a quoted record (see [`open_in_parts`]).
    pub fn cut_inside_record(&self) -> bool {
        match &self.inner {
            Inner::Csv(csv) => csv.records.cut_inside_record(),
            Inner::Sheet(_) => false,
        }
    }

    /// Notes worth telling the user once the file is read (e.g. a fallback encoding).
    pub fn notes(&self) -> Vec<String> {
        match &self.inner {
            Inner::Csv(csv) if csv.cp1252_used.get() => {
                vec!["some text was not valid UTF-8 and was read as Windows-1252".to_string()]
            }
            _ => Vec::new(),
        }
    }
}

impl CsvRows {
    fn next_row(&mut self) -> Option<Result<Row>> {
        let mut row = Row { number: 0, cells: Vec::new() };
        match self.next_into(&mut row)? {
            Ok(()) => Some(Ok(row)),
            Err(e) => Some(Err(e)),
        }
    }

    /// Reads the next record into `row`, reusing its strings (no allocation once warm).
    fn next_into(&mut self, row: &mut Row) -> Option<Result<()>> {
        self.next_unless(row, &mut |_| false).map(|r| r.map(|_| ()))
    }

    /// Reads the next record, numbers it, and decodes it into `row` unless `skip` turns it
    /// down on its undecoded fields.
    fn next_unless(
        &mut self,
        row: &mut Row,
        skip: &mut dyn FnMut(&dyn Cells) -> bool,
    ) -> Option<Result<Next>> {
        if self.done {
            return None;
        }
        match self.records.next_record() {
            Ok(None) => {
                self.done = true;
                self.bar.finish_and_clear();
                None
            }
            Ok(Some(number)) => {
                let fields = RecordCells { records: &self.records, cp1252_used: &self.cp1252_used };
                if skip(&fields) {
                    return Some(Ok(Next::Skipped(number)));
                }
                if self.records.len() > MAX_FIELDS {
                    self.done = true;
                    let message = format!(
                        "row {number}: more than {MAX_FIELDS} fields, the most a sheet has (is it the right file?)"
                    );
                    return Some(Err(Error::Read {
                        path: self.name.clone(),
                        source: std::io::Error::new(std::io::ErrorKind::InvalidData, message),
                    }));
                }
                row.number = number;
                for cell in row.cells.drain(..) {
                    if let Cell::Text(mut t) = cell {
                        t.clear();
                        self.spare.push(t);
                    }
                }
                for i in 0..self.records.len() {
                    let field = self.records.get(i).unwrap_or_default();
                    if field.is_empty() {
                        row.cells.push(Cell::Empty);
                        continue;
                    }
                    let mut text = self.spare.pop().unwrap_or_default();
                    match std::str::from_utf8(field) {
                        Ok(s) => text.push_str(s),
                        Err(_) => {
                            self.cp1252_used.set(true);
                            text.push_str(
                                &encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0,
                            );
                        }
                    }
                    row.cells.push(Cell::Text(text));
                }
                Some(Ok(Next::Read))
            }
            Err(e) => {
                self.done = true;
                self.bar.finish_and_clear();
                Some(Err(Error::Read { path: self.name.clone(), source: e }))
            }
        }
    }
}

/// What [`RowReader::next_unless`] did with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The row was decoded into the caller's `Row`.
    Read,
    /// The row was passed over undecoded; this is its row number.
    Skipped(u64),
}

impl Row {
    /// Applies a skip test to an already decoded row.
    pub fn skip_by(&self, skip: &mut dyn FnMut(&dyn Cells) -> bool) -> Next {
        if skip(self) {
            Next::Skipped(self.number)
        } else {
            Next::Read
        }
    }
}

/// A row's cells as text, however the row is held: a CSV record not yet decoded, or a row.
pub trait Cells {
    /// The bytes of a cell that holds text (every CSV field does); `None` for a workbook's
    /// number, date or boolean cells and past the end.
    fn raw(&self, i: usize) -> Option<&[u8]>;
    /// The text of a cell that holds text, decoded.
    fn text_cell(&self, i: usize) -> Option<Cow<'_, str>>;
    /// Any cell as text, the way a person reads it (numbers shortest, dates YYYY-MM-DD); empty
    /// past the end.
    fn text(&self, i: usize) -> Cow<'_, str>;
    /// True when every cell is blank.
    fn blank(&self) -> bool;
}

impl Cells for Row {
    fn raw(&self, i: usize) -> Option<&[u8]> {
        match self.cells.get(i) {
            Some(Cell::Text(t)) => Some(t.as_bytes()),
            _ => None,
        }
    }

    fn text_cell(&self, i: usize) -> Option<Cow<'_, str>> {
        match self.cells.get(i) {
            Some(Cell::Text(t)) => Some(Cow::Borrowed(t.as_str())),
            _ => None,
        }
    }

    fn text(&self, i: usize) -> Cow<'_, str> {
        self.cell(i).text_ref()
    }

    fn blank(&self) -> bool {
        self.is_blank()
    }
}

/// The fields of the CSV record just read, decoded only when asked.
struct RecordCells<'a> {
    records: &'a records::Records,
    cp1252_used: &'a std::cell::Cell<bool>,
}

impl Cells for RecordCells<'_> {
    fn raw(&self, i: usize) -> Option<&[u8]> {
        self.records.get(i)
    }

    fn text_cell(&self, i: usize) -> Option<Cow<'_, str>> {
        let field = self.records.get(i)?;
        Some(match std::str::from_utf8(field) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                self.cp1252_used.set(true);
                encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0
            }
        })
    }

    fn text(&self, i: usize) -> Cow<'_, str> {
        self.text_cell(i).unwrap_or_default()
    }

    fn blank(&self) -> bool {
        (0..self.records.len()).all(|i| {
            let field = self.records.get(i).unwrap_or_default();
            // Any ASCII byte other than white space settles it; otherwise decode and trim, as
            // a decoded row is judged.
            let visible = field.iter().any(|&b| b.is_ascii() && !(b as char).is_whitespace());
            !visible && self.text_cell(i).is_none_or(|t| t.trim().is_empty())
        })
    }
}

/// Picks the delimiter among `,` `;` tab `|` that splits the first lines most consistently.
///
/// For each candidate, the first records are parsed with CSV quoting; the candidate whose most
/// common field count (above one) covers the most records wins. Title rows above the header
/// do not spoil this because they are outvoted by the data rows.
pub fn sniff_delimiter(prefix: &[u8]) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for &d in b",;\t|" {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(prefix);
        let mut counts: Vec<usize> = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while counts.len() < 50 {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {
                    // A trailing empty field does not make a row wider.
                    let mut n = rec.len();
                    while n > 1 && rec.get(n - 1).is_some_and(|f| f.is_empty()) {
                        n -= 1;
                    }
                    counts.push(n)
                }
                _ => break,
            }
        }
        let mut tally: std::collections::BTreeMap<usize, usize> = Default::default();
        for &n in counts.iter().filter(|&&n| n > 1) {
            *tally.entry(n).or_default() += 1;
        }
        if let Some((&width, &rows)) = tally.iter().max_by_key(|(w, r)| (**r, **w)) {
            if (rows, width) > (best.1, best.2) {
                best = (d, rows, width);
            }
        }
    }
    best.0
}

/// A workbook file's bytes, shared by the workbook reader and [`sheet_xml`], which reads a
/// sheet's XML again to find the cells the reader could not read.
#[derive(Clone)]
struct Bytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An opened workbook.
pub struct Workbook {
    name: String,
    bytes: Bytes,
    sheets: calamine::Sheets<Cursor<Bytes>>,
    /// The sheet named with `FILE#Sheet`, if any.
    pub wanted: Option<String>,
}

impl Workbook {
    fn from_bytes(input: &Input, bytes: Vec<u8>) -> Result<Workbook> {
        let broken = |message: String| Error::Workbook {
            location: Box::new(Location::file(input.name.clone(), None)),
            message,
        };
        if bytes.starts_with(b"PK\x03\x04") {
            unpacked_sizes_fit(&bytes).map_err(broken)?;
        }
        let bytes = Bytes(std::sync::Arc::new(bytes));
        let shared = bytes.clone();
        let sheets = shielded(|| calamine::open_workbook_auto_from_rs(Cursor::new(shared)))
            .map_err(|()| broken(CORRUPT.to_string()))?
            .map_err(|e| broken(format!("not a readable workbook: {e}")))?;
        Ok(Workbook { name: input.name.clone(), bytes, sheets, wanted: input.sheet.clone() })
    }

    /// The sheet names in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// Reads one sheet.
    pub fn sheet(&mut self, sheet: &str) -> Result<RowReader> {
        let location = Location::file(self.name.clone(), Some(sheet.to_string()));
        if !self.sheet_names().iter().any(|s| s == sheet) {
            return Err(Error::Workbook {
                location: Box::new(Location::file(self.name.clone(), None)),
                message: format!(
                    "no sheet named {sheet:?}; sheets: {}",
                    self.sheet_names().join(", ")
                ),
            });
        }
        let broken =
            |message: String| Error::Workbook { location: Box::new(location.clone()), message };
        let (sheets, bytes) = (&mut self.sheets, &self.bytes);
        let rows = shielded(|| match sheets {
            // XLSX cells are read as they stream out of the sheet's XML, without an
            // intermediate grid.
            calamine::Sheets::Xlsx(xlsx) => xlsx_rows(xlsx, sheet, bytes),
            other => other.worksheet_range(sheet).map(|r| rows_of(&r)).map_err(|e| e.to_string()),
        })
        .map_err(|()| broken(CORRUPT.to_string()))?
        .map_err(|e| broken(format!("cannot read sheet: {e}")))?;
        Ok(RowReader {
            location,
            format: "workbook".to_string(),
            inner: Inner::Sheet(rows.into_iter()),
        })
    }
}

/// The most one part of a workbook may unpack to (a sheet of a million rows of an export is
/// far less), the most its shared strings may, and the most all parts together may: past these
/// a small file could ask for gigabytes (a "zip bomb"), so it is refused before it is unpacked.
pub(crate) const MAX_PART_BYTES: u64 = 1 << 30;
const MAX_SHARED_STRINGS_BYTES: u64 = 256 << 20;
const MAX_WORKBOOK_BYTES: u64 = 2 << 30;

/// Checks what each part of an XLSX (a zip) says it unpacks to, against the limits above.
fn unpacked_sizes_fit(bytes: &[u8]) -> std::result::Result<(), String> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip it can list: the workbook reader says what is wrong.
        return Ok(());
    };
    let mib = |n: u64| n.div_ceil(1 << 20);
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else { continue };
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let size = part.size();
        let limit = if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        if size > limit {
            return Err(format!(
                "its part {name} unpacks to {} MiB, more than the {} MiB a workbook part may (no export is that large; is it the right file?)",
                mib(size),
                mib(limit)
            ));
        }
        total = total.saturating_add(size);
    }
    if total > MAX_WORKBOOK_BYTES {
        return Err(format!(
            "it unpacks to {} MiB, more than the {} MiB a workbook may (is it the right file?)",
            mib(total),
            mib(MAX_WORKBOOK_BYTES)
        ));
    }
    Ok(())
}

const CORRUPT: &str =
    "not a readable workbook: its contents are damaged (the workbook reader gave up on them)";

thread_local! {
    /// Set while [`shielded`] runs, so the panic hook stays silent for a panic it will catch.
    static SHIELDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a call into the workbook reader, turning a panic inside it into `Err(())`.
///
/// The reader can panic on damaged files (arithmetic overflow on a corrupt cell reference, for
/// one); input must never crash the tool, so such a panic becomes an ordinary error. The
/// process's panic hook is left to report every other panic as before.
fn shielded<T>(call: impl FnOnce() -> T) -> std::result::Result<T, ()> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !SHIELDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    SHIELDED.with(|s| s.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    SHIELDED.with(|s| s.set(false));
    outcome.map_err(|_| ())
}

/// The rows of an XLSX sheet, built cell by cell from calamine's streaming reader.
///
/// A cell beyond the last row or column a sheet can have (a damaged or crafted file) is an
/// error naming it: its row would otherwise be widened to its column, gigabytes for `ZZZZZZ2`.
/// A cell whose value cannot be read becomes [`Cell::Unreadable`] at its place, so that its
/// row is rejected as a CSV row with a bad value is; damage to the XML itself refuses the
/// sheet.
fn xlsx_rows(
    xlsx: &mut calamine::Xlsx<Cursor<Bytes>>,
    sheet: &str,
    bytes: &Bytes,
) -> std::result::Result<Vec<Row>, String> {
    let mut reader = xlsx.worksheet_cells_reader(sheet).map_err(|e| e.to_string())?;
    let mut rows: Vec<Row> = Vec::new();
    // Cells the reader could not read: the ordinal of their `<c>` element, and why.
    let mut unreadable: Vec<(usize, String)> = Vec::new();
    for ordinal in 0.. {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e @ (calamine::XlsxError::Xml(_) | calamine::XlsxError::XmlEof(_))) => {
                return Err(e.to_string())
            }
            Err(e) => {
                unreadable.push((ordinal, e.to_string()));
                continue;
            }
        };
        let (r, c) = cell.get_position();
        if c as usize >= MAX_FIELDS || u64::from(r) >= MAX_SHEET_ROWS {
            return Err(beyond_the_sheet(r, c));
        }
        let value = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::SharedString(s) => Cell::Text((*s).to_string()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Cell::Text(s.clone())
            }
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(dt) => date_cell(dt),
            DataRef::Error(e) => Cell::Error(format!("{e}")),
        };
        put(&mut rows, u64::from(r) + 1, c as usize, value);
    }
    if !unreadable.is_empty() {
        place_unreadable(&mut rows, unreadable, sheet, bytes)?;
    }
    Ok(rows)
}

fn beyond_the_sheet(r: u32, c: u32) -> String {
    format!(
        "cell {}{} lies beyond the last column (XFD) or row ({MAX_SHEET_ROWS}) a sheet has",
        crate::error::column_letter(c as usize),
        u64::from(r) + 1
    )
}

/// Puts a cell value into the last row, or a new one when the cell starts another row (rows
/// are made in reading order, one look at the last row per cell).
fn put(rows: &mut Vec<Row>, number: u64, c: usize, value: Cell) {
    if rows.last().is_none_or(|last| last.number != number) {
        rows.push(Row { number, cells: Vec::new() });
    }
    if let Some(row) = rows.last_mut() {
        set_cell(row, c, value);
    }
}

fn set_cell(row: &mut Row, c: usize, value: Cell) {
    if row.cells.len() <= c {
        row.cells.resize(c + 1, Cell::Empty);
    }
    row.cells[c] = value;
}

/// Places the cells the reader could not read, found by their ordinal in the sheet's XML: in
/// their row when the sheet has it, else in a row of their own, kept in row order.
fn place_unreadable(
    rows: &mut Vec<Row>,
    mut unreadable: Vec<(usize, String)>,
    sheet: &str,
    bytes: &Bytes,
) -> std::result::Result<(), String> {
    let ordinals: Vec<usize> = unreadable.iter().map(|u| u.0).collect();
    let Some(places) = sheet_xml::locate(bytes.as_ref(), sheet, &ordinals) else {
        // Where the reader failed cannot be found: the sheet is refused with its reason.
        return Err(unreadable.swap_remove(0).1);
    };
    let mut at: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        at.entry(row.number).or_insert(i);
    }
    let mut added: std::collections::BTreeMap<u64, Row> = std::collections::BTreeMap::new();
    for ((r, c), (_, why)) in places.into_iter().zip(unreadable) {
        if c as usize >= MAX_FIELDS || u64::from(r) >= MAX_SHEET_ROWS {
            return Err(beyond_the_sheet(r, c));
        }
        let number = u64::from(r) + 1;
        let row = match at.get(&number) {
            Some(&i) => &mut rows[i],
            None => added.entry(number).or_insert_with(|| Row { number, cells: Vec::new() }),
        };
        set_cell(row, c as usize, Cell::Unreadable(why));
    }
    if !added.is_empty() {
        rows.extend(added.into_values());
        // Stable: rows already in order stay so, the new ones take their place among them.
        rows.sort_by_key(|r| r.number);
    }
    Ok(())
}

fn date_cell(dt: &calamine::ExcelDateTime) -> Cell {
    if !dt.is_datetime() {
        return Cell::Number(dt.as_f64());
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
        .map_or_else(|| Cell::Number(dt.as_f64()), Cell::Date)
}

fn rows_of(range: &Range<Data>) -> Vec<Row> {
    let Some((row0, col0)) = range.start() else { return Vec::new() };
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut out = vec![Cell::Empty; col0 as usize];
            out.extend(cells.iter().map(cell_of));
            Row { number: u64::from(row0) + i as u64 + 1, cells: out }
        })
        .collect()
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date_cell(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_delimiter() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn sniffing_ignores_a_title_row_and_decimal_commas() {
        let text = "Subscriptions report, all customers\n\nid;qty;price\nx;1;6,82\ny;2;7,10\n";
        assert_eq!(sniff_delimiter(text.as_bytes()), b';');
    }

    #[test]
    fn input_suffixes_split_only_when_the_file_does_not_exist() {
        let i = Input::parse("no/such/users.csv=1b2c");
        assert_eq!(i.name, "no/such/users.csv");
        assert_eq!(i.customer.as_deref(), Some("1b2c"));
        let i = Input::parse("no/such/book.xlsx#Subs");
        assert_eq!(i.sheet.as_deref(), Some("Subs"));
        assert_eq!(i.customer, None);
    }
}
