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

/// Text for a Markdown table cell or list item: table and emphasis syntax escaped, one line.
pub fn md(text: &str) -> String {
    // Keep table and emphasis syntax out of values taken from the exports.
    text.replace('|', "\\|").replace('*', "\\*").replace('_', "\\_").replace('\n', " ")
}

/// Text as a spreadsheet-safe cell.
pub fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Text for HTML element content or a quoted attribute value.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
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
