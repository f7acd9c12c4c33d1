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

/// A partner's own profile file, for a product named otherwise, on exports that name it: the
/// same plan as the Kaizala Pro run, and no output names Kaizala.
#[test]
fn a_partner_profile_on_renamed_exports_gives_the_same_plan() {
    let w = Workdir::new();
    let rename = |t: &str| {
        t.replace("KAIZALA", "CONTOSO CHAT")
            .replace("Kaizala", "Contoso Chat")
            .replace("kaizala", "contoso chat")
    };
    let csv_subscriptions: Vec<&str> =
        SUBSCRIPTIONS.iter().copied().filter(|f| f.ends_with(".csv")).collect();
    let renamed = |files: &[&str]| -> Vec<String> {
        files
            .iter()
            .map(|f| {
                let to = f.replace("fixtures/", "renamed/");
                w.write(&to, rename(&w.read(f)));
                to
            })
            .collect()
    };
    let (subs, users) = (renamed(&csv_subscriptions), renamed(&USERS));
    // The built-in profile, renamed; the service plans (identifiers) stay.
    let builtin = stdout(&w.run(&["profiles", "show", "kaizala-pro"]));
    let plans_line = builtin.lines().find(|l| l.starts_with("service_plans")).unwrap().to_string();
    let mine: String =
        rename(&builtin.replace("id = \"kaizala-pro\"", "id = \"contoso-chat-pro\""))
            .lines()
            .map(|l| {
                if l.starts_with("service_plans") {
                    format!("{plans_line}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
    w.write("chat.toml", mine);

    let mut kaizala = vec!["plan", "--subscriptions"];
    kaizala.extend(&csv_subscriptions);
    kaizala.push("--users");
    kaizala.extend(USERS);
    kaizala.extend(["--as-of", "2026-12-01", "--out", "k"]);
    assert!(w.run(&kaizala).status.success());
    let mut chat = vec!["plan", "--profile", "chat.toml", "--subscriptions"];
    chat.extend(subs.iter().map(String::as_str));
    chat.push("--users");
    chat.extend(users.iter().map(String::as_str));
    chat.extend(["--as-of", "2026-12-01", "--out", "c"]);
    let o = w.run(&chat);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let k: serde_json::Value = serde_json::from_str(&rename(&w.read("k/plan.json"))).unwrap();
    let c: serde_json::Value = serde_json::from_str(&w.read("c/plan.json")).unwrap();
    assert_eq!(c["profile"]["id"], "contoso-chat-pro");
    assert_eq!(c["profile"]["name"], "Contoso Chat Pro");
    for key in ["summary", "warnings", "unmatched_users"] {
        assert!(k[key] == c[key], "{key} differs: {} vs {}", k[key], c[key]);
    }
    // (The field keeps its name in plan.json; renaming the Kaizala run renamed it too.)
    let others = &c["other_kaizala_subscriptions"];
    assert!(k["other_contoso chat_subscriptions"] == *others, "{others}");
    let (kc, cc) = (k["customers"].as_array().unwrap(), c["customers"].as_array().unwrap());
    assert_eq!(kc.len(), cc.len());
    for (a, b) in kc.iter().zip(cc) {
        assert!(a == b, "customer differs:\n{a}\n{b}");
    }

    // No output of the run names Kaizala (but plan.json's profile and field names, and the
    // tool's own name).
    let mut files = vec![w.file("c")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let name = path.display().to_string();
        let text = if name.ends_with(".xlsx") {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            let mut all = String::new();
            for i in 0..zip.len() {
                let _ = std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut all);
            }
            all
        } else {
            std::fs::read_to_string(&path).unwrap_or_default()
        };
        let mut text = text
            .to_lowercase()
            .replace("kaizala-migrate", "")
            .replace("other_kaizala_subscriptions", "");
        if name.ends_with("plan.json") {
            let v: serde_json::Value = serde_json::from_str(&w.read("c/plan.json")).unwrap();
            text = text.replace(&v["profile"].to_string().to_lowercase(), "");
            for plan in v["profile"]["service_plans"].as_array().unwrap() {
                text = text.replace(&plan.as_str().unwrap().to_lowercase(), "");
            }
        }
        assert!(!text.contains("kaizala"), "{name} names Kaizala");
    }
}

#[test]
fn a_profile_the_plans_cannot_carry_yet_or_that_does_not_exist_is_a_usage_error() {
    let w = Workdir::new();
    let o = w.run(&[fixture_args("check"), vec!["--profile", "office365-e4"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--profile office365-e4: replacement \"Office 365 E3 + Teams Phone\" is bought as several offers (Office 365 E3 + Microsoft Teams Phone Standard)"),
        "{}",
        stderr(&o)
    );
    let o = w.run(&[fixture_args("scan"), vec!["--profile", "nope"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--profile nope: profile \"nope\": neither a built-in profile"),
        "{}",
        stderr(&o)
    );
    // A built-in profile of one offer per replacement runs: nothing of it in these exports.
    let o =
        w.run(&[fixture_args("scan"), vec!["--profile", "skype-business-online-plan-1"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0 expiring Skype for Business Online (Plan 1) subscription(s)"),
        "{}",
        stdout(&o)
    );
}
