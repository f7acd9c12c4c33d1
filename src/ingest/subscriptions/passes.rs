//! The two passes over a subscriptions file, on every core for a large text file.
//!
//! Owns: cutting a large text file into one part per thread for both passes (the cuts depend
//! only on the file, so pass 2 cuts where pass 1 did), surveying the parts in parallel in pass
//! 1 and merging what they found, and reading the parts in parallel in pass 2 while one thread
//! takes their rows in file order. The result is the one reading the file whole gives: the same
//! records, merges, rejections, row numbers and counts.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::mpsc;

use super::{
    decide_date_orders, is_kaizala_row, layout_name, merge, note_domain, parse_row, row_customer,
    with_customer, Cols, ColumnEvidence, KaizalaCustomers, Parsed, RowContext, RowError,
};
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use crate::guid::GuidSet;
use crate::ingest::{values, Filtered, IngestOptions, Ingested, Kind, Origin, Table};
use crate::source::{Cells, Input, Next, Row};

/// A subscriptions file after its first pass, ready for the second.
pub(crate) struct FirstPass {
    input: Input,
    file: usize,
    cols: Cols,
    /// A sheet's rows (a sheet is in memory anyway); `None` for a text file, read again.
    kept: Option<Vec<Row>>,
    /// The text file was read in parts; pass 2 reads the same parts.
    in_parts: bool,
    /// The domains each part's rows name per customer, noted while pass 2 reads.
    domains: Vec<BTreeMap<u128, BTreeSet<String>>>,
    order_of: BTreeMap<&'static str, Option<values::DateOrder>>,
    price_mark: Option<values::DecimalMark>,
    file_customer: Option<String>,
    file_customer_bits: Option<u128>,
}

const DATES: [&str; 3] = ["end_date", "start_date", "charge_start"];
const AMOUNTS: [&str; 1] = ["unit_price"];

/// Pass 1 over one subscriptions file: registers it, decides its column formats, records what
/// it says about customers, and notes the customers that have a Kaizala Pro row.
///
/// A file may lack required columns when other files give those values for the same
/// subscription ids (a Partner Center UI export has status and quantity but no dates); whether
/// every required field is covered is decided by `finish` once all files are read.
pub(crate) fn first_pass(
    input: &Input,
    opts: &IngestOptions,
    catalog: &Catalog,
    ing: &mut Ingested,
    kaizala: &mut KaizalaCustomers,
) -> Result<FirstPass> {
    let file_customer = crate::ingest::file_customer(input)?;
    let _pass = crate::progress::pass("pass 1/2");
    let tables = crate::ingest::open_tables(input, Kind::Subscriptions, opts, &mut ing.ledger)?;
    let file = tables[0].file;
    super::note_missing_columns(&tables[0], file_customer.is_some(), opts, ing);
    let m = tables[0].mapping.clone();
    let cols = Cols::of(&m);
    if cols.offer_name.is_none() && cols.offer_id.is_none()
        || cols.customer_id.is_none() && file_customer.is_none()
    {
        kaizala.incomplete = true;
    }
    let file_customer_bits =
        file_customer.as_deref().and_then(|c| crate::guid::guid_bits(c.as_bytes()));
    let ctx = SurveyCtx { m: &m, cols, catalog, file_customer_bits };
    // A cut inside a quoted record reads the file whole, in both passes.
    let (surveys, in_parts) = crate::ingest::read_in_parts(
        tables,
        || crate::ingest::reopen_table(input, Kind::Subscriptions, opts, file),
        |t| survey(&ctx, t),
        |s: &Survey| s.cut_inside_record,
    )?;
    let mut evidence = ColumnEvidence::default();
    let mut kept = None;
    let mut notes: Vec<String> = Vec::new();
    let mut rows_read = 0;
    let mut domains = Vec::with_capacity(surveys.len());
    for s in surveys {
        rows_read += s.rows_read;
        evidence.merge(s.evidence);
        domains.push(s.domains);
        kaizala.absorb(s.kaizala);
        kept = kept.or(s.kept);
        for note in s.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let report = &mut ing.ledger.files[file];
    report.rows_read = rows_read;
    report.layout = layout_name(&m).to_string();
    report.notes.extend(notes);
    if m.col("auto_renew").is_none() {
        let note = "no auto-renew column: the end date alone marks a subscription as expiring";
        report.notes.push(note.into());
    }
    let order_of = decide_date_orders(
        &mut evidence,
        &m,
        &DATES,
        opts.date_order,
        &mut ing.ledger.files[file],
    )?;
    let price_mark = evidence.mark("unit_price");
    Ok(FirstPass {
        input: input.clone(),
        file,
        cols,
        kept,
        in_parts,
        domains,
        order_of,
        price_mark,
        file_customer,
        file_customer_bits,
    })
}

/// What every part of a file is surveyed with.
struct SurveyCtx<'a> {
    m: &'a crate::ingest::Mapping,
    cols: Cols,
    catalog: &'a Catalog,
    file_customer_bits: Option<u128>,
}

