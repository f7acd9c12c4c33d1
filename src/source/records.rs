//! Splitting delimited text into records, at memory speed for plain lines.
//!
//! Owns: finding records and their fields in a byte stream with the same result as the csv
//! crate (RFC 4180 quoting, `""` inside quotes, `\r`, `\n` or `\r\n` ends a record, empty
//! lines skipped, rows of any width), and the row number a spreadsheet shows for each record.
//! A line with no quote and no stray `\r` is split with `memchr` where it lies in the buffer;
//! any other record goes through `csv_core`, which decides where it ends.

use std::io::Read;

/// Where the fields of the current record are.
enum Fields {
    /// Byte ranges in the read buffer (a plain line).
    InBuffer,
    /// Byte ranges in `unquoted` (a record `csv_core` parsed).
    Unquoted,
}

/// Reads records from delimited text.
pub(crate) struct Records {
    src: Box<dyn Read + Send>,
    delimiter: u8,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// '\n' bytes consumed so far, and how many of them were inside records.
    lines: u64,
    embedded: u64,
    /// Field ranges of the current record, and which buffer they index. A plain line is split
    /// only when a field past the first is asked for (passing over a row usually needs only
    /// its first field).
    ranges: std::cell::RefCell<Vec<(usize, usize)>>,
    split: std::cell::Cell<bool>,
    fields: Fields,
    /// Where the current plain line starts in `buf`, and its length without the line end.
    line_start: usize,
    line_len: usize,
    unquoted: Vec<u8>,
    ends: Vec<usize>,
    parser: csv_core::Reader,
    /// The input ended inside a quoted record (it was finished there).
    cut: bool,
    /// The quoted fields of the current plain line (opening and closing quote), when it has
    /// a few.
    spans: Vec<(usize, usize)>,
}

/// Quoted fields a line may have and still be split only when asked.
const MAX_SPANS: usize = 4;

const CHUNK: usize = 256 * 1024;

/// The longest record read: far beyond any real export's rows, and what keeps memory bounded
/// whatever the file (a line that never ends is refused, not held).
pub(crate) const MAX_RECORD: usize = 4 << 20;

impl Records {
    pub(crate) fn new(src: Box<dyn Read + Send>, delimiter: u8) -> Records {
        Records {
            src,
            delimiter,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            lines: 0,
            embedded: 0,
            ranges: Default::default(),
            split: std::cell::Cell::new(true),
            fields: Fields::InBuffer,
            line_start: 0,
            line_len: 0,
            unquoted: vec![0; 1024],
            ends: vec![0; 64],
            parser: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            cut: false,
            spans: Vec::new(),
        }
    }

