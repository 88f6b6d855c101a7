//! Crash safety: `check` and `digest` killed with SIGKILL at arbitrary moments, many times. The
//! database stays intact, the next run completes, every change is recorded exactly once, and no
//! change is lost from or doubled in the mail.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

const OCT: &str = "2025-10-09T02:00:00Z";

/// A small deterministic sequence of delays (no clock-seeded randomness: a failure reproduces).
fn delays(n: usize, max_ms: u64) -> Vec<Duration> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            Duration::from_millis(x % max_ms)
        })
        .collect()
}

fn regwatch(ws: &Workspace, args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("regwatch"));
    c.arg("--config")
        .arg(ws.config())
        .args(args)
        .env("REGWATCH_NOW", OCT)
        .env_remove("REGWATCH_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn uids(ws: &Workspace) -> BTreeSet<String> {
    ws.json(OCT, &["changes", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn integrity(ws: &Workspace) {
    ws.integrity();
}

#[test]
fn killed_checks_lose_nothing_and_record_each_change_once() {
    let site = Site::start(&repo_snapshots());
    site.at("2025-10-09");
    // What one uninterrupted check records.
    let reference = Workspace::new(&site, "");
    assert_eq!(reference.check(OCT).0, 0);
    let expected = uids(&reference);
    assert!(expected.len() > 40);

    let ws = Workspace::new(&site, "");
    for delay in delays(50, 300) {
        let mut child = regwatch(&ws, &["check", "--all"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        integrity(&ws);
    }
    // The next run completes and the log holds exactly what one clean run records.
    let (code, summary) = ws.check(OCT);
    assert_eq!(code, 0, "{summary:#}");
    integrity(&ws);
    let got = uids(&ws);
    assert_eq!(
        got.symmetric_difference(&expected).collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    let rows = ws.count("SELECT COUNT(*) FROM change");
    assert_eq!(rows as usize, expected.len(), "a change recorded twice");
}

#[test]
fn killed_digests_deliver_every_change_and_resend_only_the_same_message() {
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    site.at("2025-10-09");
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    assert_eq!(ws.check(OCT).0, 0);
    for delay in delays(30, 120) {
        let mut child = regwatch(&ws, &["digest", "--send"]).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        integrity(&ws);
    }
    let out = ws.cmd(OCT).args(["digest", "--send"]).output().unwrap();
    assert!(out.status.success());

    // Every change reached both recipients.
    let changes = ws.count("SELECT COUNT(*) FROM change");
    let sent = ws.count("SELECT COUNT(*) FROM delivery WHERE state = 'sent'");
    assert_eq!(sent, changes * 2);
    // Whatever arrived more than once arrived as the same message (same Message-ID, which mail
    // systems treat as one); no change arrived in two different messages.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for m in smtp.received() {
        *by_id.entry(m.message_id()).or_default() += 1;
    }
    let recorded: BTreeSet<String> = ws
        .texts("SELECT DISTINCT message_id FROM delivery")
        .into_iter()
        .collect();
    let received: BTreeSet<String> = by_id.keys().cloned().collect();
    assert_eq!(
        received, recorded,
        "a message the outbox does not know, or one never sent"
    );
}
