//! Test helpers: a temp folder with the fixtures copied in, and the binary run there with a
//! cleared environment.

use std::path::{Path, PathBuf};
use std::process::Output;

/// A temporary working folder holding a copy of `fixtures/`.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        let dir = tempfile::tempdir().expect("temp dir");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        copy_tree(&src, &dir.path().join("fixtures"));
        Workdir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        let p = self.file(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, contents).unwrap();
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Runs the binary in the work folder.
    pub fn run(&self, args: &[&str]) -> Output {
        assert_cmd::Command::cargo_bin("kaizala-migrate")
            .unwrap()
            .env_clear()
            .current_dir(self.path())
            .args(args)
            .output()
            .unwrap()
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// Every fixture subscriptions file.
pub const SUBSCRIPTIONS: [&str; 4] = [
    "fixtures/subscriptions-api.csv",
    "fixtures/recon-legacy.csv",
    "fixtures/bam-subscriptions.csv",
    "fixtures/subscriptions.xlsx",
];

/// Every fixture users file.
pub const USERS: [&str; 3] =
    ["fixtures/users-contoso.csv", "fixtures/users-combined.csv", "fixtures/users-unknown.csv"];

/// The arguments of the README's main command, with a fixed as-of date.
pub fn fixture_args(command: &str) -> Vec<&str> {
    let mut args = vec![command, "--subscriptions"];
    args.extend(SUBSCRIPTIONS);
    args.push("--users");
    args.extend(USERS);
    args.extend(["--as-of", "2026-12-01"]);
    args
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts two texts are equal, printing a line diff when they are not.
#[track_caller]
pub fn assert_same_text(want: &str, got: &str) {
    if want == got {
        return;
    }
    let mut diff = String::new();
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for i in 0..w.len().max(g.len()) {
        match (w.get(i), g.get(i)) {
            (Some(a), Some(b)) if a == b => diff.push_str(&format!("  {a}\n")),
            (a, b) => {
                if let Some(a) = a {
                    diff.push_str(&format!("- {a}\n"));
                }
                if let Some(b) = b {
                    diff.push_str(&format!("+ {b}\n"));
                }
            }
        }
    }
    panic!("texts differ (- expected, + got):\n{diff}");
}

/// `plan` on the pricing fixtures (two currencies, three price lists), into `out/`.
pub const PRICING: [&str; 13] = [
    "plan",
    "--subscriptions",
    "fixtures/pricing/subscriptions.csv",
    "--users",
    "fixtures/pricing/users.csv",
    "--prices",
    "fixtures/pricing/nce-usd.csv",
    "fixtures/pricing/legacy.xlsx",
    "fixtures/pricing/own-prices.csv",
    "--as-of",
    "2026-12-01",
    "--out",
    "out",
];

/// A workbook of one sheet, "Sheet1", whose `<sheetData>` is `sheet_data` as given (cells with
/// inline strings, `t="inlineStr"`): for crafting what no spreadsheet program writes.
pub fn xlsx_with_sheet_data(sheet_data: &str) -> Vec<u8> {
    xlsx_with_parts(sheet_data, &[])
}

/// [`xlsx_with_sheet_data`] with more parts (name, content) in the zip.
pub fn xlsx_with_parts(sheet_data: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut parts = vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
                .to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                .to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                .to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
                .to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        ),
    ];
    parts.extend(extra.iter().map(|(n, t)| (*n, t.to_string())));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// One row of inline-string cells for [`xlsx_with_sheet_data`], from column A.
pub fn xlsx_row(number: u32, values: &[&str]) -> String {
    let cells: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let col = char::from(b'A' + i as u8);
            format!(r#"<c r="{col}{number}" t="inlineStr"><is><t>{v}</t></is></c>"#)
        })
        .collect();
    format!(r#"<row r="{number}">{cells}</row>"#)
}

/// Makes a zip's central directory say that part `name` unpacks to `size` bytes, as a crafted
/// file can (the data stays small).
pub fn declare_unpacked_size(zip: &mut [u8], name: &str, size: u32) {
    const CENTRAL: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    let mut at = 0;
    while let Some(i) = zip[at..].windows(4).position(|w| w == CENTRAL) {
        let h = at + i;
        let name_len = u16::from_le_bytes([zip[h + 28], zip[h + 29]]) as usize;
        if &zip[h + 46..h + 46 + name_len] == name.as_bytes() {
            zip[h + 24..h + 28].copy_from_slice(&size.to_le_bytes());
            return;
        }
        at = h + 4;
    }
    panic!("no part {name}");
}