/// What pass 1 found in one part of a file (or the whole file).
struct Survey {
    rows_read: u64,
    evidence: ColumnEvidence,
    /// The domains each customer's rows name, as written (trimmed).
    domains: BTreeMap<u128, BTreeSet<String>>,
    kaizala: KaizalaCustomers,
    /// A sheet's rows, kept for pass 2.
    kept: Option<Vec<Row>>,
    notes: Vec<String>,
    cut_inside_record: bool,
}

/// Pass 1 over one part: everything is read off the cells as they lie. A text file's rows are
/// not decoded (pass 2 reads them again); a sheet's rows are kept for pass 2.
fn survey(ctx: &SurveyCtx<'_>, mut table: Table) -> Result<Survey> {
    let streaming = table.reader.is_streaming();
    let mut kept: Option<Vec<Row>> = (!streaming).then(Vec::new);
    let mut evidence = ColumnEvidence::default();
    let mut domains: BTreeMap<u128, BTreeSet<String>> = BTreeMap::new();
    let mut kaizala = KaizalaCustomers::default();
    let mut rows_read = 0u64;
    let mut key = String::new();
    // The last (customer, domain) noted: a customer's rows come together and repeat it.
    let mut last: Option<(u128, String)> = None;
    let mut visit = |cells: &dyn Cells| {
        if cells.blank() {
            // Decoded, then dropped as blank by the table.
            return false;
        }
        rows_read += 1;
        evidence.observe(cells, ctx.m, &DATES, &AMOUNTS);
        if let Some(c) = row_customer(cells, &ctx.cols, ctx.file_customer_bits) {
            if let Some(d) = ctx.cols.domain.map(|i| cells.text(i)) {
                let d = d.trim();
                let repeat = last.as_ref().is_some_and(|(lc, ld)| *lc == c && ld == d);
                // A domain name has at most 253 characters: longer text is none.
                if !d.is_empty() && d.len() <= 253 && !repeat {
                    let d = d.to_string();
                    domains.entry(c).or_default().insert(d.clone());
                    last = Some((c, d));
                }
            }
            if !kaizala.customers.contains(&c)
                && is_kaizala_row(cells, &ctx.cols, ctx.catalog, &mut kaizala, &mut key)
            {
                kaizala.customers.insert(c);
            }
        }
        streaming
    };
    let mut row = Row { number: 0, cells: Vec::new() };
    while let Some(next) = table.next_unless(&mut row, &mut visit) {
        if let (Next::Read, Some(k)) = (next?, kept.as_mut()) {
            // A sheet's row was moved out of the sheet: move it on.
            k.push(std::mem::replace(&mut row, Row { number: 0, cells: Vec::new() }));
        }
    }
    Ok(Survey {
        rows_read,
        evidence,
        domains,
        kaizala,
        kept,
        notes: table.reader.notes(),
        cut_inside_record: table.reader.cut_inside_record(),
    })
}

