use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/snapshots/eu/eurlex/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn version(date: &str) -> Announcement {
    let url = Url::parse(&format!(
        "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-{date}"
    ))
    .unwrap();
    announcement(&url, &fixture(&format!("02021R0821-{date}.html")), Some(3)).unwrap()
}

#[test]
fn the_consolidated_versions_a_page_lists() {
    let url =
        Url::parse("https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32021R0821").unwrap();
    let (links, next) = index(&url, &fixture("consolidations.html")).unwrap();
    assert!(next.is_none());
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    // Oldest first, each once; the original act and another act's consolidation are not versions.
    assert_eq!(
        urls,
        [
            "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20231216",
            "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20241108",
        ]
    );
}

#[test]
fn annex_one_by_control_code_with_definitions() {
    let a = version("20241108");
    assert_eq!(a.key, "EUANNEX-2024-1108");
    assert_eq!(
        a.citation(),
        "Regulation (EU) 2021/821, Annex I, consolidated version of 2024-11-08"
    );
    assert_eq!(
        a.title,
        "Annex I as replaced by Commission Delegated Regulation (EU) 2024/2547 of 5 September 2024 (CELEX 32024R2547; OJ L, 2024/2547, 7.11.2024) (consolidated version of 2024-11-08)"
    );
    let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
    // Other annexes' codes (Annex Ia, Annex II) are not Annex I's.
    assert_eq!(
        codes,
        [
            "def:accuracy",
            "def:superalloys",
            "1A001",
            "1C010",
            "1C011",
            "1C907",
            "3A001"
        ]
    );
    let d = |c: &str| {
        a.entries
            .iter()
            .find(|e| e.code == c)
            .unwrap()
            .description
            .clone()
    };
    let c010 = d("1C010");
    assert!(
        c010.starts_with("\"Fibrous or filamentary materials\" as follows:"),
        "{c010}"
    );
    assert!(
        c010.contains("a. Organic")
            && c010.contains("1. \"Specific modulus\" exceeding 12,7 × 10 6 m"),
        "{c010}"
    );
    // Notes and decontrol notes are the entry's, N.B. too.
    assert!(
        c010.contains("Note: 1C010.a. does not control polyethylene."),
        "{c010}"
    );
    assert!(c010.contains("N.B.: SEE ALSO 1C210"), "{c010}");
    assert!(d("1A001").contains("b. [Reserved]"));
    // A group heading ends the entry before it; it is no part of it.
    assert!(!d("1A001").contains("1C Materials"), "{}", d("1A001"));
    // The markers are gone.
    let sup = d("def:superalloys");
    assert!(
        !sup.contains('►') && !sup.contains('◄') && !sup.contains("M4"),
        "{sup}"
    );
    assert!(sup.contains("stress-rupture life"), "{sup}");
    assert!(a.entries.iter().all(|e| !e.description.contains('▼')));
    assert_eq!(a.entries[0].item_type, ItemType::Definition);
    assert_eq!(a.entries[4].item_type, ItemType::Material);
    assert_eq!(a.entries[4].regime, "eu-dual-use");
}

#[test]
fn a_replacement_changes_codes_and_definitions() {
    let before = version("20231216");
    let after = version("20241108");
    let get = |a: &Announcement, c: &str| {
        a.entries
            .iter()
            .find(|e| e.code == c)
            .map(|e| e.description.clone())
    };
    assert!(get(&before, "1C240").is_some() && get(&after, "1C240").is_none());
    assert!(get(&before, "1C907").is_none() && get(&after, "1C907").is_some());
    assert_ne!(get(&before, "1C011"), get(&after, "1C011"));
    assert_ne!(
        get(&before, "def:superalloys"),
        get(&after, "def:superalloys")
    );
    assert_eq!(get(&before, "3A001"), get(&after, "3A001"));
    assert!(before.title.contains("2023/2616"));
}

#[test]
fn an_annex_read_short_or_missing_fails() {
    let url = Url::parse(
        "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20241108",
    )
    .unwrap();
    let e = announcement(&url, &fixture("02021R0821-20241108.html"), None).unwrap_err();
    assert_eq!(
        e,
        ExtractError::TooFew {
            found: 5,
            min: MIN_ENTRIES,
            what: "Annex I control codes"
        }
    );
    let e = announcement(
        &url,
        "<html><body><p>Request blocked</p></body></html>",
        Some(1),
    )
    .unwrap_err();
    assert!(
        matches!(e, ExtractError::SelectorMatchedNothing { .. }),
        "{e}"
    );
}

/// Whitespace and invisible characters between words (as EUR-Lex's XHTML varies between
/// renderings) change neither the codes read nor their text.
#[test]
fn codes_survive_whitespace_and_invisible_characters() {
    use proptest::prelude::*;
    let html = fixture("02021R0821-20241108.html");
    let url = Url::parse(
        "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20241108",
    )
    .unwrap();
    let read = |h: &str| -> Vec<(String, String)> {
        announcement(&url, h, Some(3))
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.code, e.description))
            .collect()
    };
    let expected = read(&html);
    proptest!(ProptestConfig::with_cases(48), |(seed in 0usize..10_000, extra in prop::sample::select(vec!["  ", "\n", "\n\t", "\u{200b} ", " \u{feff}"]))| {
        let chars: Vec<char> = html.chars().collect();
        let mut out = String::with_capacity(html.len() + 64);
        let (mut n, mut in_tag) = (seed, false);
        for (i, &c) in chars.iter().enumerate() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                _ => {}
            }
            if c == ' ' && !in_tag && i > 0 && chars[i - 1].is_alphabetic() {
                n = n.wrapping_mul(31).wrapping_add(7);
                if n % 4 == 0 {
                    out.push_str(extra);
                    continue;
                }
            }
            out.push(c);
        }
        prop_assert_eq!(read(&out), expected.clone());
    });
}

/// The newer rendering lays numbered paragraphs out as grids of divs rather than tables; the
/// annex reads the same, and a list of versions in a drop-down is read like one of links.
#[test]
fn grids_read_like_tables_and_options_like_links() {
    let html = fixture("02021R0821-20241108.html");
    let url = Url::parse(
        "https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:02021R0821-20241108",
    )
    .unwrap();
    let re = Regex::new(
        r#"<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="\d+%"/><col width="\d+%"/><tbody><tr><td valign="top">(<p class="norm">[^<]*</p>)</td><td valign="top">(.*?)</td></tr></tbody></table>"#,
    )
    .unwrap();
    let grid = re.replace_all(&html, |c: &regex::Captures<'_>| {
        format!(
            r#"<div class="grid-container grid-list"><div class="list grid-list-column-1"><span>{}</span></div><div class="grid-list-column-2">{}</div></div>"#,
            c[1].trim_start_matches(r#"<p class="norm">"#).trim_end_matches("</p>"),
            &c[2]
        )
    });
    assert!(
        grid.contains("grid-container")
            && !grid.contains(r#"<td valign="top"><p class="norm">1C010</p>"#)
    );
    let entries = |h: &str| announcement(&url, h, Some(3)).unwrap().entries;
    assert_eq!(entries(&grid), entries(&html));

    let list = r#"<select id="consLegVersions"><option value="CELEX:02021R0821-20241108">08/11/2024</option><option value="CELEX%3A02021R0821-20231216">16/12/2023</option></select>"#;
    let (links, _) = index(&url, list).unwrap();
    assert_eq!(links.len(), 2);
    assert!(links[0].url.as_str().ends_with("02021R0821-20231216"));
}
