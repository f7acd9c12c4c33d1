//! Quoting values into generated scripts so that no name, user principal name or id can break
//! out of its string: `O'Brien & Sons; rm -rf /` and `$(reboot)` stay plain text.

/// A bash word that is exactly `s`: single-quoted; a value holding a quote, backslash, `$`,
/// backtick or control character is written ANSI-C quoted (`$'...'`) with those characters as
/// `\xHH`, so that nothing in it is syntax and shellcheck sees no quotes or expansions to
/// warn about (SC2016, SC2089, SC2090) whatever a customer is called.
pub fn bash(s: &str) -> String {
    let special = |c: char| matches!(c, '\'' | '"' | '\\' | '$' | '`') || c.is_ascii_control();
    if !s.chars().any(special) {
        return format!("'{s}'");
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str("$'");
    for c in s.chars() {
        if special(c) {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A bash array literal of words.
pub fn bash_array(items: &[String]) -> String {
    let words: Vec<String> = items.iter().map(|s| bash(s)).collect();
    format!("({})", words.join(" "))
}

/// A PowerShell verbatim string that is exactly `s`: single-quoted, each `'` (and the typographic
/// single quotes PowerShell also accepts as delimiters) doubled.
pub fn powershell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        if matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

/// A PowerShell array literal of strings.
pub fn powershell_array(items: &[String]) -> String {
    let words: Vec<String> = items.iter().map(|s| powershell(s)).collect();
    format!("@({})", words.join(", "))
}

/// Text for a comment line: no line breaks (which would end the comment).
pub fn comment(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_cannot_be_escaped() {
        assert_eq!(bash("O'Brien & Sons; rm -rf /"), r"$'O\x27Brien & Sons; rm -rf /'");
        assert_eq!(bash("$(reboot)`id`"), r"$'\x24(reboot)\x60id\x60'");
        assert_eq!(bash("a\\b\"c\n"), r"$'a\x5cb\x22c\x0a'");
        assert_eq!(bash("Contoso Ltd"), "'Contoso Ltd'");
        assert_eq!(powershell("O'Brien $(Stop-Computer)"), "'O''Brien $(Stop-Computer)'");
        assert_eq!(powershell("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(comment("a\nb\r\tc"), "a b  c");
    }
}