    /// Reads more bytes, keeping the unread ones; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD {
                // One record fills the buffer: no export has rows this long.
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "row {}: a record longer than {} MiB (no export has rows this long; is it the right file?)",
                        self.lines + 1 - self.embedded,
                        MAX_RECORD >> 20
                    ),
                ));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Moves to the next record; its row number, or `None` at the end.
    pub(crate) fn next_record(&mut self) -> std::io::Result<Option<u64>> {
        loop {
            let unread = &self.buf[self.start..self.end];
            // One scan finds where a plain line ends ("\n" or "\r\n"); a quote or a '\r'
            // met first sends the record down the general path below.
            match memchr::memchr3(b'\n', b'\r', b'"', unread) {
                Some(p) if unread[p] == b'\n' => match self.plain(p, p + 1) {
                    Some(n) => return Ok(Some(n)),
                    None => continue,
                },
                Some(p) if unread[p] == b'\r' && unread.get(p + 1) == Some(&b'\n') => {
                    match self.plain(p, p + 2) {
                        Some(n) => return Ok(Some(n)),
                        None => continue,
                    }
                }
                // A lone '\r' ends a line too (Excel's "CSV (Macintosh)"): `csv_core` reads on.
                Some(p) if unread[p] == b'\r' && p + 1 < unread.len() => match self.quoted()? {
                    Some(n) => return Ok(Some(n)),
                    None => continue,
                },
                _ => {}
            }
            let unread = &self.buf[self.start..self.end];
            let Some(nl) = memchr::memchr(b'\n', unread) else {
                if memchr::memchr(b'\r', unread).is_some_and(|p| p + 1 < unread.len()) {
                    // No '\n' in sight but a lone '\r': lines end in '\r' here.
                    match self.quoted()? {
                        Some(n) => return Ok(Some(n)),
                        None => continue,
                    }
                }
                if self.fill()? {
                    continue;
                }
                if self.start == self.end {
                    return Ok(None);
                }
                // A last line without a line end.
                return match self.quoted_or_plain(self.end - self.start, false)? {
                    Some(n) => Ok(Some(n)),
                    None => continue,
                };
            };
            return match self.quoted_or_plain(nl, true)? {
                Some(n) => Ok(Some(n)),
                None => continue,
            };
        }
    }

    /// Takes the plain line at `start`: `len` bytes with no quote and no '\r', then its line
    /// end, `taken` bytes in all. `None` for an empty line, which is skipped.
    fn plain(&mut self, len: usize, taken: usize) -> Option<u64> {
        let number = self.lines + 1 - self.embedded;
        self.lines += 1;
        let line_start = self.start;
        self.start += taken;
        if len == 0 {
            return None;
        }
        self.fields = Fields::InBuffer;
        self.line_start = line_start;
        self.line_len = len;
        self.spans.clear();
        self.split.set(false);
        Some(number)
    }

    /// Takes the record that starts at `start`, whose first line is `len` bytes long (followed
    /// by '\n' when `newline`). `None` for an empty line, which is skipped.
    fn quoted_or_plain(&mut self, len: usize, newline: bool) -> std::io::Result<Option<u64>> {
        let line = &self.buf[self.start..self.start + len];
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if memchr::memchr(b'\r', body).is_some() {
            return self.quoted();
        }
        // A line with quotes is read in place too when every quoted field closes on it and
        // holds no quote of its own. A few quoted fields (an address with a comma) are noted
        // and the line split only when asked; a line of them (`Export-Csv` quotes every
        // field, issue 12) is split at once.
        let quoted = memchr::memchr(b'"', body).is_some();
        let mut spans = std::mem::take(&mut self.spans);
        let split = if !quoted {
            spans.clear();
            false
        } else if quoted_spans(body, self.delimiter, &mut spans) {
            false
        } else if spans.len() > MAX_SPANS
            && split_quoted_line(body, self.delimiter, &mut self.ranges.borrow_mut())
        {
            spans.clear();
            true
        } else {
            self.spans = spans;
            return self.quoted();
        };
        self.spans = spans;
        let number = self.lines + 1 - self.embedded;
        let skipped = body.is_empty();
        if !skipped {
            self.fields = Fields::InBuffer;
            self.line_start = self.start;
            self.line_len = body.len();
            self.split.set(split);
        }
        self.start += len + usize::from(newline);
        self.lines += u64::from(newline);
        Ok((!skipped).then_some(number))
    }

    /// Parses one record with `csv_core`, from `start`, reading more input as it needs.
    /// `None` when only line ends were left.
    fn quoted(&mut self) -> std::io::Result<Option<u64>> {
        use csv_core::ReadRecordResult as R;
        // Line ends before the record are empty lines: skipped, but counted.
        loop {
            let region = &self.buf[self.start..self.end];
            match region.iter().position(|&b| b != b'\r' && b != b'\n') {
                Some(n) => {
                    self.lines += line_ends(&region[..n]);
                    self.start += n;
                    break;
                }
                None => {
                    // A '\r' last may be half of a "\r\n": it waits for the next read.
                    let keep = usize::from(region.last() == Some(&b'\r') && !self.eof);
                    self.lines += line_ends(&region[..region.len() - keep]);
                    self.start = self.end - keep;
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
        loop {
            // A parser is built once per reader (building one costs more than parsing a line);
            // each attempt at this record starts it afresh.
            let parser = &mut self.parser;
            parser.reset();
            let input = &self.buf[self.start..self.end];
            let (mut result, nin, nout, mut nends) =
                parser.read_record(input, &mut self.unquoted, &mut self.ends);
            if matches!(result, R::InputEmpty) && self.eof {
                // The input ends inside the record: on empty input csv_core finishes it.
                self.cut = true;
                let (r, _, _, extra) =
                    parser.read_record(&[], &mut self.unquoted[nout..], &mut self.ends[nends..]);
                result = r;
                nends += extra;
            }
            match result {
                R::OutputFull => {
                    let n = self.unquoted.len() * 2;
                    self.unquoted.resize(n, 0);
                }
                R::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                R::InputEmpty => {
                    self.fill()?;
                }
                R::Record | R::End => {
                    let mut consumed = nin;
                    // "\r\n": csv_core stops after the '\r'; the '\n' ends this record too.
                    let ended_cr = consumed > 0 && input[consumed - 1] == b'\r';
                    if ended_cr && consumed == input.len() && !self.eof {
                        // Whether a '\n' follows decides whether this is one line end or two.
                        self.fill()?;
                    }
                    let input = &self.buf[self.start..self.end];
                    if ended_cr && input.get(consumed) == Some(&b'\n') {
                        consumed += 1;
                    }
                    let taken = &input[..consumed];
                    let ends = line_ends(taken);
                    let terminator = u64::from(matches!(taken.last(), Some(b'\n' | b'\r')));
                    let number = self.lines + 1 - self.embedded;
                    self.lines += ends;
                    self.embedded += ends - terminator;
                    self.start += consumed;
                    let mut ranges = self.ranges.borrow_mut();
                    ranges.clear();
                    let mut from = 0;
                    for &e in &self.ends[..nends] {
                        ranges.push((from, e));
                        from = e;
                    }
                    drop(ranges);
                    self.split.set(true);
                    self.fields = Fields::Unquoted;
                    return Ok(Some(number));
                }
            }
        }
    }

    /// The field delimiter.
    pub(crate) fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Row numbers used so far: the next part of the same file numbers its rows after these.
    pub(crate) fn rows_spanned(&self) -> u64 {
        self.lines - self.embedded
    }

    /// True when the input ended inside a quoted record, which was finished there: for a part
    /// of a file, a sign that the cut fell inside a record.
    pub(crate) fn cut_inside_record(&self) -> bool {
        self.cut
    }

    /// The current plain line, without its line end.
    fn line(&self) -> &[u8] {
        &self.buf[self.line_start..self.line_start + self.line_len]
    }

    /// Splits the current plain line into fields, once.
    fn split_line(&self) {
        if self.split.get() {
            return;
        }
        let line = self.line();
        let mut ranges = self.ranges.borrow_mut();
        ranges.clear();
        let d = self.delimiter;
        if !self.spans.is_empty() {
            // Checked by `quoted_spans`: the line splits.
            split_quoted_line(line, d, &mut ranges);
            self.split.set(true);
            return;
        }
        let mut from = 0;
        while let Some(at) = find(line, from, d, d) {
            ranges.push((from, at));
            from = at + 1;
        }
        ranges.push((from, line.len()));
        self.split.set(true);
    }

    /// The number of fields of the current record.
    pub(crate) fn len(&self) -> usize {
        self.split_line();
        self.ranges.borrow().len()
    }

    /// A field of the current record, unquoted.
    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        match self.fields {
            Fields::InBuffer => {
                let line = self.line();
                if !self.split.get() {
                    return field_of_line(line, self.delimiter, &self.spans, i);
                }
                self.split_line();
                let (a, b) = *self.ranges.borrow().get(i)?;
                Some(&line[a..b])
            }
            Fields::Unquoted => {
                let (a, b) = *self.ranges.borrow().get(i)?;
                Some(&self.unquoted[a..b])
            }
        }
    }
}

/// Line ends in `bytes` as a spreadsheet counts them: "\n", "\r\n" and a lone '\r' are one
/// each.
fn line_ends(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let cr = memchr::memchr_iter(b'\r', bytes).count();
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    (lf + cr - crlf) as u64
}

/// Field `i` of a line whose quoted fields are `spans` (see [`quoted_spans`]), found without
/// splitting the whole line: passing over a row usually needs one field (its customer), often
/// the last of a wide export. The delimiters are counted (a vector scan; those inside quotes
/// taken off), then the field is reached from the nearer end.
fn field_of_line<'a>(
    line: &'a [u8],
    delimiter: u8,
    spans: &[(usize, usize)],
    i: usize,
) -> Option<&'a [u8]> {
    let quoted = |at: usize| spans.iter().any(|&(open, close)| open < at && at < close);
    let unquote = |(start, end): (usize, usize)| {
        let field = &line[start..end];
        match field.first() {
            Some(b'"') => &field[1..field.len() - 1],
            _ => field,
        }
    };
    if i == 0 && spans.is_empty() {
        let end = memchr::memchr(delimiter, line).unwrap_or(line.len());
        return Some(&line[..end]);
    }
    let inside: usize = spans
        .iter()
        .map(|&(open, close)| memchr::memchr_iter(delimiter, &line[open..close]).count())
        .sum();
    let delimiters = memchr::memchr_iter(delimiter, line).count() - inside;
    if i > delimiters {
        return None;
    }
    // Field i lies between delimiter i-1 and delimiter i (counted from 0; the line's ends
    // stand in for the missing ones).
    let after = delimiters - i;
    if i <= after {
        let mut at = memchr::memchr_iter(delimiter, line).filter(|&d| !quoted(d));
        let start = if i == 0 { 0 } else { at.nth(i - 1).map_or(0, |d| d + 1) };
        let end = at.next().unwrap_or(line.len());
        Some(unquote((start, end)))
    } else {
        let mut at = memchr::memrchr_iter(delimiter, line).filter(|&d| !quoted(d));
        let end = if after == 0 { line.len() } else { at.nth(after - 1).unwrap_or(line.len()) };
        let start = at.next().map_or(0, |d| d + 1);
        Some(unquote((start, end)))
    }
}

