//! The MOFCOM extractor against fixture pages: each page's full output against its reviewed
//! expected JSON, and codes, dates and relations against hand-written gold annotations, with recall
//! and precision over the whole set.
//!
//! `tests/fixtures/mofcom/cases.toml` lists the cases. Expected JSON lives in
//! `tests/fixtures/mofcom/expected/`; after a deliberate extractor change, rewrite it with
//! `REGWATCH_BLESS=1 cargo test extract` and review the diff. Under `CI=true` a missing or
//! different file fails instead of being written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regwatch::extract::{self, ExtractError, Page, Reader};
use regwatch::model::Announcement;
use serde::Deserialize;
use url::Url;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

/// One page and what a careful reader finds in it.
#[derive(Deserialize)]
struct Case {
    name: String,
    /// Path from the repository root.
    page: String,
    #[serde(default = "default_url")]
    url: String,
    content_type: Option<String>,
    key: String,
    codes: Vec<String>,
    dates: Vec<String>,
    relations: Vec<String>,
    /// Annex files as the article links them, in order.
    #[serde(default)]
    annexes: Vec<Annex>,
}

#[derive(Deserialize)]
struct Annex {
    page: String,
    url: String,
    content_type: Option<String>,
}

fn default_url() -> String {
    "https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_0.html".to_string()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/mofcom")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("cases.toml")).unwrap();
    toml::from_str::<Cases>(&text).unwrap().case
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn extract(case: &Case) -> Result<Announcement, ExtractError> {
    let body = read(&case.page);
    let url = Url::parse(&case.url).unwrap();
    let page = Page {
        url: &url,
        body: &body,
        content_type: case.content_type.as_deref(),
    };
    let bodies: Vec<(Url, Vec<u8>)> = case
        .annexes
        .iter()
        .map(|a| (Url::parse(&a.url).unwrap(), read(&a.page)))
        .collect();
    let annexes: Vec<Page<'_>> = case
        .annexes
        .iter()
        .zip(&bodies)
        .map(|(a, (url, body))| Page {
            url,
            body,
            content_type: a.content_type.as_deref(),
        })
        .collect();
    let got = extract::announcement_with_annexes(&Reader::Mofcom, &page, &annexes)?;
    assert!(got.unread.is_empty(), "{}: {:?}", case.name, got.unread);
    Ok(got.announcement)
}

#[test]
fn annex_links_are_the_articles_attachments_only() {
    let body = read("tests/fixtures/mofcom/annex/2026-8-article.html");
    let url = Url::parse("https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/art_8.html").unwrap();
    let page = Page {
        url: &url,
        body: &body,
        content_type: Some("text/html"),
    };
    let links: Vec<String> = extract::annex_links(&Reader::Mofcom, &page)
        .into_iter()
        .map(|l| l.url.to_string())
        .collect();
    // Not the related announcement, not the guide PDF in the page chrome.
    assert_eq!(
        links,
        [
            "https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/P020260415_1.pdf",
            "https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/annex_8_2.html"
        ]
    );
}

/// Compares `actual` with the reviewed file, or writes it when blessing.
fn expect_file(path: &Path, actual: &str) -> Result<(), String> {
    let bless = std::env::var_os("REGWATCH_BLESS").is_some();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => Ok(()),
        Ok(_) | Err(_) if bless && !ci => {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, actual).unwrap();
            Ok(())
        }
        Ok(expected) => Err(format!(
            "{} differs from the extractor's output:\n{}",
            path.display(),
            similar::TextDiff::from_lines(&expected, actual)
                .unified_diff()
                .header("expected", "actual")
        )),
        Err(_) => Err(format!(
            "{} is missing; run `REGWATCH_BLESS=1 cargo test extract` and review it",
            path.display()
        )),
    }
}

