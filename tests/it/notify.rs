//! Digests through a real SMTP server, the Atom feed, the HTML report: content, exactly-once
//! delivery, failures, hostile text.

use crate::support::*;

const OCT: &str = "2025-10-09T02:00:00Z";
const NOV: &str = "2025-11-07T02:00:00Z";

/// The decoded text/plain and text/html parts and the headers of a received message.
struct Mail {
    subject: String,
    message_id: String,
    to: String,
    text: String,
    html: String,
}

fn parse(raw: &[u8]) -> Mail {
    let m = mailparse::parse_mail(raw).unwrap();
    let header = |name: &str| {
        m.headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    assert!(
        m.ctype.mimetype.starts_with("multipart/alternative"),
        "{}",
        m.ctype.mimetype
    );
    let part = |t: &str| {
        m.subparts
            .iter()
            .find(|p| p.ctype.mimetype == t)
            .unwrap_or_else(|| panic!("no {t} part"))
            .get_body()
            .unwrap()
    };
    Mail {
        subject: header("Subject"),
        message_id: header("Message-ID"),
        to: header("To"),
        text: part("text/plain"),
        html: part("text/html"),
    }
}

#[test]
fn a_digest_arrives_once_with_its_changes_then_only_new_ones() {
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    site.at("2025-10-09");
    ws.check(OCT);

    let out = ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let mut to = got[0].to.clone();
    to.sort();
    assert_eq!(to, ["compliance@example.com", "legal@example.com"]);
    assert!(
        got[0].from.contains("regwatch@example.com"),
        "{}",
        got[0].from
    );
    let mail = parse(&got[0].data);
    assert!(
        mail.subject.starts_with("[export controls] "),
        "{}",
        mail.subject
    );
    // The subject names the weightiest event, and how many more there are.
    assert!(
        mail.subject.contains("MOFCOM No. ") && mail.subject.contains(" more)"),
        "{}",
        mail.subject
    );
    assert!(mail.to.contains("legal@example.com"));
    // The plain text: how current, grouped by announcement, sentences' facts, URL and hash.
    assert!(mail.text.contains("How current this is:"), "{}", mail.text);
    assert!(
        mail.text
            .contains("mofcom-policy: last successful check 2025-10-09T02:00:00Z")
    );
    assert!(
        mail.text.contains(
            "MOFCOM Announcement No. 62 of 2025 · issued 2025-10-09 · effective 2025-10-09"
        )
    );
    assert!(
        mail.text
            .contains("ADDED      1E902.a  technologies for rare-earth mining"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/")
    );
    assert!(mail.text.contains("sha256 "));
    // The HTML: the same, as a document, Chinese intact.
    assert!(mail.html.starts_with("<!DOCTYPE html>"));
    assert!(mail.html.contains("<meta charset=\"utf-8\">"));
    assert!(
        mail.html.contains(
            "Added to the export control list: 1E902.a technologies for rare-earth mining"
        ) && mail.html.contains("关于对稀土相关技术实施出口管制的决定")
    );

    // Nothing new: nothing sent.
    let again = ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("legal: nothing new to send"));
    assert_eq!(smtp.received().len(), 1);

    // The suspension: only what is new since.
    site.at("2025-11-07");
    ws.check(NOV);
    let out = ws.cmd(NOV).args(["digest", "--send"]).output().unwrap();
    assert!(out.status.success());
    let got = smtp.received();
    assert_eq!(got.len(), 2);
    let second = parse(&got[1].data);
    assert!(
        second.subject.contains("MOFCOM No. 70 of 2025"),
        "{}",
        second.subject
    );
    assert!(second.text.contains("SUSPENDED"), "{}", second.text);
    assert!(
        !second.text.contains("ADDED      1E902.a"),
        "{}",
        second.text
    );
    assert_ne!(mail.message_id, second.message_id);
}

#[test]
fn a_failed_send_keeps_the_changes_for_the_next_run_and_says_so() {
    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, &digest_config(dead_port));
    site.at("2025-10-09");
    ws.check(OCT);
    let out = ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("NOT SENT"), "{stdout}");
    assert!(stdout.contains("retried next run"), "{stdout}");

    // The server comes back: everything is delivered, once.
    let smtp = SmtpServer::start();
    let config = std::fs::read_to_string(ws.config()).unwrap().replace(
        &format!("port = {dead_port}"),
        &format!("port = {}", smtp.port),
    );
    std::fs::write(ws.config(), config).unwrap();
    let out = ws
        .cmd(OCT)
        .args(["digest", "--send", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all_changes = ws.json(OCT, &["changes", "--format", "json"]);
    assert_eq!(
        outcome[0]["messages"][0]["changes"].as_u64(),
        Some(all_changes.as_array().unwrap().len() as u64)
    );
    assert_eq!(smtp.received().len(), 1);
    ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert_eq!(smtp.received().len(), 1);
}

#[test]
fn a_crash_between_sending_and_recording_resends_the_same_message() {
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    site.at("2025-10-09");
    ws.check(OCT);
    assert!(
        ws.cmd(OCT)
            .args(["digest", "--send"])
            .output()
            .unwrap()
            .status
            .success()
    );
    // As if the process died after the server accepted the message but before `sent` was
    // committed.
    let n = ws.execute("UPDATE delivery SET state = 'sending', sent_at = NULL");
    assert!(n > 0);
    let out = ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("sent again"));
    let got = smtp.received();
    assert_eq!(got.len(), 2);
    // The same message, recognisable as a duplicate by its Message-ID; no change is lost.
    assert_eq!(
        parse(&got[0].data).message_id,
        parse(&got[1].data).message_id
    );
    ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert_eq!(smtp.received().len(), 2);
}