/// The quoted fields of a line, as (opening quote, closing quote), when each opens a field,
/// closes before the delimiter or the line end, and holds no quote: then the line splits
/// as [`split_quoted_line`] splits it. False otherwise, or when there are more than
/// [`MAX_SPANS`] (the spans are then not all there).
fn quoted_spans(line: &[u8], delimiter: u8, spans: &mut Vec<(usize, usize)>) -> bool {
    spans.clear();
    let mut quotes = memchr::memchr_iter(b'"', line);
    while let Some(open) = quotes.next() {
        let Some(close) = quotes.next() else { return false };
        let opens_field = open == 0 || line[open - 1] == delimiter;
        let closes_field = line.get(close + 1).is_none_or(|&c| c == delimiter);
        if !opens_field || !closes_field {
            return false;
        }
        spans.push((open, close));
        if spans.len() > MAX_SPANS {
            return false;
        }
    }
    true
}

/// Splits one line into the ranges of its fields when it needs no unquoting beyond dropping the
/// quotes around a field: each quoted field closes on this line, holds no `"`, and is followed
/// by the delimiter or the line end; an unquoted field holds no `"`. False when the line needs
/// `csv_core` (the ranges are then left half-filled; the caller does not use them).
fn split_quoted_line(line: &[u8], delimiter: u8, ranges: &mut Vec<(usize, usize)>) -> bool {
    ranges.clear();
    let mut pos = 0;
    loop {
        if line.get(pos) == Some(&b'"') {
            let Some(close) = find(line, pos + 1, b'"', b'"') else {
                return false;
            };
            ranges.push((pos + 1, close));
            match line.get(close + 1) {
                None => return true,
                Some(&d) if d == delimiter => pos = close + 2,
                Some(_) => return false,
            }
        } else {
            let end = find(line, pos, delimiter, b'"').unwrap_or(line.len());
            if line.get(end) == Some(&b'"') {
                return false;
            }
            ranges.push((pos, end));
            if end == line.len() {
                return true;
            }
            pos = end + 1;
        }
    }
}

