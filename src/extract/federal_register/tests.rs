use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/snapshots/us/federalregister/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn doc_url() -> Url {
    Url::parse("https://www.federalregister.gov/api/v1/documents/x.json").unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const SEARCH: &str = "https://www.federalregister.gov/api/v1/documents.json?conditions%5Bagencies%5D%5B%5D=industry-and-security-bureau&conditions%5Bpublication_date%5D%5Bgte%5D=2024-03-01&per_page=1000&order=oldest";

#[test]
fn a_search_is_read_one_publication_year_at_a_time() {
    let url = Url::parse(SEARCH).unwrap();
    let w = windows(&url, day("2026-11-30"));
    let spans: Vec<(String, String)> = w
        .iter()
        .map(|u| (query(u, GTE).unwrap(), query(u, LTE).unwrap()))
        .collect();
    assert_eq!(
        spans,
        [
            ("2024-03-01".into(), "2024-12-31".into()),
            ("2025-01-01".into(), "2025-12-31".into()),
            ("2026-01-01".into(), "2026-11-30".into()),
        ]
    );
    // The rest of the query is kept.
    assert!(
        w.iter()
            .all(|u| query(u, "per_page").as_deref() == Some("1000")
                && query(u, "conditions[agencies][]").as_deref()
                    == Some("industry-and-security-bureau"))
    );
    // No start: this year only.
    let bare =
        Url::parse("https://www.federalregister.gov/api/v1/documents.json?per_page=1000").unwrap();
    assert_eq!(windows(&bare, day("2026-11-30")).len(), 1);
}

#[test]
fn a_window_lists_its_documents_and_its_next_page() {
    let url = Url::parse("https://www.federalregister.gov/api/v1/documents.json?conditions%5Bpublication_date%5D%5Bgte%5D=2025-01-01&per_page=1000").unwrap();
    let (links, next) = index(&url, &fixture("search-2025.json")).unwrap();
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://www.federalregister.gov/api/v1/documents/2025-05426.json",
            "https://www.federalregister.gov/api/v1/documents/2025-18811.json",
            "https://www.federalregister.gov/api/v1/documents/C1-2025-05426.json",
        ]
    );
    assert_eq!(next, None);

    let url =
        Url::parse("https://www.federalregister.gov/api/v1/documents.json?per_page=2").unwrap();
    let (links, next) = index(&url, &fixture("search-2024-page1.json")).unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(query(&next.unwrap(), "page").as_deref(), Some("2"));

    // An empty window has no `results` at all: read fine, nothing in it.
    let (links, next) = index(&url, &fixture("search-empty.json")).unwrap();
    assert!(links.is_empty() && next.is_none());
}

#[test]
fn pages_the_api_would_silently_restart_are_refused() {
    let body = fixture("search-2024-page1.json");
    for q in [
        "page=51&per_page=20",
        "page=11&per_page=1000",
        "page=3&per_page=2",
    ] {
        let url = Url::parse(&format!(
            "https://www.federalregister.gov/api/v1/documents.json?{q}"
        ))
        .unwrap();
        let e = index(&url, &body).unwrap_err();
        assert!(matches!(e, ExtractError::ListApi(_)), "{q}: {e}");
    }
    let huge = br#"{"count":12000,"total_pages":50,"results":[]}"#;
    let url = Url::parse("https://www.federalregister.gov/api/v1/documents.json").unwrap();
    assert!(index(&url, huge).unwrap_err().to_string().contains("12000"));
    assert!(index(&url, b"<html>maintenance</html>").is_err());
}

#[test]
fn an_entity_list_rule_effective_only_in_its_dates_text() {
    let a = announcement(&doc_url(), &fixture("2025-05426.json")).unwrap();
    assert_eq!(a.key, "FR-2025-05426");
    assert_eq!(a.authorities, ["BIS"]);
    assert_eq!((a.year, a.number), (2025, 5426));
    assert_eq!(
        a.title,
        "Additions to the Entity List (90 FR 14057; 15 CFR 744)"
    );
    assert_eq!(a.issued, Some(day("2025-03-28")));
    assert_eq!(a.effective[0].date, day("2025-03-25"));
    let kinds: Vec<&str> = a.doubts.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["effective-from-text", "effective-before-publication"]
    );
    assert!(a.entries.is_empty());
    assert_eq!(parts_in_title(&a.title), [744]);
    assert_eq!(citation_in_title(&a.title).as_deref(), Some("90 FR 14057"));
    assert_eq!(a.citation(), "BIS rule FR Doc. 2025-05426");
}

#[test]
fn a_ccl_rule_and_a_correction() {
    let a = announcement(&doc_url(), &fixture("2025-18811.json")).unwrap();
    assert_eq!(a.effective[0].date, day("2025-10-14"));
    assert!(a.doubts.is_empty());
    assert_eq!(parts_in_title(&a.title), [774]);

    let c = announcement(&doc_url(), &fixture("C1-2025-05426.json")).unwrap();
    assert_eq!(c.key, "FR-C1-2025-05426");
    assert_eq!(c.citation(), "BIS rule FR Doc. C1-2025-05426");
    assert_eq!(c.relations.len(), 1);
    assert_eq!(c.relations[0].kind, RelationKind::Amends);
    assert_eq!(c.relations[0].target, "FR-2025-05426");
}

#[test]
fn numbers_and_dates_in_their_real_forms() {
    assert_eq!(document_number("2025-05426"), Some((2025, 5426, None)));
    assert_eq!(
        document_number("C1-2024-12345"),
        Some((2024, 12345, Some("C1")))
    );
    assert_eq!(document_number("99-13351"), None);
    assert_eq!(document_number("E9-17295"), None);
    assert_eq!(
        effective_in_dates("Effective date: This rule is effective on January 31, 2023."),
        Some(day("2023-01-31"))
    );
    assert_eq!(effective_in_dates("Comments due March 3, 2025."), None);
    let old = br#"{"document_number":"E9-17295","title":"x"}"#;
    assert_eq!(
        announcement(&doc_url(), old).unwrap_err(),
        ExtractError::NoDocumentNumber
    );
}

#[test]
fn documents_on_public_inspection_are_early_warnings() {
    let url = Url::parse(
        "https://www.federalregister.gov/api/v1/public-inspection-documents/current.json",
    )
    .unwrap();
    // Not a search: read as it is, not in year windows.
    assert_eq!(windows(&url, day("2025-09-12")), std::slice::from_ref(&url));
    let (links, next) = index(&url, &fixture("public-inspection-current.json")).unwrap();
    assert!(next.is_none());
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    // BIS's only (by slug, or by name where the agency is unmatched); not the EPA's.
    assert_eq!(
        urls,
        [
            "https://www.federalregister.gov/api/v1/public-inspection-documents/2025-16001.json",
            "https://www.federalregister.gov/api/v1/public-inspection-documents/2025-16010.json",
        ]
    );
    let doc = Url::parse(
        "https://www.federalregister.gov/api/v1/public-inspection-documents/2025-16001.json",
    )
    .unwrap();
    let a = announcement(&doc, &fixture("public-inspection-2025-16001.json")).unwrap();
    assert_eq!(a.key, "FRPI-2025-16001");
    assert_eq!(
        a.citation(),
        "BIS document on public inspection, FR Doc. 2025-16001"
    );
    assert_eq!(
        a.title,
        "Additions to the Entity List (on public inspection 2025-09-12; to be published 2025-09-16)"
    );
    assert_eq!(a.issued, Some(day("2025-09-12")));
    assert!(a.effective.is_empty() && a.entries.is_empty());
}