#[test]
fn dry_run_writes_eml_files_and_records_nothing() {
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    site.at("2025-10-09");
    ws.check(OCT);
    let dir = ws.dir.path().join("outbox");
    let out = ws
        .cmd(OCT)
        .args(["digest", "--dry-run"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(files[0].as_ref().unwrap().path()).unwrap();
    assert!(parse(&raw).text.contains("1E902.a"));
    assert!(smtp.received().is_empty());
    // Nothing recorded: --send still has everything to send.
    ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert_eq!(smtp.received().len(), 1);
}

/// A capture in which No. 62's title carries markup, as a compromised or broken page might.
fn hostile_site() -> (tempfile::TempDir, Site) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&repo_snapshots(), tmp.path());
    let rel = "www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html";
    let path = tmp.path().join("mofcom/2025-10-09").join(rel);
    // The visible heading and `meta[name=ArticleTitle]`, which the title is read from.
    let page = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "<h1>商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定</h1>",
            "<h1>商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定&lt;script&gt;alert(1)&lt;/script&gt;</h1>",
        )
        .replace(
            "content=\"商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定\"",
            "content=\"商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定&lt;script&gt;alert(1)&lt;/script&gt;\"",
        );
    assert!(page.contains("&lt;script&gt;"));
    std::fs::write(&path, page).unwrap();
    let site = Site::start(tmp.path());
    (tmp, site)
}

#[test]
fn hostile_text_is_escaped_in_html_email_and_feed() {
    let smtp = SmtpServer::start();
    let (_tmp, site) = hostile_site();
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    site.at("2025-10-09");
    ws.check(OCT);
    let anns = ws.json(OCT, &["announcements", "--format", "json"]);
    let a62 = anns
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "MOFCOM-2025-62")
        .unwrap();
    assert!(
        a62["title"]
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>")
    );

    let html = ws
        .cmd(OCT)
        .args(["changes", "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "unescaped markup in the HTML report"
    );

    ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    let mail = parse(&smtp.received()[0].data);
    assert!(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!mail.html.to_ascii_lowercase().contains("<script"));

    let feed = ws.cmd(OCT).args(["feed"]).output().unwrap();
    let feed = atom_syndication::Feed::read_from(&feed.stdout[..]).unwrap();
    let entry = feed
        .entries()
        .iter()
        .find(|e| {
            e.content()
                .and_then(|c| c.value())
                .is_some_and(|v| v.contains("alert(1)"))
        })
        .expect("an entry citing No. 62's title");
    let content = entry.content().unwrap();
    assert_eq!(content.content_type(), Some("html"));
    // The HTML a reader renders has the markup as text.
    assert!(
        content
            .value()
            .unwrap()
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!content.value().unwrap().contains("<script"));
}

#[test]
fn the_feed_is_atom_with_stable_ids_and_source_links() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    site.at("2025-10-09");
    ws.check(OCT);
    let path = ws.dir.path().join("feed.xml");
    let out = ws
        .cmd(OCT)
        .args([
            "feed",
            "--self-url",
            "https://example.com/feed.xml",
            "--out",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let xml = std::fs::read(&path).unwrap();
    let feed = atom_syndication::Feed::read_from(&xml[..]).unwrap();
    let changes = ws.json(OCT, &["changes", "--format", "json"]);
    assert_eq!(feed.entries().len(), changes.as_array().unwrap().len());
    assert_eq!(feed.id(), "urn:regwatch:changes");
    assert_eq!(feed.updated().to_rfc3339(), "2025-10-09T02:00:00+00:00");
    let first = &changes[0];
    let entry = feed
        .entries()
        .iter()
        .find(|e| e.id() == format!("urn:regwatch:change:{}", first["id"].as_str().unwrap()))
        .expect("every change is an entry, by its stable id");
    assert_eq!(entry.title().as_str(), first["sentence"].as_str().unwrap());
    assert_eq!(entry.links()[0].href(), first["url"].as_str().unwrap());
    // The same database gives the same feed.
    let again = ws
        .cmd(OCT)
        .args(["feed", "--self-url", "https://example.com/feed.xml"])
        .output()
        .unwrap();
    assert!(again.stdout == xml, "two renderings of one database differ");
    assert!(
        String::from_utf8(xml)
            .unwrap()
            .contains(r#"<link href="https://example.com/feed.xml" rel="self"/>"#)
    );
}

#[test]
fn the_smtp_password_appears_in_no_output_log_or_database() {
    const SECRET: &str = "s3cret-Pa55-do-not-print";
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    let config = digest_config(smtp.port).replace(
        "timeout_secs = 5",
        "timeout_secs = 5\nusername = \"regwatch\"\npassword_env = \"REGWATCH_TEST_SMTP_PASSWORD\"",
    );
    let ws = Workspace::new(&site, &config);
    site.at("2025-10-09");
    ws.check(OCT);

    // Without the variable: the error names it, not a value.
    let out = ws
        .cmd(OCT)
        .args(["-vv", "digest", "--send"])
        .env_remove("REGWATCH_TEST_SMTP_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stdout).contains(
        "environment variable REGWATCH_TEST_SMTP_PASSWORD (smtp.password_env) is not set"
    ));
    // With it: whatever the server says about authentication, the secret is not repeated.
    let out = ws
        .cmd(OCT)
        .args(["-vv", "digest", "--send"])
        .env("REGWATCH_TEST_SMTP_PASSWORD", SECRET)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(SECRET), "{all}");
    for entry in std::fs::read_dir(ws.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "the password is in {}",
                path.display()
            );
        }
    }
}
