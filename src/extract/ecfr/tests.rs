use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/snapshots/us/ecfr/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn full(date: &str, part: u32) -> Url {
    Url::parse(&format!(
        "https://www.ecfr.gov/api/versioner/v1/full/{date}/title-15.xml?part={part}&appendix={}",
        supplement(part).unwrap()
    ))
    .unwrap()
}

#[test]
fn versions_give_the_dates_the_supplement_changed_up_to_the_latest_issue() {
    let url = Url::parse("https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=774&issue_date%5Bgte%5D=2025-01-01").unwrap();
    let (links, next) = index(&url, &fixture("versions-774.json")).unwrap();
    assert!(next.is_none());
    let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
    // Section 774.1 and Supplement No. 5 are not the CCL; 2026-12-02 is past the latest issue.
    assert_eq!(
        urls,
        [
            "https://www.ecfr.gov/api/versioner/v1/full/2025-03-25/title-15.xml?part=774&appendix=Supplement+No.+1+to+Part+774",
            "https://www.ecfr.gov/api/versioner/v1/full/2025-10-14/title-15.xml?part=774&appendix=Supplement+No.+1+to+Part+774",
        ]
    );
    let url = Url::parse("https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=744&issue_date%5Bgte%5D=2025-01-01").unwrap();
    let (links, _) = index(&url, &fixture("versions-744.json")).unwrap();
    let dates: Vec<String> = links.iter().map(|l| l.title.clone()).collect();
    assert_eq!(
        dates,
        [
            "Supplement No. 4 to Part 744 as of 2025-01-02",
            "Supplement No. 4 to Part 744 as of 2025-03-25"
        ]
    );
    let other = Url::parse("https://www.ecfr.gov/api/versioner/v1/versions/title-15.json?part=730")
        .unwrap();
    assert!(index(&other, &fixture("versions-744.json")).is_err());
}

#[test]
fn the_ccl_by_eccn_with_its_traps() {
    let a = announcement(
        &full("2025-03-25", 774),
        &fixture("part-774-2025-03-25.xml"),
        Some(1),
    )
    .unwrap();
    assert_eq!(a.key, "ECFR774-2025-325");
    assert_eq!(
        a.citation(),
        "15 CFR part 774, Supp. No. 1 (Commerce Control List) as of 2025-03-25"
    );
    let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
    // 0A002 is [Reserved]; cross-references (3A001.z, 3A991) are not entries.
    assert_eq!(
        codes,
        [
            "0A919", "1C010", "3A001", "3A090", "3B993", "9A004", "5A001"
        ]
    );
    let d = |code: &str| {
        a.entries
            .iter()
            .find(|e| e.code == code)
            .unwrap()
            .description
            .clone()
    };
    let c010 = d("1C010");
    assert!(
        c010.starts_with("“Fibrous or filamentary materials” as follows"),
        "{c010}"
    );
    assert!(
        c010.contains("Reason for Control: NS, MT, NP, AT."),
        "{c010}"
    );
    assert!(
        c010.contains("a. Organic") && c010.contains("b. Carbon"),
        "{c010}"
    );
    // A note's a. is not an item; nor is the note's decontrol.
    assert!(
        !c010.contains("Not an item") && !c010.contains("does not control"),
        "{c010}"
    );
    let a090 = d("3A090");
    assert!(!a090.contains("Excluded are"), "{a090}");
    assert!(
        a090.contains("b. Integrated circuits having a ‘total processing performance’ of 2400")
    );
    // Heading only (subject to the ITAR), and items with no "Items" marker.
    assert!(d("9A004").contains("subject to the ITAR") && !d("9A004").contains("Items:"));
    assert!(
        d("5A001").contains("Items: a. Any type") && d("5A001").contains("b. Telecommunication")
    );
    assert_eq!(a.entries[0].regime, "us-ccl");
    assert_eq!(a.entries[1].item_type, ItemType::Material);
}