/// Pass 2 over one subscriptions file: rows of customers with no Kaizala Pro row in any file
/// are counted as not Kaizala Pro and passed over undecoded; the others are parsed, checked
/// and merged.
pub(crate) fn second_pass(
    pass: FirstPass,
    opts: &IngestOptions,
    keep: Option<&GuidSet>,
    ing: &mut Ingested,
) -> Result<()> {
    let FirstPass {
        input,
        file,
        cols,
        kept,
        in_parts,
        domains,
        order_of,
        price_mark,
        file_customer,
        file_customer_bits,
    } = pass;
    let ctx = SiftCtx {
        row: RowContext { cols, order_of: &order_of, price_mark, file_customer },
        keep,
        file_customer_bits,
        file_customer_outside: matches!(
            (file_customer_bits, keep),
            (Some(c), Some(k)) if !k.contains(&c)
        ),
    };
    let mut take = |t: Taken, ing: &mut Ingested| {
        if let (Some(c), Some(note)) = (t.customer, t.note) {
            with_customer(ing, c, |info| note.fill(info));
        }
        let origin = Origin { file, row: t.row };
        match t.parsed {
            Ok(parsed) => merge(parsed, origin, ing),
            Err((field, reason)) => {
                let col = ing.ledger.col(file, field);
                ing.ledger.rejected(origin, col, reason);
            }
        }
    };
    // Every customer's domains, for linking users files (the rest of what rows say about a
    // customer is taken below, for the customers kept): noted on this thread while the parts
    // are read.
    let note_domains = |ing: &mut Ingested| {
        for (c, ds) in domains.into_iter().flatten() {
            for d in ds {
                note_domain(c, &d, ing);
            }
        }
    };
    let passed_over = match kept {
        Some(rows) => {
            note_domains(ing);
            let mut sift = Sift::new(&ctx);
            for row in &rows {
                let next = row.skip_by(&mut |c| sift.outside(c));
                if let Some(t) = sift.take(next, row) {
                    take(t, ing);
                }
            }
            sift.passed_over
        }
        None => {
            let _pass = crate::progress::pass("pass 2/2");
            let tables =
                crate::ingest::reopen_tables(&input, Kind::Subscriptions, opts, file, in_parts)?;
            sift_in_order(&ctx, tables, &input.name, ing, note_domains, &mut take)?
        }
    };
    ing.ledger.filtered_many(file, Filtered::NotKaizala, passed_over);
    Ok(())
}

/// What every part of a file is read with in pass 2.
struct SiftCtx<'a> {
    row: RowContext<'a>,
    keep: Option<&'a GuidSet>,
    file_customer_bits: Option<u128>,
    file_customer_outside: bool,
}

/// One decoded row, ready to be taken in file order: its row number (counted from its part's
/// start until it is taken), what it says about its customer, and its values or why not.
struct Taken {
    row: u64,
    customer: Option<u128>,
    note: Option<CustomerNote>,
    parsed: std::result::Result<Parsed, RowError>,
}

/// What a row says about its customer that the rows before it in its part did not.
#[derive(Default)]
struct CustomerNote {
    name: Option<String>,
    account_manager: Option<String>,
    segment: Option<String>,
    frontline: bool,
}

impl CustomerNote {
    /// Fills what the customer does not have yet: the first value in file order stays, and a
    /// customer is frontline when any row says so.
    fn fill(self, info: &mut crate::ingest::CustomerInfo) {
        let fill = |slot: &mut Option<String>, value: Option<String>| {
            if slot.is_none() {
                *slot = value;
            }
        };
        fill(&mut info.name, self.name);
        fill(&mut info.account_manager, self.account_manager);
        fill(&mut info.segment, self.segment);
        info.frontline |= self.frontline;
    }
}

