//! Finding where a workbook cell lies that the workbook reader could not read.
//!
//! The XLSX reader reports a damaged value (a boolean cell holding `2958466`, a shared-string
//! index past the table, an unknown error value, a number it cannot parse) as an error without
//! a position, and then goes on to the next cell. Each `<c>` element of the sheet's XML gives
//! exactly one cell or one error, in document order; so the failing cells are known by their
//! ordinal, and this module reads the sheet's XML once more to turn ordinals into row and
//! column, the way the reader numbers cells (a cell's `r` reference, else the next column of
//! the current row).

use std::io::{BufReader, Read, Seek};

use quick_xml::events::{BytesStart, Event};

/// The part names of the workbook's sheets, by sheet name, from `xl/workbook.xml` and its
/// relationships.
fn sheet_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, sheet: &str) -> Option<String> {
    let workbook = read_part(zip, "xl/workbook.xml")?;
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels")?;
    let mut rel_id = None;
    each_start(&workbook, |e| {
        if e.local_name().as_ref() == "sheet" && attr(e, "name").as_deref() == Some(sheet) {
            rel_id = e
                .attributes()
                .flatten()
                .find(|a| a.key.local_name().as_ref() == "id")
                .and_then(|a| value(&a));
        }
    });
    let rel_id = rel_id?;
    let mut target = None;
    each_start(&rels, |e| {
        if e.local_name().as_ref() == "Relationship" && attr(e, "Id") == Some(rel_id.clone()) {
            target = attr(e, "Target");
        }
    });
    let target = target?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// A part's bytes, when it is there and of a size a workbook part may have.
fn read_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Vec<u8>> {
    let part = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    part.take(super::MAX_PART_BYTES).read_to_end(&mut out).ok()?;
    Some(out)
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == key).and_then(|a| value(&a))
}

fn value(a: &quick_xml::events::attributes::Attribute<'_>) -> Option<String> {
    a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
}

fn each_start(xml: &[u8], mut f: impl FnMut(&BytesStart<'_>)) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => f(&e),
            Ok(Event::Eof) | Err(_) => return,
            _ => {}
        }
        buf.clear();
    }
}

/// A cell reference such as `B12` as (row, column), both 0-based.
fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (col, row) = r.split_at(letters);
    let mut c: u32 = 0;
    for b in col.bytes() {
        c = c.checked_mul(26)?.checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1)?;
    }
    let row: u32 = row.parse().ok()?;
    Some((row.checked_sub(1)?, c.checked_sub(1)?))
}

/// The (row, column) of each `<c>` element whose ordinal (0-based, document order) is in
/// `ordinals` (ascending), in the sheet named `sheet` of the XLSX file `bytes`; `None` where the
/// sheet's XML cannot be read again.
pub(super) fn locate(bytes: &[u8], sheet: &str, ordinals: &[usize]) -> Option<Vec<(u32, u32)>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let part = sheet_part(&mut zip, sheet)?;
    let part = zip.by_name(&part).ok()?;
    let mut reader =
        quick_xml::Reader::from_reader(BufReader::new(part.take(super::MAX_PART_BYTES)));
    reader.config_mut().expand_empty_elements = true;
    reader.config_mut().check_end_names = false;
    let (mut row, mut col) = (0u32, 0u32);
    let mut ordinal = 0usize;
    let mut wanted = ordinals.iter().peekable();
    let mut found = Vec::with_capacity(ordinals.len());
    let mut buf = Vec::new();
    while wanted.peek().is_some() {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(r) = attr(&e, "r") {
                    row = r.parse::<u32>().ok()?.checked_sub(1)?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                row = row.saturating_add(1);
                col = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let at = match attr(&e, "r") {
                    Some(r) => cell_ref(&r)?,
                    None => (row, col),
                };
                col = at.1.saturating_add(1);
                if wanted.peek() == Some(&&ordinal) {
                    wanted.next();
                    found.push(at);
                }
                ordinal += 1;
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_read_as_the_reader_numbers_them() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("b12"), Some((11, 1)));
        assert_eq!(cell_ref("AA3"), Some((2, 26)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("12"), None);
        assert_eq!(cell_ref("A"), None);
    }
}
