use super::*;

const MINIMAL: &str = r#"
[[source]]
id = "mofcom"
profile = "mofcom"
url = "https://www.mofcom.gov.cn/zwgk/zcfb/index.html"
schedule = "0 */2 * * *"
"#;

#[test]
fn shipped_config_is_valid() {
    let c = Config::parse(DEFAULT_CONFIG, "schedule.toml").unwrap();
    assert!(!c.sources.is_empty());
    // Each source on its own authority's clock.
    for s in &c.sources {
        let zone = match s.profile {
            Profile::FederalRegister | Profile::Ecfr => chrono_tz::US::Eastern,
            Profile::Eurlex => chrono_tz::Europe::Brussels,
            _ => chrono_tz::Asia::Shanghai,
        };
        assert_eq!(s.timezone.0, zone, "{}", s.id.0);
    }
}

#[test]
fn workers_pin_sources_by_label_and_leases_have_a_range() {
    let c = Config::parse(&format!("{MINIMAL}regions = [\"cn\"]\n"), "t.toml").unwrap();
    let s = &c.sources[0];
    assert!(s.for_worker(&["cn".into()]) && !s.for_worker(&["eu".into()]));
    assert!(!s.for_worker(&[]));
    let unpinned = Config::parse(MINIMAL, "t.toml").unwrap();
    assert!(unpinned.sources[0].for_worker(&[]));
    assert_eq!(unpinned.workers.lease_secs, 300);
    let err = Config::parse(&format!("{MINIMAL}regions = [\"CN\"]\n"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("region \"CN\" is not a label"), "{err}");
    let err = Config::parse(&format!("[workers]\nlease_secs = 1\n{MINIMAL}"), "t.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("lease_secs"), "{err}");
    let url = Config::parse(
        &format!("[store]\nurl = \"postgres://rw@db:5432/regwatch\"\n{MINIMAL}"),
        "t.toml",
    )
    .unwrap();
    assert!(url.store.location().is_postgres());
}

const SMTP: &str = r#"
[smtp]
host = "127.0.0.1"
security = "none"
from = "regwatch <regwatch@example.com>"
"#;

fn digest(extra: &str) -> String {
    format!(
        "{MINIMAL}{SMTP}\n[[digest]]\nname = \"legal\"\nto = [\"legal@example.com\"]\nschedule = \"0 9 * * *\"\n{extra}"
    )
}

#[test]
fn digests_are_checked_when_the_file_is_read() {
    let c = Config::parse(&digest("since = 2025-10-01\n"), "t.toml").unwrap();
    let d = &c.digests[0];
    assert_eq!(d.since, chrono::NaiveDate::from_ymd_opt(2025, 10, 1));
    assert_eq!(d.subject_prefix, "[regwatch]");
    assert_eq!(c.smtp.as_ref().unwrap().port(), 25);

    let err = |extra: &str| {
        Config::parse(&digest(extra), "t.toml")
            .unwrap_err()
            .to_string()
    };
    assert!(err("kinds = [\"added\", \"deleted\"]\n").contains("unknown change kind \"deleted\""));
    assert!(err("sources = [\"bis\"]\n").contains("names source \"bis\""));
    let bad_address = digest("").replace("legal@example.com", "not an address");
    let e = Config::parse(&bad_address, "t.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("invalid email address") && e.contains("line 15"),
        "{e}"
    );
    let twice = format!(
        "{}\n[[digest]]\nname = \"legal\"\nto = [\"x@example.com\"]\nschedule = \"0 9 * * *\"\n",
        digest("")
    );
    assert!(
        Config::parse(&twice, "t.toml")
            .unwrap_err()
            .to_string()
            .contains("used twice")
    );
    let no_smtp = digest("").replace(SMTP, "");
    assert!(
        Config::parse(&no_smtp, "t.toml")
            .unwrap_err()
            .to_string()
            .contains("no [smtp] section")
    );
}

#[test]
fn a_seconds_field_is_accepted_but_not_three_fields() {
    assert!(CronSchedule::try_from("*/5 * * * * *".to_string()).is_ok());
    assert!(CronSchedule::try_from("* * *".to_string()).is_err());
}

#[test]
fn defaults_fill_what_is_missing() {
    let c = Config::parse(MINIMAL, "t.toml").unwrap();
    assert_eq!(c.politeness.per_host_concurrency, 1);
    assert_eq!(c.politeness.min_interval_ms, 1000);
    assert_eq!(c.sources[0].timezone.0, chrono_tz::Asia::Shanghai);
}

#[test]
fn unknown_key_names_line_and_key() {
    let text = format!("{MINIMAL}colour = \"blue\"\n");
    let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(err.starts_with("t.toml: "), "{err}");
    assert!(err.contains("line 7"), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn bad_cron_and_zone_name_line() {
    let text = MINIMAL.replace("0 */2 * * *", "every day");
    let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(err.contains("line 6") && err.contains("cron"), "{err}");
    let text = format!("{MINIMAL}timezone = \"Mars/Olympus\"\n");
    let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(
        err.contains("line 7") && err.contains("Mars/Olympus"),
        "{err}"
    );
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = format!("{MINIMAL}{MINIMAL}");
    let err = Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(
        err.contains("used twice") && err.contains("t.toml:9"),
        "{err}"
    );
}

#[test]
fn links_only_to_allowed_hosts() {
    let c = Config::parse(MINIMAL, "t.toml").unwrap();
    let s = &c.sources[0];
    assert!(s.allows(&Url::parse("https://www.mofcom.gov.cn/a.html").unwrap()));
    assert!(!s.allows(&Url::parse("https://evil.example/a.html").unwrap()));
    assert!(!s.allows(&Url::parse("file:///etc/passwd").unwrap()));
}