#[test]
fn a_ccl_read_short_is_a_failure_not_a_removal() {
    let e = announcement(
        &full("2025-03-25", 774),
        &fixture("part-774-2025-03-25.xml"),
        None,
    )
    .unwrap_err();
    assert_eq!(
        e,
        ExtractError::TooFew {
            found: 7,
            min: MIN_CCL,
            what: "ECCNs"
        }
    );
    let e = announcement(
        &full("2025-03-25", 744),
        &fixture("part-744-2025-03-25.xml"),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ExtractError::TooFew {
                min: MIN_ENTITY_LIST,
                ..
            }
        ),
        "{e}"
    );
    // The other part's XML: its supplement is not there.
    assert!(
        announcement(
            &full("2025-03-25", 744),
            &fixture("part-774-2025-03-25.xml"),
            Some(1)
        )
        .is_err()
    );
    assert!(
        announcement(
            &full("2025-03-25", 774),
            b"<html><body>Service Unavailable</body>",
            Some(1)
        )
        .is_err()
    );
}

#[test]
fn the_entity_list_by_destination_and_name() {
    let a = announcement(
        &full("2025-03-25", 744),
        &fixture("part-744-2025-03-25.xml"),
        Some(1),
    )
    .unwrap();
    assert_eq!(a.key, "ECFR744-2025-325");
    let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "CHINA, PEOPLE'S REPUBLIC OF: beijing example magnetics",
            "CHINA, PEOPLE'S REPUBLIC OF: example semiconductor equipment",
            "CHINA, PEOPLE'S REPUBLIC OF: ganzhou example materials research institute",
            "CHINA, PEOPLE'S REPUBLIC OF: shenzhen example rare earth technology",
            "RUSSIA: example aero technologies",
        ],
        "continuation rows carry the country; a repeated row is read once"
    );
    let bem = &a.entries[0];
    assert_eq!(bem.item_type, ItemType::Entity);
    assert_eq!(
        bem.description,
        "Beijing Example Magnetics Co., Ltd. (a.k.a. BEM; Example Rare Earth Magnet Works) — Room 1201, No. 8 Example Road, Haidian District, Beijing, China. License requirement: For all items subject to the EAR. (See §744.11 of the EAR). License review policy: Presumption of denial. Federal Register citation: 84 FR 22961, 5/21/19. 90 FR 14057, 3/28/25."
    );
    assert_eq!(
        entity_list::citations(&bem.description),
        ["84 FR 22961", "90 FR 14057"]
    );
    assert!(
        a.entries[1]
            .description
            .starts_with("Example Semiconductor Equipment Corp. — No. 18 Example")
    );
    assert!(
        a.entries[2]
            .description
            .starts_with("Ganzhou Example Materials Research Institute — 1 Example")
    );
    assert!(
        a.entries[4]
            .description
            .starts_with("Example Aero Technologies, Inc. (a.k.a. EAT) — 5 Example")
    );
    // The screener reads the names and aliases.
    assert_eq!(
        crate::screen::names_of(&bem.description),
        [
            "Beijing Example Magnetics Co., Ltd.",
            "BEM",
            "Example Rare Earth Magnet Works"
        ]
    );
}

#[test]
fn entity_cells_in_their_forms() {
    let (n, a, addr) = entity_list::split_entity("Example, Inc., 1 Road, Town.");
    assert_eq!(
        (n.as_str(), a.len(), addr.as_str()),
        ("Example, Inc.", 0, "1 Road, Town.")
    );
    let (n, a, _) =
        entity_list::split_entity("Alpha LLC, f.k.a., the following alias: —Beta LLC. 2 Street.");
    assert_eq!((n.as_str(), a), ("Alpha LLC", vec!["Beta LLC".to_string()]));
}

