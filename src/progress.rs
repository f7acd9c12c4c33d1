//! Progress bars for long stages: bytes read per input file, customers rendered.
//!
//! Owns: whether bars are shown. They are drawn on standard error only when the binary has
//! switched them on (it does unless `--quiet`) and standard error is a terminal; otherwise every
//! bar is hidden and costs nothing. The library never switches them on by itself.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Shows bars from now on, when standard error is a terminal.
pub fn enable(on: bool) {
    ENABLED.store(on && std::io::stderr().is_terminal(), Ordering::Relaxed);
}

fn bar(len: u64, template: &str, label: String) -> ProgressBar {
    if !ENABLED.load(Ordering::Relaxed) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label);
    bar
}

/// A bar for reading a file of `len` bytes.
pub fn bytes(label: String, len: u64) -> ProgressBar {
    bar(len, "{msg:40!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}", label)
}

/// A bar for `len` items (customers rendered, say).
pub fn items(label: &str, len: u64) -> ProgressBar {
    bar(len, "{msg:40!} [{bar:30}] {pos}/{len} {eta}", label.to_string())
}
