//! `regwatch run`: scheduled checks and digests with the real clock, and a clean stop on SIGTERM.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn the_daemon_checks_and_mails_on_a_per_second_schedule_and_stops_on_sigterm() {
    let smtp = SmtpServer::start();
    let site = Site::start(&repo_snapshots());
    site.at("2025-10-09");
    let ws = Workspace::new(&site, &digest_config(smtp.port));
    let config = std::fs::read_to_string(ws.config())
        .unwrap()
        .replace("\"7 8-20/2 * * *\"", "\"* * * * * *\"")
        .replace("\"37 8-20/4 * * *\"", "\"* * * * * *\"")
        .replace("\"0 9 * * *\"", "\"*/2 * * * * *\"");
    std::fs::write(ws.config(), config).unwrap();

    let mut child = Command::new(assert_cmd::cargo::cargo_bin("regwatch"))
        .arg("--config")
        .arg(ws.config())
        .args(["-v", "run"])
        .env_remove("REGWATCH_NOW")
        .env_remove("REGWATCH_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for two checks and a digest, at most 20 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    // Each check confirms the index: its sighting moves on (to the second).
    let mut sightings = std::collections::HashSet::new();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if let Some(at) = ws.text(
            "SELECT s.at FROM sighting s JOIN page p ON p.snapshot = s.snapshot
             WHERE p.role = 'index'",
        ) {
            sightings.insert(at);
        }
        if (sightings.len() >= 2 && !smtp.received().is_empty()) || Instant::now() > deadline {
            break;
        }
    }
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.matches("check done").count() >= 2, "{log}");
    assert!(log.contains("stop requested"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert_eq!(
        smtp.received().len(),
        1,
        "one digest: later ones had nothing new\n{log}"
    );

    ws.integrity();
    // Every change once, whatever the number of checks.
    let dup = ws.count(
        "SELECT COUNT(*) FROM (SELECT kind, code, announcement FROM change
         GROUP BY kind, code, announcement HAVING COUNT(*) > 1) d",
    );
    assert_eq!(dup, 0);
}

#[test]
fn run_refuses_a_fixed_clock() {
    let site = Site::start(&repo_snapshots());
    let ws = Workspace::new(&site, "");
    let out = ws.cmd("2025-10-09T02:00:00Z").arg("run").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("REGWATCH_NOW"));
}