#[test]
fn every_fixture_matches_its_expected_json() {
    let mut failures = Vec::new();
    for case in cases() {
        let a = extract(&case).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(a.key, case.key, "{}", case.name);
        let json = serde_json::to_string_pretty(&a).unwrap() + "\n";
        let path = fixtures()
            .join("expected")
            .join(format!("{}.json", case.name));
        if let Err(e) = expect_file(&path, &json) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn date_facts(a: &Announcement) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = a.issued.iter().map(|d| format!("issued {d}")).collect();
    for e in &a.effective {
        let scoped = if e.scope.is_some() { " scoped" } else { "" };
        out.insert(format!("effective {}{scoped}", e.date));
    }
    out
}

fn relation_facts(a: &Announcement) -> BTreeSet<String> {
    let day = |d: Option<chrono::NaiveDate>| d.map_or("-".to_string(), |d| d.to_string());
    a.relations
        .iter()
        .map(|r| {
            let mut s = format!(
                "{} {} {}..{}",
                r.kind.as_str(),
                r.target,
                day(r.from),
                day(r.until)
            );
            if let Some(scope) = &r.scope {
                s.push(' ');
                s.push_str(scope);
            }
            s
        })
        .collect()
}

#[derive(Default)]
struct Score {
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, case: &str, found: &BTreeSet<String>, gold: &[String]) {
        let gold: BTreeSet<String> = gold.iter().cloned().collect();
        self.true_pos += found.intersection(&gold).count();
        for f in found.difference(&gold) {
            self.false_pos += 1;
            self.misses.push(format!("{case}: extra {f}"));
        }
        for g in gold.difference(found) {
            self.false_neg += 1;
            self.misses.push(format!("{case}: missed {g}"));
        }
    }

    fn precision(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_pos).max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.true_pos as f64 / (self.true_pos + self.false_neg).max(1) as f64
    }
}

/// Recall and precision of codes, dates and relations over every fixture, against the gold
/// annotations. The figures are printed (`cargo test extract -- --nocapture`) and must stay at
/// or above 0.95; every miss is listed when they do not.
#[test]
fn recall_and_precision_over_the_fixture_set() {
    let (mut codes, mut dates, mut relations) =
        (Score::default(), Score::default(), Score::default());
    let cases = cases();
    for case in &cases {
        let a = extract(case).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let found: BTreeSet<String> = a.entries.iter().map(|e| e.code.clone()).collect();
        codes.add(&case.name, &found, &case.codes);
        dates.add(&case.name, &date_facts(&a), &case.dates);
        relations.add(&case.name, &relation_facts(&a), &case.relations);
    }
    println!("{} fixture pages", cases.len());
    println!(
        "{:<10} {:>6} {:>9} {:>7}",
        "", "facts", "precision", "recall"
    );
    for (name, s) in [
        ("codes", &codes),
        ("dates", &dates),
        ("relations", &relations),
    ] {
        println!(
            "{name:<10} {:>6} {:>9.3} {:>7.3}",
            s.true_pos + s.false_neg,
            s.precision(),
            s.recall()
        );
    }
    for s in [&codes, &dates, &relations] {
        assert!(
            s.precision() >= 0.95 && s.recall() >= 0.95,
            "below 0.95:\n{}",
            s.misses.join("\n")
        );
    }
    // Gold annotations are meant to be complete: list what the extractor gets wrong even when the
    // totals pass, so a regression shows up in the log.
    for s in [&codes, &dates, &relations] {
        for m in &s.misses {
            println!("miss: {m}");
        }
    }
}

mod never_panics {
    //! The extractor reads whatever a server sends: no input may panic it. Random bytes, random
    //! text made of the fragments the patterns key on, and fixture pages cut or spliced anywhere.

    use super::*;
    use proptest::prelude::*;

    const FRAGMENTS: &[&str] = &[
        "商务部",
        " 海关总署",
        "公告",
        "2025年第",
        "第六十二號",
        "62号",
        "、56号",
        "及",
        "【发布文号】",
        "【发文日期】",
        "20251009",
        "２０２５年１０月９日",
        "自",
        "起正式实施",
        "自公布之日起实施",
        "自即日起至",
        "2026年11月10日",
        "暂停实施",
        "暫停實施",
        "第二款",
        "废止",
        "代替",
        "恢复实施",
        "同步予以更新",
        "清单",
        "1E902.a ",
        "3B90 1.a",
        "3C901.a.1",
        "（管制编码：",
        "）",
        "参考税则号列：",
        "285 39030",
        "、",
        "一、",
        "（一）",
        "1.",
        "【保留】",
        "许可",
        "0.1%",
        "附件",
        "\n",
        "<p>",
        "</p>",
        "<td>",
        "<tr>",
        "<div id=\"zoom\">",
        "<h1>",
        "\u{FEFF}",
        "\u{3000}",
        "。",
        "；",
    ];

