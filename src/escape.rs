//! Escaping values taken from the exports for each output language: Markdown (runbooks and the
//! scripts' README), CSV cells opened in a spreadsheet, and HTML (the cost report).
//!
//! A leaf module, so that the renderers and the scripts stage escape the same way.

/// The longest reason for a rejected row shown whole: a longer one keeps its start and end
/// around a note of how much was cut, so that a 100 MB value is not echoed whole.
pub const MAX_REASON: usize = 400;
/// The longest error message shown whole (they list columns and names, so are longer).
pub const MAX_MESSAGE: usize = 4_000;

/// A message cut to about `max` characters: its first and last parts (where a value and what is
/// wrong with it are) around the number of characters left out.
pub fn bounded(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let chars = text.chars().count();
    if chars <= max {
        return std::borrow::Cow::Borrowed(text);
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(chars - keep).collect();
    std::borrow::Cow::Owned(format!("{head}…[{} characters cut]…{tail}", chars - 2 * keep))
}

/// Whether a character would act on the text around it rather than show: a control character
/// (NUL, ESC, DEL, C1) or a bidirectional control (U+202E turns the rest of a line around).
fn hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text with its control and bidirectional characters made visible as U+FFFD, the replacement
/// character, so that an output shows that something was there instead of acting on it.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().map(|c| if hidden(c) { '\u{fffd}' } else { c }).collect())
}

/// Text for a Markdown table cell or list item, shown as typed and on one line: every
/// character Markdown could read as syntax (emphasis, tables, code, links and images, raw HTML,
/// entities) is escaped with a backslash, line breaks become spaces, and control and
/// bidirectional characters are made [`visible`].
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '!' | '#' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text as a spreadsheet-safe cell: a value starting with `=`, `+`, `-`, `@`, a tab or a CR
/// gets a leading apostrophe (not taken for a formula); control and bidirectional characters
/// are made [`visible`].
pub fn csv_cell(s: &str) -> String {
    let s = visible(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.into_owned()
    }
}

/// Text for HTML element content or a quoted attribute value; control and bidirectional
/// characters are made [`visible`].
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in visible(s).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_shows_hostile_names_as_typed() {
        assert_eq!(md("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>");
        assert_eq!(md("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
        assert_eq!(md("![](http://evil.example/t.png)"), "\\!\\[\\](http://evil.example/t.png)");
        assert_eq!(md("\"><img onerror=x>"), "\"\\>\\<img onerror=x\\>");
        assert_eq!(md("a|b\r\nc `d` *e* _f_ &amp;"), "a\\|b  c \\`d\\` \\*e\\* \\_f\\_ \\&amp;");
        assert_eq!(md("Zoë Martin-Smith (Sales)"), "Zoë Martin-Smith (Sales)");
    }

    #[test]
    fn control_and_bidirectional_characters_are_made_visible() {
        assert_eq!(visible("plain"), "plain");
        assert_eq!(visible("a\0b\u{202e}c\u{1b}d\u{7f}"), "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}");
        assert_eq!(md("exe.\u{202e}txt"), "exe.\u{fffd}txt");
        assert_eq!(html("a\0<b>"), "a\u{fffd}&lt;b&gt;");
        assert_eq!(csv_cell("\u{202e}=1+1"), "\u{fffd}=1+1");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
    }

    #[test]
    fn long_messages_keep_their_ends() {
        let text = format!("\"{}\" is not a date", "9".repeat(1000));
        let cut = bounded(&text, 100);
        assert!(cut.starts_with("\"9999"), "{cut}");
        assert!(cut.ends_with("\" is not a date"), "{cut}");
        assert!(cut.contains("…[916 characters cut]…"), "{cut}");
        assert_eq!(bounded("short", 100), "short");
    }
}
