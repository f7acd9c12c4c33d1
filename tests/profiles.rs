//! `profiles`: the built-in retirement profiles, listed and printed; a profile file checked.

use crate::util::*;

#[test]
fn profiles_are_listed_and_shown_as_toml_that_reads_back() {
    let w = Workdir::new();
    let o = w.run(&["profiles"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = stdout(&o);
    for line in [
        "kaizala-pro ",
        "Kaizala Pro ",
        "2020-07-01",
        "office365-e4 ",
        "Office 365 E5, Office 365 E3 + Teams Phone, Office 365 E3",
        "skype-business-online-plan-1 ",
    ] {
        assert!(list.contains(line), "{line:?} missing in:\n{list}");
    }
    for id in ["kaizala-pro", "office365-e4", "skype-business-online-plan-1"] {
        let o = w.run(&["profiles", "show", id]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(&format!("id = \"{id}\"")), "{text}");
        assert!(text.contains("https://learn.microsoft.com/"), "{id} names no source");
        // As a starting point for one's own: the printed text is a profile file that reads.
        w.write("mine.toml", text.replace(&format!("id = \"{id}\""), "id = \"mine\""));
        let o = w.run(&["profiles", "show", "mine.toml"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("id = \"mine\""));
    }
}

#[test]
fn a_bad_profile_file_is_an_error_naming_the_file_and_key() {
    let w = Workdir::new();
    let o = w.run(&["profiles", "show", "kaizala-pro"]);
    let good = stdout(&o);
    w.write("typo.toml", good.replace("offer_names =", "offer_name ="));
    let o = w.run(&["profiles", "show", "typo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("kaizala-migrate: typo.toml: not a retirement profile:"), "{err}");
    assert!(err.contains("offer_name"), "{err}");
    w.write("rule.toml", good.replace("target = \"Office 365 E1\"", "target = \"Office 365 E2\""));
    let o = w.run(&["profiles", "show", "rule.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("target \"Office 365 E2\" is not a replacement's name"),
        "{}",
        stderr(&o)
    );
    let o = w.run(&["profiles", "show", "no-such-profile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither a built-in profile (kaizala-pro, office365-e4, skype-business-online-plan-1) nor a file"), "{}", stderr(&o));
}
