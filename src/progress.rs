//! Progress bars for long stages: bytes read per input file, customers rendered.
//!
//! Owns: whether bars are shown. They are drawn on standard error only when the binary has
//! switched them on (it does unless `--quiet`) and standard error is a terminal; otherwise every
//! bar is hidden and costs nothing. The library never switches them on by itself.

use std::cell::Cell;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static ENABLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The pass over the files under way on this thread (files are opened on the thread that
    /// reads them in order), when a file is read more than once.
    static PASS: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Names the pass over the files that bars opened from now on belong to ("pass 1/2"),
/// until the guard is dropped: a file read twice then does not look like a restart.
pub fn pass(name: &'static str) -> PassGuard {
    PASS.with(|p| p.set(Some(name)));
    PassGuard
}

/// Ends the pass named with [`pass`] when dropped.
pub struct PassGuard;

impl Drop for PassGuard {
    fn drop(&mut self) {
        PASS.with(|p| p.set(None));
    }
}

/// "reading NAME", with the pass under way.
pub fn reading(name: &str) -> String {
    match PASS.with(Cell::get) {
        Some(pass) => format!("{pass} reading {name}"),
        None => format!("reading {name}"),
    }
}

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
    bar(len, "{msg:50!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}", label)
}

/// A bar for `len` items (customers rendered, say).
pub fn items(label: &str, len: u64) -> ProgressBar {
    bar(len, "{msg:40!} [{bar:30}] {pos}/{len} {eta}", label.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_read_twice_names_its_pass() {
        assert_eq!(super::reading("s.csv"), "reading s.csv");
        {
            let _pass = super::pass("pass 2/2");
            assert_eq!(super::reading("s.csv"), "pass 2/2 reading s.csv");
        }
        assert_eq!(super::reading("s.csv"), "reading s.csv");
    }
}
