//! The raw floor for reading a workbook sheet: calamine's own read of the first sheet, counting
//! non-empty cells (`cargo run --release --example xlsx-floor -- FILE`).

use calamine::{open_workbook_auto, Data, Reader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: xlsx-floor FILE")?;
    let mut wb = open_workbook_auto(&path)?;
    let sheet = wb.sheet_names().first().cloned().ok_or("no sheets")?;
    let range = wb.worksheet_range(&sheet)?;
    let cells = range.used_cells().filter(|(_, _, c)| !matches!(c, Data::Empty)).count();
    eprintln!("{path}[{sheet}]: {} rows, {cells} cells", range.height());
    Ok(())
}