/// Pass 2 over one part: passes over rows of customers not kept, parses the others.
struct Sift<'a> {
    ctx: &'a SiftCtx<'a>,
    filter: values::CustomerFilter<'a>,
    passed_over: u64,
    /// What the part's rows said about each customer so far, and the customers about whom the
    /// file's columns can tell nothing more.
    known: rustc_hash::FxHashMap<u128, CustomerNote>,
    complete: GuidSet,
}

impl<'a> Sift<'a> {
    fn new(ctx: &'a SiftCtx<'a>) -> Sift<'a> {
        Sift {
            ctx,
            filter: values::CustomerFilter::new(ctx.keep, ctx.file_customer_outside),
            passed_over: 0,
            known: Default::default(),
            complete: GuidSet::default(),
        }
    }

    /// Whether a row is passed over, by its customer cell.
    fn outside(&mut self, cells: &dyn Cells) -> bool {
        let col = self.ctx.row.cols.customer_id.unwrap_or(usize::MAX);
        self.filter.row_outside(cells, col)
    }

    /// A row the table read: counted when passed over, else parsed.
    fn take(&mut self, next: Next, row: &Row) -> Option<Taken> {
        if matches!(next, Next::Skipped(_)) {
            self.passed_over += 1;
            return None;
        }
        let customer = row_customer(row, &self.ctx.row.cols, self.ctx.file_customer_bits);
        // A value longer than a spreadsheet cell holds, or a workbook cell that cannot be
        // read, rejects the row before anything of it is taken.
        if let Some(e) = values::first_bad_cell(row, self.ctx.row.cols.each()) {
            return Some(Taken { row: row.number, customer, note: None, parsed: Err(e) });
        }
        let note = customer.filter(|c| !self.complete.contains(c)).map(|c| self.note(row, c));
        Some(Taken { row: row.number, customer, note, parsed: parse_row(row, &self.ctx.row) })
    }

    /// What a row says about its customer that earlier rows of the part did not (name,
    /// account manager, segment, frontline; the domains were taken in pass 1).
    fn note(&mut self, row: &Row, customer: u128) -> CustomerNote {
        let cols = &self.ctx.row.cols;
        let text = |col: Option<usize>| {
            col.map(|i| row.text(i).trim().to_string()).filter(|t| !t.is_empty())
        };
        let known = self.known.entry(customer).or_default();
        let mut new = CustomerNote::default();
        let fill = |slot: &mut Option<String>, new: &mut Option<String>, col| {
            if slot.is_none() {
                *new = text(col);
                slot.clone_from(new);
            }
        };
        fill(&mut known.name, &mut new.name, cols.customer_name);
        fill(&mut known.account_manager, &mut new.account_manager, cols.account_manager);
        fill(&mut known.segment, &mut new.segment, cols.segment);
        if !known.frontline {
            new.frontline =
                text(cols.frontline).is_some_and(|t| values::parse_bool(&t) == Some(true));
            known.frontline = new.frontline;
        }
        let filled = |slot: &Option<String>, col: Option<usize>| slot.is_some() || col.is_none();
        if filled(&known.name, cols.customer_name)
            && filled(&known.account_manager, cols.account_manager)
            && filled(&known.segment, cols.segment)
            && (known.frontline || cols.frontline.is_none())
        {
            self.known.remove(&customer);
            self.complete.insert(customer);
        }
        new
    }
}

/// How one part's reading ended.
struct PartEnd {
    passed_over: u64,
    rows_spanned: u64,
    cut_inside_record: bool,
}

/// What a part's thread sends to the thread taking the rows.
enum Message {
    Rows(Vec<Taken>),
    End(PartEnd),
    Failed(Error),
}

/// Decoded rows sent at a time, and batches a part may run ahead of the rows being taken:
/// memory stays bounded however many rows a part decodes.
const BATCH: usize = 256;
const AHEAD: usize = 16;

