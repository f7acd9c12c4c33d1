//! `profiles`: the built-in retirement profiles, listed or printed as TOML.

use std::io::Write;

use crate::cli::ProfilesAction;
use kaizala_migrate::error::{Error, ExitCode, Result};
use kaizala_migrate::profile::Profile;

/// Runs `profiles` (a list) or `profiles show ID|FILE`.
pub fn run(action: Option<&ProfilesAction>, out: &mut dyn Write) -> Result<ExitCode> {
    let write_err = |source| Error::Write { path: "standard output".into(), source };
    match action {
        None => out.write_all(list(&Profile::builtins()).as_bytes()).map_err(write_err)?,
        Some(ProfilesAction::Show { profile }) => {
            let text = match Profile::builtin_text(profile) {
                Some(text) => text.to_string(),
                None => {
                    // A file is checked first, so that what is printed is a profile that works.
                    Profile::load(profile)?;
                    std::fs::read_to_string(profile)
                        .map_err(|source| Error::Read { path: profile.clone(), source })?
                }
            };
            out.write_all(text.as_bytes()).map_err(write_err)?;
        }
    }
    Ok(ExitCode::Success)
}

/// One line per profile: id, name, end of sale, replacements.
fn list(profiles: &[Profile]) -> String {
    let rows: Vec<[String; 4]> = profiles
        .iter()
        .map(|p| {
            let replacements: Vec<&str> = p.replacements.iter().map(|r| r.name()).collect();
            [
                p.id.clone(),
                p.name.clone(),
                p.end_of_sale.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                replacements.join(", "),
            ]
        })
        .collect();
    let head = ["ID", "NAME", "END OF SALE", "REPLACEMENTS"];
    let width = |i: usize| {
        rows.iter().map(|r| r[i].chars().count()).chain([head[i].len()]).max().unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut s = String::new();
    for r in std::iter::once(head.map(String::from)).chain(rows) {
        s.push_str(&format!("{:w0$}  {:w1$}  {:w2$}  {}\n", r[0], r[1], r[2], r[3]));
    }
    s.push_str(
        "\nkaizala-migrate profiles show ID prints one as TOML, a starting point for your own.\n",
    );
    s
}