    fn try_all(body: &[u8], content_type: Option<&str>) {
        let url = Url::parse("https://www.mofcom.gov.cn/zwgk/zcfb/index.html").unwrap();
        let page = Page {
            url: &url,
            body,
            content_type,
        };
        let _ = extract::announcement(&Reader::Mofcom, &page);
        let _ = extract::index(&Reader::Mofcom, &page);
    }

    fn content_type() -> impl Strategy<Value = Option<&'static str>> {
        prop::sample::select(vec![
            None,
            Some("text/html"),
            Some("text/html; charset=gbk"),
            Some("text/html; charset=utf-8"),
            Some("text/html; charset=nonsense"),
            Some("application/pdf"),
        ])
    }

    proptest! {
        #[test]
        fn on_random_bytes(body in prop::collection::vec(any::<u8>(), 0..4096), ct in content_type()) {
            try_all(&body, ct);
        }

        #[test]
        fn on_pattern_soup(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..200), ct in content_type()) {
            try_all(parts.concat().as_bytes(), ct);
        }

        #[test]
        fn on_damaged_fixtures(case in 0usize..64, cut in any::<prop::sample::Index>(), splice in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..8), ct in content_type()) {
            let cases = cases();
            let c = &cases[case % cases.len()];
            let body = std::fs::read(root().join(&c.page)).unwrap();
            let at = cut.index(body.len() + 1);
            let mut damaged = body[..at].to_vec();
            damaged.extend_from_slice(splice.concat().as_bytes());
            damaged.extend_from_slice(&body[at..]);
            try_all(&damaged, ct);
            try_all(&body[..at], ct);
        }
    }
}

mod hostile_input {
    //! The config parser and the charset decoder take untrusted text too: no input may panic them.

    use proptest::prelude::*;
    use regwatch::config::Config;
    use regwatch::extract::charset;

    const CONFIG_FRAGMENTS: &[&str] = &[
        "[[source]]\n",
        "[[digest]]\n",
        "[smtp]\n",
        "[http]\n",
        "[politeness]\n",
        "[status]\n",
        "id = \"a\"\n",
        "name = \"a\"\n",
        "profile = \"mofcom\"\n",
        "url = \"https://x.example/\"\n",
        "url = \"file:///etc/passwd\"\n",
        "schedule = \"* * * * *\"\n",
        "schedule = \"61 25 * * *\"\n",
        "timezone = \"Asia/Shanghai\"\n",
        "timezone = \"Nowhere/Else\"\n",
        "to = [\"a@example.com\"]\n",
        "to = [\"not an address\"]\n",
        "from = \"x <x@example.com>\"\n",
        "host = \"127.0.0.1\"\n",
        "kinds = [\"added\", \"zzz\"]\n",
        "since = 2025-13-40\n",
        "concurrency = 0\n",
        "timeout_secs = 18446744073709551615\n",
        "failing_after = -1\n",
        "= = =\n",
        "\"\n",
        "'''\n",
        "\u{0}",
        "\u{feff}",
        "é中文\n",
    ];

    proptest! {
        #[test]
        fn config_parser_never_panics(parts in prop::collection::vec(prop::sample::select(CONFIG_FRAGMENTS), 0..40)) {
            let _ = Config::parse(&parts.concat(), "fuzz.toml");
        }

        #[test]
        fn config_parser_never_panics_on_any_text(text in ".{0,400}") {
            let _ = Config::parse(&text, "fuzz.toml");
        }

        #[test]
        fn charset_decoder_never_panics(
            body in prop::collection::vec(any::<u8>(), 0..2048),
            ct in prop::option::of("[ -~]{0,60}"),
            meta in prop::option::of(prop::sample::select(vec!["gbk", "gb2312", "utf-8", "big5", "x-unknown", "", "\u{0}"])),
        ) {
            let mut bytes = body;
            if let Some(m) = meta {
                let mut head = format!("<meta charset=\"{m}\">").into_bytes();
                head.extend_from_slice(&bytes);
                bytes = head;
            }
            let decoded = charset::decode(&bytes, ct.as_deref());
            // Whatever came in, what comes out is text.
            prop_assert!(decoded.text.len() <= bytes.len() * 3 + 16);
        }
    }
}
