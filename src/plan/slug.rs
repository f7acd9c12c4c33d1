//! File names for per-customer and per-account-manager outputs: stable (the same input gives
//! the same name), filesystem-safe (lower-case ASCII letters, digits and `-`) and unique.

use std::collections::BTreeSet;

/// Lower-case ASCII with `-` between words, at most `max` characters. Text is composed first
/// (Unicode NFC), so that "Zoë" typed either way gives one name.
pub fn slugify(text: &str, max: usize) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in text.nfc().flat_map(char::to_lowercase) {
        let piece: &str = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'æ' => "ae",
            'ç' | 'č' | 'ć' => "c",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'ł' => "l",
            'š' | 'ś' => "s",
            'ž' | 'ź' | 'ż' => "z",
            _ => "-",
        };
        out.push_str(piece);
    }
    let mut slug = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(part);
    }
    if slug.len() > max {
        slug.truncate(max);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

/// Whether Windows reserves a file name (with any extension): CON, PRN, AUX, NUL, COM1-9,
/// LPT1-9.
pub fn reserved_on_windows(slug: &str) -> bool {
    let stem = slug.split('.').next().unwrap_or(slug).to_ascii_lowercase();
    matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0')
}

/// A customer's slug: its name (or "customer") and the start of its tenant id.
pub fn customer(name: Option<&str>, id: &str) -> String {
    let base =
        name.map(|n| slugify(n, 40)).filter(|s| !s.is_empty()).unwrap_or_else(|| "customer".into());
    format!("{base}-{}", &slugify(id, 8))
}

/// Makes every slug of a list unique, in order: a repeated slug gets `-2`, `-3`, ...
pub fn unique(slugs: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    slugs
        .into_iter()
        .map(|s| {
            let mut candidate = s.clone();
            let mut n = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{s}-{n}");
                n += 1;
            }
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_readable() {
        assert_eq!(slugify("Contoso, Ltd.", 40), "contoso-ltd");
        assert_eq!(slugify("Malmö Trä AB", 40), "malmo-tra-ab");
        assert_eq!(slugify("../../etc/passwd", 40), "etc-passwd");
        assert_eq!(slugify("CON", 40), "con");
        assert_eq!(slugify("", 40), "");
        assert_eq!(
            customer(Some("Contoso Ltd"), "11111111-1111-4111-8111-111111111111"),
            "contoso-ltd-11111111"
        );
        assert_eq!(customer(None, "abcdef12-0000-4000-8000-000000000000"), "customer-abcdef12");
        assert_eq!(customer(Some("日本"), "abcdef12-0000"), "customer-abcdef12");
    }

    #[test]
    fn repeated_slugs_get_numbers() {
        let got = unique(vec!["a".into(), "b".into(), "a".into(), "a".into()]);
        assert_eq!(got, ["a", "b", "a-2", "a-3"]);
    }
}