/// Whitespace as served varies (line breaks inside cells, runs of spaces, no-break spaces) and
/// invisible characters slip into names (zero-width spaces, BOMs): the keys of the Entity List
/// and of the CCL stay the same, and nothing is read twice or lost.
#[test]
fn keys_survive_whitespace_and_invisible_characters() {
    use proptest::prelude::*;
    let el = String::from_utf8(fixture("part-744-2025-03-25.xml")).unwrap();
    let ccl = String::from_utf8(fixture("part-774-2025-03-25.xml")).unwrap();
    let keys = |url: &Url, xml: &str| -> Vec<String> {
        announcement(url, xml.as_bytes(), Some(1))
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.code)
            .collect()
    };
    let (el_url, ccl_url) = (full("2025-03-25", 744), full("2025-03-25", 774));
    let (el_keys, ccl_keys) = (keys(&el_url, &el), keys(&ccl_url, &ccl));
    let spaces = prop::collection::vec(
        prop::sample::select(vec![" ", "  ", "\n", "\n   ", "\u{a0}", " \t"]),
        1..40,
    );
    let invisible = prop::collection::vec(
        prop::sample::select(vec!["\u{200b}", "\u{feff}", "\u{200d}"]),
        1..6,
    );
    proptest!(ProptestConfig::with_cases(64), |(spaces in spaces, invisible in invisible, seed in 0usize..1000)| {
        // Replace some spaces between words in text (never inside tags' attributes: only
        // after a letter and before a letter).
        let vary = |xml: &str| {
            let mut out = String::with_capacity(xml.len() + 64);
            let mut n = seed;
            let mut in_tag = false;
            let chars: Vec<char> = xml.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ => {}
                }
                let between_letters = i > 0
                    && i + 1 < chars.len()
                    && chars[i - 1].is_alphabetic()
                    && chars[i + 1].is_alphabetic();
                if c == ' ' && !in_tag && between_letters {
                    n = n.wrapping_mul(31).wrapping_add(7);
                    if n % 3 == 0 {
                        out.push_str(spaces[n % spaces.len()]);
                        continue;
                    }
                    if n % 7 == 1 {
                        out.push(' ');
                        out.push_str(invisible[n % invisible.len()]);
                        continue;
                    }
                }
                out.push(c);
            }
            out
        };
        prop_assert_eq!(keys(&el_url, &vary(&el)), el_keys.clone());
        prop_assert_eq!(keys(&ccl_url, &vary(&ccl)), ccl_keys.clone());
    });
}

/// Entities that expand a billion times (a hostile answer) fail the page, quickly.
#[test]
fn an_entity_bomb_is_refused() {
    let mut dtd = String::from("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY l0 \"lol\">");
    for i in 1..10 {
        let prev = format!("&l{};", i - 1);
        dtd.push_str(&format!("<!ENTITY l{i} \"{}\">", prev.repeat(10)));
    }
    dtd.push_str("]><DIV9 N=\"Supplement No. 1 to Part 774\" TYPE=\"APPENDIX\"><P>&l9;</P></DIV9>");
    let e = announcement(&full("2025-03-25", 774), dtd.as_bytes(), Some(1)).unwrap_err();
    assert!(matches!(e, ExtractError::ListApi(_)), "{e}");
}

/// GPO's markup for the same text (`<E T="04">` bold, `<E T="03">` italic) reads the same.
#[test]
fn gpo_emphasis_reads_like_the_ecfrs() {
    let xml = String::from_utf8(fixture("part-774-2025-03-25.xml")).unwrap();
    let gpo = xml
        .replace("<B>", "<E T=\"04\">")
        .replace("</B>", "</E>")
        .replace("<I>", "<E T=\"03\">")
        .replace("</I>", "</E>");
    assert_ne!(gpo, xml);
    let read = |x: &str| {
        announcement(&full("2025-03-25", 774), x.as_bytes(), Some(1))
            .unwrap()
            .entries
    };
    assert_eq!(read(&gpo), read(&xml));
}
