//! The raw floor for reading a CSV file: one pass of the csv crate over it, counting records
//! and fields, nothing else (`cargo run --release --example csv-floor -- FILE`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv-floor FILE")?;
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(&path)?;
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut fields) = (0u64, 0u64);
    while rdr.read_byte_record(&mut record)? {
        rows += 1;
        fields += record.len() as u64;
    }
    eprintln!("{path}: {rows} records, {fields} fields");
    Ok(())
}
