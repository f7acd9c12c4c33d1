//! Escaping values taken from the exports for each output language: Markdown (runbooks and the
//! scripts' README), CSV cells opened in a spreadsheet, and HTML (the cost report).
//!
//! A leaf module, so that the renderers and the scripts stage escape the same way.

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