/// Reads the tables (parts of one file) on other threads and hands their decoded rows to `take`
/// on this thread, in file order, row numbers counted from the file's start; runs `meanwhile`
/// on this thread first, once the parts are being read. Returns the rows passed over.
fn sift_in_order(
    ctx: &SiftCtx<'_>,
    tables: Vec<Table>,
    name: &str,
    ing: &mut Ingested,
    meanwhile: impl FnOnce(&mut Ingested),
    take: &mut dyn FnMut(Taken, &mut Ingested),
) -> Result<u64> {
    if tables.len() == 1 {
        meanwhile(ing);
        let mut passed = 0;
        for table in tables {
            let mut all = |rows: Vec<Taken>| {
                rows.into_iter().for_each(|t| take(t, ing));
                true
            };
            passed += sift_part(ctx, table, &mut all)?.passed_over;
        }
        return Ok(passed);
    }
    let (outboxes, inbox): (Vec<_>, Vec<_>) =
        tables.iter().map(|_| mpsc::sync_channel::<Message>(AHEAD)).unzip();
    // Parts are taken in file order by as many threads as rayon has: the part whose rows are
    // being taken is always being read, so no thread waits for ever.
    let workers = rayon::current_num_threads().clamp(1, tables.len());
    let jobs = std::sync::Mutex::new(tables.into_iter().zip(outboxes).collect::<VecDeque<_>>());
    let jobs = &jobs;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(move || loop {
                let job = jobs.lock().ok().and_then(|mut j| j.pop_front());
                let Some((table, tx)) = job else { break };
                // A send fails only once the taker has stopped: the reading stops too.
                let mut taken = true;
                let mut send = |rows: Vec<Taken>| {
                    taken = tx.send(Message::Rows(rows)).is_ok();
                    taken
                };
                let end = match sift_part(ctx, table, &mut send) {
                    Ok(end) => Message::End(end),
                    Err(e) => Message::Failed(e),
                };
                if !taken || tx.send(end).is_err() {
                    break;
                }
            });
        }
        meanwhile(ing);
        let last = inbox.len() - 1;
        let (mut base, mut passed) = (0, 0);
        for (i, rx) in inbox.into_iter().enumerate() {
            loop {
                match rx.recv() {
                    Ok(Message::Rows(rows)) => {
                        for mut t in rows {
                            t.row += base;
                            take(t, ing);
                        }
                    }
                    Ok(Message::End(end)) => {
                        if i < last && end.cut_inside_record {
                            // Pass 1 read the same parts without this: the file changed.
                            return Err(Error::Internal(format!(
                                "{name} changed while it was read"
                            )));
                        }
                        base += end.rows_spanned;
                        passed += end.passed_over;
                        break;
                    }
                    Ok(Message::Failed(e)) => return Err(e),
                    Err(_) => {
                        return Err(Error::Internal(format!("reading {name} stopped unexpectedly")))
                    }
                }
            }
        }
        Ok(passed)
    })
}

/// Reads one part, handing its decoded rows to `emit` a batch at a time; stops early when
/// `emit` says so (what the part read then is not wanted).
fn sift_part(
    ctx: &SiftCtx<'_>,
    mut table: Table,
    emit: &mut dyn FnMut(Vec<Taken>) -> bool,
) -> Result<PartEnd> {
    let mut sift = Sift::new(ctx);
    let mut batch = Vec::with_capacity(BATCH);
    let mut row = Row { number: 0, cells: Vec::new() };
    loop {
        let next = table.next_unless(&mut row, &mut |c: &dyn Cells| sift.outside(c));
        let Some(next) = next else { break };
        if let Some(t) = sift.take(next?, &row) {
            batch.push(t);
            if batch.len() == BATCH && !emit(std::mem::take(&mut batch)) {
                break;
            }
        }
    }
    if !batch.is_empty() {
        emit(batch);
    }
    Ok(PartEnd {
        passed_over: sift.passed_over,
        rows_spanned: table.reader.rows_spanned(),
        cut_inside_record: table.reader.cut_inside_record(),
    })
}
