//! The same logical data set in several physical variants gives a byte-identical plan.json.
//!
//! Logical data (as of 2026-12-01):
//!
//! ```text
//! customer   sub  offer                  seats  unit price  currency  end date    auto  status
//! Contoso    s-1  Kaizala Pro             1200      1.50     EUR       2026-11-15  no    Active
//! Fabrikam   s-2  Kaizala Pro               25      6.82     SEK       2026-12-20  no    Active
//! Fabrikam   s-3  Office 365 E3              4   1234.50     SEK       2027-01-05  yes   Active
//! Northwind  s-4  Microsoft Kaizala Pro     40      2.00     USD       2027-06-30  no    Suspended
//! ```
//!
//! plus a users file for Contoso (two users, one covered by Office 365 E3).

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::util::*;

const C1: &str = "11111111-1111-4111-8111-111111111111";
const C2: &str = "22222222-2222-4222-8222-222222222222";
const C3: &str = "33333333-3333-4333-8333-333333333333";

const HEADER: [&str; 11] = [
    "CustomerId",
    "CustomerName",
    "Domain",
    "SubscriptionId",
    "OfferName",
    "Quantity",
    "UnitPrice",
    "Currency",
    "CommitmentEndDate",
    "AutoRenewEnabled",
    "Status",
];

struct Sub {
    customer: &'static str,
    name: &'static str,
    domain: &'static str,
    id: &'static str,
    offer: &'static str,
    seats: u32,
    /// Price in hundredths.
    price: u32,
    currency: &'static str,
    end: (u16, u8, u8),
    auto: bool,
    status: &'static str,
}

fn data() -> Vec<Sub> {
    vec![
        Sub {
            customer: C1,
            name: "Contoso, Ltd",
            domain: "contoso.com",
            id: "s-1",
            offer: "Kaizala Pro",
            seats: 1200,
            price: 150,
            currency: "EUR",
            end: (2026, 11, 15),
            auto: false,
            status: "Active",
        },
        Sub {
            customer: C2,
            name: "Fabrikam",
            domain: "fabrikam.com",
            id: "s-2",
            offer: "Kaizala Pro",
            seats: 25,
            price: 682,
            currency: "SEK",
            end: (2026, 12, 20),
            auto: false,
            status: "Active",
        },
        Sub {
            customer: C2,
            name: "Fabrikam",
            domain: "fabrikam.com",
            id: "s-3",
            offer: "Office 365 E3",
            seats: 4,
            price: 123450,
            currency: "SEK",
            end: (2027, 1, 5),
            auto: true,
            status: "Active",
        },
        Sub {
            customer: C3,
            name: "Northwind",
            domain: "northwind.edu",
            id: "s-4",
            offer: "Microsoft Kaizala Pro",
            seats: 40,
            price: 200,
            currency: "USD",
            end: (2027, 6, 30),
            auto: false,
            status: "Suspended",
        },
    ]
}

/// How one variant writes its values.
struct Style {
    delimiter: char,
    thousands: &'static str,
    decimal: char,
    date: fn((u16, u8, u8)) -> String,
    yes_no: (&'static str, &'static str),
}

fn quote(field: &str, delimiter: char) -> String {
    if field.contains(delimiter) || field.contains('"') || field.contains('\n') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn grouped(n: u32, sep: &str) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

fn text_table(style: &Style) -> String {
    let d = style.delimiter;
    let mut out = HEADER.join(&d.to_string());
    out.push_str("\r\n");
    for s in data() {
        let price = format!(
            "{}{}{:02}",
            grouped(s.price / 100, style.thousands),
            style.decimal,
            s.price % 100
        );
        let fields = [
            s.customer.to_string(),
            s.name.to_string(),
            s.domain.to_string(),
            s.id.to_string(),
            s.offer.to_string(),
            grouped(s.seats, style.thousands),
            price,
            s.currency.to_string(),
            (style.date)(s.end),
            if s.auto { style.yes_no.0 } else { style.yes_no.1 }.to_string(),
            s.status.to_string(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f, d)).collect();
        out.push_str(&line.join(&d.to_string()));
        out.push_str("\r\n");
    }
    out.push_str("\r\n\r\n");
    out
}

fn iso(d: (u16, u8, u8)) -> String {
    format!("{:04}-{:02}-{:02}", d.0, d.1, d.2)
}

fn dotted(d: (u16, u8, u8)) -> String {
    format!("{:02}.{:02}.{:04}", d.2, d.1, d.0)
}

fn us(d: (u16, u8, u8)) -> String {
    format!("{}/{}/{} 0:00", d.1, d.2, d.0)
}

fn xlsx(path: &std::path::Path, text_numbers: bool) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Export").unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    ws.write_string(0, 0, "Subscriptions report").unwrap();
    ws.write_string(1, 0, "Generated for review").unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    for (i, s) in data().iter().enumerate() {
        let r = 4 + i as u32;
        ws.write_string(r, 0, s.customer).unwrap();
        ws.write_string(r, 1, s.name).unwrap();
        ws.write_string(r, 2, s.domain).unwrap();
        ws.write_string(r, 3, s.id).unwrap();
        ws.write_string(r, 4, s.offer).unwrap();
        let dt = ExcelDateTime::from_ymd(s.end.0, s.end.1, s.end.2).unwrap();
        if text_numbers {
            ws.write_string(r, 5, s.seats.to_string()).unwrap();
            ws.write_string(r, 6, format!("{}.{:02}", s.price / 100, s.price % 100)).unwrap();
            ws.write_datetime_with_format(r, 8, &dt, &date).unwrap();
            ws.write_string(r, 9, if s.auto { "TRUE" } else { "FALSE" }).unwrap();
        } else {
            ws.write_number(r, 5, f64::from(s.seats)).unwrap();
            ws.write_number(r, 6, f64::from(s.price) / 100.0).unwrap();
            // A bare date serial, no date format.
            let day = chrono::NaiveDate::from_ymd_opt(
                i32::from(s.end.0),
                u32::from(s.end.1),
                u32::from(s.end.2),
            )
            .unwrap();
            let serial = (day - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
            ws.write_number(r, 8, serial as f64).unwrap();
            ws.write_boolean(r, 9, s.auto).unwrap();
        }
        ws.write_string(r, 7, s.currency).unwrap();
        ws.write_string(r, 10, s.status).unwrap();
    }
    wb.save(path).unwrap();
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend(unit.to_le_bytes());
    }
    out
}

