//! What the targets share: reading bytes as an input file of every kind, as `plan` does.

use kaizala_migrate::catalog::Catalog;
use kaizala_migrate::ingest::{self, Aliases, IngestOptions};
use kaizala_migrate::source::Input;

/// Reads `bytes` saved as `name` as subscriptions, users and a price list together. Any
/// outcome is fine but a panic, an abort or a row that is not accounted for.
pub fn read_as(bytes: &[u8], name: &str) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(name);
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let Some(text) = path.to_str() else { return };
    let input = Input::parse(text);
    let opts = IngestOptions {
        aliases: Aliases::builtin(),
        date_order: None,
        price_basis: Default::default(),
        // Every text file is read in parts, so the parallel readers are fuzzed too.
        split_min_bytes: 0,
    };
    let catalog = Catalog::builtin(&[]);
    let one = std::slice::from_ref(&input);
    if let Ok(ing) = ingest::read_all(one, one, one, &catalog, &opts) {
        let (read, accounted) = ing.ledger.totals();
        assert_eq!(read, accounted, "rows read and rows accounted for differ");
    }
}