/// The first position at or after `from` holding `a` or `b`. Fields are short (a call to
/// `memchr` costs more than it saves on a few bytes): eight bytes are tested at a time, in a
/// `u64`.
fn find(hay: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // The high bit of each byte of `word` that equals `byte`, exactly (no carries between
    // bytes: each byte's low seven bits plus 0x7f stay within the byte).
    let equal = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        !(((x & !HIGH).wrapping_add(!HIGH)) | x) & HIGH
    };
    let rest = hay.get(from..)?;
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for chunk in words.by_ref() {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let hits = equal(word, a) | equal(word, b);
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words.remainder().iter().position(|&c| c == a || c == b).map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes a few at a time, as a pipe might.
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    fn ours(bytes: &[u8], delimiter: u8, step: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut r = Records::new(Box::new(Trickle(bytes.to_vec(), step)), delimiter);
        let mut out = Vec::new();
        while let Some(n) = r.next_record().unwrap() {
            // Single fields first, as a row being passed over is read: the first, one that
            // varies with the row (often the last, sometimes past the end).
            let first = r.get(0).map(<[u8]>::to_vec);
            let probe = (n as usize * 7) % 6;
            let probed = r.get(probe).map(<[u8]>::to_vec);
            let fields: Vec<Vec<u8>> = (0..r.len()).map(|i| r.get(i).unwrap().to_vec()).collect();
            assert_eq!(first.as_ref(), fields.first());
            assert_eq!(probed.as_ref(), fields.get(probe), "field {probe} of row {n}");
            out.push((n, fields));
        }
        out
    }

    /// The csv crate's records; row numbers are the line each record starts on, in the text
    /// with "\r\n" and a lone '\r' made "\n", less the newlines inside earlier records.
    fn reference(bytes: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let read = |b: &[u8]| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(b);
            let mut out = Vec::new();
            let mut rec = csv::ByteRecord::new();
            while rdr.read_byte_record(&mut rec).unwrap() {
                // The record starts after any line ends the reader skipped.
                let mut at = rec.position().unwrap().byte() as usize;
                while matches!(b.get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                let line = 1 + b[..at].iter().filter(|&&c| c == b'\n').count() as u64;
                out.push((line, rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()));
            }
            out
        };
        let fields = read(bytes);
        let mut lf = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            // A lone '\r' ends a line too, as a spreadsheet shows it.
            lf.push(if bytes[i] == b'\r' { b'\n' } else { bytes[i] });
            i += 1;
        }
        let lines = read(&lf);
        assert_eq!(fields.len(), lines.len());
        let mut embedded = 0;
        fields
            .into_iter()
            .zip(lines)
            .map(|((_, f), (line, lf_fields))| {
                let n = line - embedded;
                embedded += lf_fields.iter().flatten().filter(|&&b| b == b'\n').count() as u64;
                (n, f)
            })
            .collect()
    }

    #[test]
    fn plain_quoted_and_windows_lines() {
        let text = b"a,b\r\n\"x,\"\"y\"\"\nz\",2\r\n\r\nlast,\"\"";
        let got = ours(text, b',', 3);
        assert_eq!(got, reference(text, b','));
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 4]);
    }

    /// Records as `Export-Csv` writes them: every field quoted, CRLF; some fields hold the
    /// delimiter, a doubled quote or a line break, some are empty.
    fn export_csv() -> impl Strategy<Value = Vec<u8>> {
        let field =
            prop::collection::vec(prop::sample::select(b"ab,;\"\r\n \xc3\xa9".to_vec()), 0..6);
        let record = prop::collection::vec(field, 1..5);
        prop::collection::vec(record, 0..6).prop_map(|records| {
            let mut out = Vec::new();
            for r in records {
                let fields: Vec<Vec<u8>> = r
                    .into_iter()
                    .map(|f| {
                        let mut q = vec![b'"'];
                        for b in f {
                            if b == b'"' {
                                q.push(b'"');
                            }
                            q.push(b);
                        }
                        q.push(b'"');
                        q
                    })
                    .collect();
                out.extend(fields.join(&b',').iter());
                out.extend(b"\r\n");
            }
            out
        })
    }

    #[test]
    fn fully_quoted_lines_split_in_place() {
        let mut ranges = Vec::new();
        assert!(split_quoted_line(b"\"a\",\"\",b,\"c,d\"", b',', &mut ranges));
        assert_eq!(ranges, [(1, 2), (5, 5), (7, 8), (10, 13)]);
        assert!(split_quoted_line(b"\"a\",", b',', &mut ranges));
        assert_eq!(ranges, [(1, 2), (4, 4)]);
        for needs_csv_core in [&b"\"a\"\"b\""[..], b"\"a", b"\"a\"b", b"a\"b", b" \"a\""] {
            assert!(!split_quoted_line(needs_csv_core, b',', &mut ranges), "{needs_csv_core:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn export_csv_records_match_the_csv_crate(bytes in export_csv(), step in 1usize..9) {
            prop_assert_eq!(ours(&bytes, b',', step), reference(&bytes, b','));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn find_matches_a_plain_search(
            hay in prop::collection::vec(prop::sample::select(vec![0u8, 1, b',', b'"', 0x7f, 0x80, 0xac, 0xff]), 0..40),
            from in 0usize..45,
            a in prop::sample::select(vec![b',', b'"', 0x7f, 0x80, 0xff, 0]),
            b in prop::sample::select(vec![b',', b'"', 0x7f, 0x80, 0xff, 0]),
        ) {
            let expected = hay.get(from..).and_then(|rest| rest.iter().position(|&c| c == a || c == b)).map(|i| from + i);
            prop_assert_eq!(find(&hay, from, a, b), expected);
        }

        #[test]
        fn records_match_the_csv_crate(
            bytes in prop::collection::vec(prop::sample::select(b"ab,;\"\r\n \xc3\xa9".to_vec()), 0..80),
            step in 1usize..9,
            semicolon in any::<bool>(),
        ) {
            let d = if semicolon { b';' } else { b',' };
            prop_assert_eq!(ours(&bytes, d, step), reference(&bytes, d));
        }
    }
}
