//! Several `regwatch run` workers sharing one PostgreSQL store: each occurrence of a source is
//! checked by one of them, a dead worker's sources are taken over when its leases expire, and a
//! digest's messages go out once.

use std::collections::{BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

const SOURCES: usize = 50;

fn worker(config: &std::path::Path, name: &str, labels: &[&str]) -> Child {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("regwatch"));
    c.arg("--config")
        .arg(config)
        .args(["-v", "run", "--worker", name])
        .env_remove("REGWATCH_NOW")
        .env_remove("REGWATCH_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for l in labels {
        c.args(["--label", l]);
    }
    c.spawn().unwrap()
}

fn stop(mut child: Child) {
    // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "a worker did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `done` every 200 ms for up to `secs`.
fn wait_for(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    done()
}

#[test]
fn three_workers_share_fifty_sources_and_survive_one_being_killed() {
    let pg = crate::pgserver::fresh_database();
    let start = Instant::now();
    // Each page changes every 3 s and answers slowly, so that workers hold leases most of the
    // time (the one killed dies holding some).
    // Requests in flight per page, and the most ever seen at once.
    let in_flight: Arc<Mutex<HashMap<String, (usize, usize)>>> = Arc::default();
    let counted = in_flight.clone();
    let site = Server::start(move |path, _| {
        if path == "/robots.txt" {
            return ("404 Not Found", vec![], Vec::new());
        }
        {
            let mut m = counted.lock().unwrap();
            let e = m.entry(path.to_string()).or_default();
            e.0 += 1;
            e.1 = e.1.max(e.0);
        }
        std::thread::sleep(Duration::from_millis(150));
        counted.lock().unwrap().get_mut(path).unwrap().0 -= 1;
        let v = start.elapsed().as_secs() / 3;
        html(format!(
            "<html><body><main><h1>Notice {path}</h1><p>Version {v} of this notice.</p></main></body></html>"
        ))
    });
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[store]\nurl = \"{pg}\"\n[workers]\nlease_secs = 5\n[politeness]\nmin_interval_ms = 0\nconcurrency = 8\nper_host_concurrency = 8\n"
    );
    config.push_str(
        &digest_config(smtp.port)
            .replace("schedule = \"0 9 * * *\"", "schedule = \"*/2 * * * * *\""),
    );
    for n in 0..SOURCES {
        // Two sources are pinned to workers labelled `cn`.
        let regions = if n < 2 { "regions = [\"cn\"]\n" } else { "" };
        config.push_str(&format!(
            "[[source]]\nid = \"notice-{n}\"\nprofile = \"page\"\nurl = \"http://{}/notice/{n}.html\"\nschedule = \"* * * * * *\"\n{regions}",
            site.addr
        ));
    }
    let config_path = dir.path().join("schedule.toml");
    std::fs::write(&config_path, config).unwrap();
    let ws = Workspace {
        dir,
        pg: Some(pg.clone()),
    };

    // The schema first, as the first worker would make it: the polls below read its tables.
    drop(ws.store());
    let a = worker(&config_path, "worker-a", &["cn"]);
    let mut b = worker(&config_path, "worker-b", &[]);
    let c = worker(&config_path, "worker-c", &["cn"]);

    // Every source checked at least once.
    assert!(
        wait_for(60, || ws.count(
            "SELECT COUNT(*) FROM source_status WHERE last_success IS NOT NULL"
        ) == SOURCES as i64),
        "not every source was checked"
    );
    // b dies while it holds leases (SIGKILL: no release, no goodbye to the server).
    assert!(
        wait_for(30, || ws.count(
            "SELECT COUNT(*) FROM source_lease WHERE worker = 'worker-b'"
        ) > 0),
        "worker-b never held a lease"
    );
    b.kill().unwrap();
    b.wait().unwrap();
    let orphaned = ws.texts("SELECT source FROM source_lease WHERE worker = 'worker-b'");
    let killed_at = ws
        .text("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
        .unwrap();
    eprintln!("worker-b died holding {orphaned:?} at {killed_at}");
    assert!(
        !orphaned.is_empty(),
        "worker-b released its leases before it died"
    );
    // Its sources are taken over once its leases expire (5 s).
    let taken_over = wait_for(40, || {
        orphaned.iter().all(|s| {
            ws.count(&format!(
                "SELECT COUNT(*) FROM source_status WHERE id = '{s}' AND last_attempt > '{killed_at}'
                   AND worker IN ('worker-a', 'worker-c')"
            )) == 1
        })
    });
    assert!(
        taken_over,
        "worker-b's sources {orphaned:?} were not taken over"
    );
    // Let a few more rounds and digests run, then stop the living.
    std::thread::sleep(Duration::from_secs(4));
    stop(a);
    stop(c);

    // A source is checked by one worker at a time: no page was ever fetched by two at once
    // (without the leases, the three wake together and fetch every page together).
    let crowded: Vec<(String, usize)> = in_flight
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, (_, most))| *most > 1)
        .map(|(p, (_, most))| (p.clone(), *most))
        .collect();
    assert!(
        crowded.is_empty(),
        "fetched by several workers at once: {crowded:?}"
    );

    // The pinned sources were checked only by the workers labelled `cn`.
    for s in ["notice-0", "notice-1"] {
        let w = ws
            .text(&format!(
                "SELECT worker FROM source_status WHERE id = '{s}'"
            ))
            .unwrap_or_default();
        assert!(w == "worker-a" || w == "worker-c", "{s} checked by {w:?}");
    }
    // `sources` says who checked each source last, and what it is pinned to.
    let out = Command::new(assert_cmd::cargo::cargo_bin("regwatch"))
        .arg("--config")
        .arg(&config_path)
        .args(["sources", "--format", "json"])
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sources: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &sources[0];
    assert_eq!(first["id"], "notice-0");
    assert_eq!(first["regions"], serde_json::json!(["cn"]));
    assert!(
        ["worker-a", "worker-c"].contains(&first["last_worker"].as_str().unwrap_or("")),
        "{first:#}"
    );
    // No change recorded twice: each page version once.
    let twice = ws.count(
        "SELECT COUNT(*) FROM (SELECT kind, announcement, COALESCE(code, ''),
                COALESCE(before, ''), COALESCE(after, '') FROM change
         GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1) d",
    );
    assert_eq!(twice, 0, "a change recorded twice");
    let changes = ws.count("SELECT COUNT(*) FROM change");
    eprintln!(
        "{changes} changes; checked last by {:?}",
        ws.texts("SELECT worker || ' ' || COUNT(*) FROM source_status GROUP BY worker")
    );
    assert!(changes > SOURCES as i64, "{changes} changes");

    // Digests: each message went out once. The one message worker-b may have been sending
    // when it was killed may go out again (the same message, same Message-ID, resent by the
    // worker that finds it unconfirmed); no other.
    let received = smtp.received();
    assert!(!received.is_empty(), "no digest was sent");
    let mut copies: HashMap<String, usize> = HashMap::new();
    for m in &received {
        *copies.entry(m.message_id()).or_default() += 1;
    }
    let resent: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        resent.len() <= 1,
        "messages sent more than once: {resent:?}"
    );
    let recorded: BTreeSet<String> = ws
        .texts("SELECT DISTINCT message_id FROM delivery WHERE state = 'sent'")
        .into_iter()
        .collect();
    let arrived: BTreeSet<String> = copies.keys().cloned().collect();
    assert!(
        recorded.is_subset(&arrived),
        "a message recorded as sent never arrived"
    );
}
