//! The HTML report in a real browser (Chromium, headless): what happened is on the first screen,
//! and nothing scrolls sideways at a phone's width. `.ci/deps` installs Chromium when missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

use crate::support::chromium;

/// Measures, after the page has laid out in a `width`×`height` window, where each summary line
/// ends, the window's height, and how wide the page is when its root is `narrow` px wide (no
/// element may stick out: URLs and hashes must wrap).
const PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  const items = [...document.querySelectorAll('#summary li')].map(li => ({
    text: li.textContent, bottom: li.getBoundingClientRect().bottom }));
  const h = window.innerHeight;
  document.documentElement.style.width = 'NARROWpx';
  document.body.style.maxWidth = 'none';
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > NARROW + 0.5)
    .map(e => e.tagName + ': ' + e.textContent.slice(0, 80));
  const out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = JSON.stringify({ h, items, wide });
  document.body.appendChild(out);
});
</script>"#;

fn probe(chromium: &Path, html: &str, dir: &Path, narrow: u32) -> Value {
    let page = dir.join("probe.html");
    let probe = PROBE.replace("NARROW", &narrow.to_string());
    std::fs::write(&page, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1280,800",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running Chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"probe\">")
        .unwrap_or_else(|| panic!("no probe output: {}", String::from_utf8_lossy(&out.stderr)));
    let json = &dom[start + "<pre id=\"probe\">".len()..];
    let json = &json[..json.find("</pre>").unwrap()];
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

#[test]
fn the_report_shows_what_happened_on_the_first_screen_and_fits_a_phone() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::demo_db(dir.path());
    let html = Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--db")
        .arg(&db)
        // China's story (the demo also replays the US and EU lists).
        .args(["changes", "--regime", "cn", "--format", "html"])
        .env("REGWATCH_NOW", "2026-11-30T00:00:00Z")
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();

    let v = probe(&chromium, &html, dir.path(), 390);
    let h = v["h"].as_f64().unwrap();
    let items = v["items"].as_array().unwrap();
    let line = |start: &str| {
        items
            .iter()
            .find(|i| i["text"].as_str().unwrap().starts_with(start))
            .unwrap_or_else(|| panic!("no summary line {start:?}: {items:#?}"))
    };
    for start in [
        "MOFCOM No. 62 of 2025 (effective 2025-10-09) added 3 entries",
        "MOFCOM No. 70 of 2025 suspended 23 entries",
        "2026-11-11: the suspension by MOFCOM No. 70 of 2025 ended",
    ] {
        let bottom = line(start)["bottom"].as_f64().unwrap();
        assert!(
            bottom <= h,
            "{start:?} ends at {bottom} px, below the first screen ({h} px)"
        );
    }
    // At a phone's 390 px, URLs and hashes wrap: nothing sticks out.
    assert_eq!(v["wide"], Value::Array(Vec::new()), "{:#}", v["wide"]);

    // A screenshot of the first screen, for people to look at (target/browser/report.png).
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    let out = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,800",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile2").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}