const USERS: &str = "\u{feff}Display name,User principal name,Licenses\n\
Alice,alice@contoso.com,Microsoft Kaizala Pro\n\
Bob,bob@contoso.com,Microsoft Kaizala Pro+Office 365 E3\n";

#[test]
fn six_physical_variants_give_one_plan() {
    let w = Workdir::new();
    w.write("users.csv", USERS);
    let comma = Style {
        delimiter: ',',
        thousands: ",",
        decimal: '.',
        date: iso,
        yes_no: ("True", "False"),
    };
    w.write("v1-utf8-comma.csv", text_table(&comma));
    let swedish = Style {
        delimiter: ';',
        thousands: "\u{a0}",
        decimal: ',',
        date: iso,
        yes_no: ("Sant", "Falskt"),
    };
    w.write("v2-bom-semicolon.csv", format!("\u{feff}{}", text_table(&swedish)));
    let tab = Style {
        delimiter: '\t',
        thousands: "",
        decimal: '.',
        date: iso,
        yes_no: ("TRUE", "FALSE"),
    };
    w.write("v3-utf16-tab.txt", utf16le(&text_table(&tab)));
    xlsx(&w.file("v4-serials.xlsx"), false);
    xlsx(&w.file("v5-text-numbers.xlsx"), true);
    let german = Style {
        delimiter: ';',
        thousands: ".",
        decimal: ',',
        date: dotted,
        yes_no: ("Wahr", "Falsch"),
    };
    w.write("v6-dotted-dates.csv", text_table(&german));
    let us_style =
        Style { delimiter: ',', thousands: ",", decimal: '.', date: us, yes_no: ("yes", "no") };
    w.write("v7-us-dates.csv", text_table(&us_style));
    w.write("users-utf16.txt", utf16le(&USERS.replace(',', "\t").replace('\u{feff}', "")));

    let variants = [
        ("v1-utf8-comma.csv", "users.csv"),
        ("v2-bom-semicolon.csv", "users.csv"),
        ("v3-utf16-tab.txt", "users-utf16.txt"),
        ("v4-serials.xlsx", "users.csv"),
        ("v5-text-numbers.xlsx", "users.csv"),
        ("v6-dotted-dates.csv", "users.csv"),
        ("v7-us-dates.csv", "users.csv"),
    ];
    let mut first: Option<String> = None;
    for (subs, users) in variants {
        let dir = format!("out-{subs}");
        let out = w.run(&[
            "plan",
            "--subscriptions",
            subs,
            "--users",
            users,
            "--as-of",
            "2026-12-01",
            "--out",
            &dir,
        ]);
        assert_eq!(out.status.code(), Some(0), "{subs}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("  4 rows read = 4 used + 0 filtered out + 0 rejected")
                || stdout(&out).contains("  4 rows read = 2 used + 2 filtered out + 0 rejected"),
            "{subs}: {}",
            stdout(&out)
        );
        let plan = w.read(&format!("{dir}/plan.json"));
        match &first {
            None => first = Some(plan),
            Some(want) => assert_same_text(want, &plan),
        }
    }
    let plan: serde_json::Value = serde_json::from_str(first.as_deref().unwrap()).unwrap();
    let customers = plan["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 2);
    assert_eq!(customers[0]["customer_name"], "Contoso, Ltd");
    assert_eq!(customers[0]["current_seats"], 1200);
    assert_eq!(customers[0]["seats_to_buy"], 1);
    assert_eq!(customers[0]["expiring_subscriptions"][0]["unit_price"], "1.5");
    assert_eq!(customers[1]["deadline"], "2026-12-20");
    assert_eq!(customers[1]["seats_to_buy"], 25);
    assert_eq!(customers[1]["expiring_subscriptions"][0]["unit_price"], "6.82");
    assert_eq!(plan["other_kaizala_subscriptions"][0]["reason"], "Kaizala Pro, already suspended");
}
