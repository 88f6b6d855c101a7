use super::*;
use crate::model::{ControlEntry, Effective};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn announcement(
    key: &str,
    issued: &str,
    effective: &[(&str, Option<&str>)],
    relations: Vec<Relation>,
) -> KnownAnnouncement {
    let (_, year, number) = crate::model::parse_key(key).unwrap();
    KnownAnnouncement {
        key: key.into(),
        authorities: vec!["MOFCOM".into()],
        year,
        number,
        title: String::new(),
        issued: Some(day(issued)),
        effective: effective
            .iter()
            .map(|(d, s)| Effective::stated(day(d), s.map(str::to_string)))
            .collect(),
        entries: Vec::new(),
        relations,
        urls: Vec::new(),
        first_seen: String::new(),
        snapshot: 0,
        doubts: Vec::new(),
        english: None,
    }
}

fn entry(key: &str, code: &str, desc: &str) -> StoredEntry {
    StoredEntry {
        entry: ControlEntry {
            regime: "cn-dual-use".into(),
            code: code.into(),
            description: desc.into(),
            item_type: ItemType::Technology,
            hs_codes: Vec::new(),
            clause: None,
            removal: false,
        },
        announcement: key.into(),
    }
}

fn rel(
    kind: RelationKind,
    target: &str,
    from: &str,
    until: Option<&str>,
    scope: Option<&str>,
) -> Relation {
    Relation {
        kind,
        target: target.into(),
        from: Some(day(from)),
        until: until.map(day),
        scope: scope.map(str::to_string),
    }
}

fn anns(list: Vec<KnownAnnouncement>) -> HashMap<String, KnownAnnouncement> {
    list.into_iter().map(|a| (a.key.clone(), a)).collect()
}

fn status_of(list: &[ListedEntry], code: &str) -> (Status, Option<NaiveDate>, String) {
    let e = list.iter().find(|e| e.code == code).unwrap();
    (e.status, e.until, e.status_by.clone())
}

#[test]
fn scopes_name_clauses() {
    assert_eq!(
        parse_scope("第二款"),
        [Clause {
            article: 2,
            item: None
        }]
    );
    assert_eq!(
        parse_scope("本公告第一条第（一）项、第（二）项"),
        [
            Clause {
                article: 1,
                item: Some(1)
            },
            Clause {
                article: 1,
                item: Some(2)
            }
        ]
    );
    assert!(parse_scope("出口许可管理").is_empty());
    assert_eq!(
        clause_of("MOFCOM-2025-61", "MOFCOM-2025-61#m1.2"),
        Some(Clause {
            article: 1,
            item: Some(2)
        })
    );
    assert_eq!(clause_of("MOFCOM-2025-62", "1E902.a"), None);
}

#[test]
fn suspended_until_its_last_day_then_in_force_again() {
    let a = anns(vec![
        announcement(
            "MOFCOM-2025-62",
            "2025-10-09",
            &[("2025-10-09", None)],
            vec![],
        ),
        announcement(
            "MOFCOM-2025-70",
            "2025-11-07",
            &[("2025-11-07", None)],
            vec![rel(
                RelationKind::Suspends,
                "MOFCOM-2025-62",
                "2025-11-07",
                Some("2026-11-10"),
                None,
            )],
        ),
    ]);
    let entries = vec![entry("MOFCOM-2025-62", "1E902.a", "稀土技术")];
    let t = Timeline::new(&a);
    let on = |d: &str| status_of(&t.list(&entries, day(d)), "1E902.a");
    assert_eq!(
        on("2025-10-09"),
        (Status::InForce, None, "MOFCOM-2025-62".into())
    );
    assert_eq!(
        on("2025-11-07"),
        (
            Status::Suspended,
            Some(day("2026-11-10")),
            "MOFCOM-2025-70".into()
        )
    );
    assert_eq!(on("2026-11-10").0, Status::Suspended);
    assert_eq!(
        on("2026-11-11"),
        (Status::InForce, None, "MOFCOM-2025-62".into())
    );
    assert!(t.list(&entries, day("2025-10-08")).is_empty());
}

#[test]
fn clause_scoped_dates_and_suspensions_touch_only_their_clause() {
    let a = anns(vec![
        announcement(
            "MOFCOM-2025-61",
            "2025-10-09",
            &[
                ("2025-10-09", None),
                ("2025-12-01", Some("本公告第一条第（一）项、第（二）项")),
            ],
            vec![],
        ),
        announcement(
            "MOFCOM-2025-80",
            "2025-11-20",
            &[("2025-11-20", None)],
            vec![rel(
                RelationKind::Suspends,
                "MOFCOM-2025-61",
                "2025-11-20",
                None,
                Some("第二款"),
            )],
        ),
    ]);
    let entries = vec![
        entry("MOFCOM-2025-61", "MOFCOM-2025-61#m1.1", "0.1%"),
        entry("MOFCOM-2025-61", "MOFCOM-2025-61#m1.3", "原产于中国"),
        entry("MOFCOM-2025-61", "MOFCOM-2025-61#m2", "军事用户"),
    ];
    let t = Timeline::new(&a);
    let oct = t.list(&entries, day("2025-10-10"));
    assert_eq!(
        status_of(&oct, "MOFCOM-2025-61#m1.1").0,
        Status::NotYetEffective
    );
    assert_eq!(
        status_of(&oct, "MOFCOM-2025-61#m1.1").1,
        Some(day("2025-12-01"))
    );
    assert_eq!(status_of(&oct, "MOFCOM-2025-61#m1.3").0, Status::InForce);
    // Coded entries carry the clause they stand in.
    let mut cathode = entry("MOFCOM-2025-61", "3C901.a.1", "磷酸铁锂");
    cathode.entry.clause = Some("2".into());
    let mut cells = entry("MOFCOM-2025-61", "3A001", "锂离子电池");
    cells.entry.clause = Some("1.1".into());
    let coded = t.list(&[cathode, cells], day("2025-12-01"));
    assert_eq!(status_of(&coded, "3C901.a.1").0, Status::Suspended);
    assert_eq!(status_of(&coded, "3A001").0, Status::InForce);
    let dec = t.list(&entries, day("2025-12-01"));
    assert_eq!(status_of(&dec, "MOFCOM-2025-61#m1.1").0, Status::InForce);
    assert_eq!(
        status_of(&dec, "MOFCOM-2025-61#m2"),
        (Status::Suspended, None, "MOFCOM-2025-80".into())
    );
    assert_eq!(status_of(&dec, "MOFCOM-2025-61#m1.3").0, Status::InForce);
}

#[test]
fn repeal_resumption_and_a_later_restatement() {
    let a = anns(vec![
        announcement(
            "MOFCOM-2023-23",
            "2023-07-03",
            &[("2023-08-01", None)],
            vec![],
        ),
        announcement(
            "MOFCOM-2025-61",
            "2025-10-09",
            &[("2025-10-09", None)],
            vec![],
        ),
        announcement(
            "MOFCOM-2025-70",
            "2025-11-07",
            &[],
            vec![rel(
                RelationKind::Suspends,
                "MOFCOM-2025-61",
                "2025-11-07",
                Some("2026-11-10"),
                None,
            )],
        ),
        announcement(
            "MOFCOM-2026-3",
            "2026-01-20",
            &[("2026-03-01", None)],
            vec![
                rel(
                    RelationKind::Repeals,
                    "MOFCOM-2023-23",
                    "2026-03-01",
                    None,
                    None,
                ),
                rel(
                    RelationKind::Resumes,
                    "MOFCOM-2025-61",
                    "2026-03-01",
                    None,
                    None,
                ),
            ],
        ),
    ]);
    let entries = vec![
        entry("MOFCOM-2023-23", "MOFCOM-2023-23#1.1.1", "金属镓"),
        entry("MOFCOM-2025-61", "MOFCOM-2025-61#m2", "军事用户"),
    ];
    let t = Timeline::new(&a);
    let feb = t.list(&entries, day("2026-02-28"));
    assert_eq!(status_of(&feb, "MOFCOM-2023-23#1.1.1").0, Status::InForce);
    assert_eq!(status_of(&feb, "MOFCOM-2025-61#m2").0, Status::Suspended);
    let mar = t.list(&entries, day("2026-03-01"));
    assert_eq!(
        status_of(&mar, "MOFCOM-2023-23#1.1.1"),
        (Status::Repealed, None, "MOFCOM-2026-3".into())
    );
    assert_eq!(status_of(&mar, "MOFCOM-2025-61#m2").0, Status::InForce);

    // A later announcement restating a code takes over only once it is in effect.
    let a = anns(vec![
        announcement(
            "MOFCOM-2025-55",
            "2025-10-09",
            &[("2025-11-08", None)],
            vec![],
        ),
        announcement(
            "MOFCOM-2026-9",
            "2026-05-01",
            &[("2026-06-01", None)],
            vec![],
        ),
    ]);
    let entries = vec![
        entry("MOFCOM-2025-55", "2C902.a", "平均粒径不大于50微米"),
        entry("MOFCOM-2026-9", "2C902.a", "平均粒径不大于40微米"),
    ];
    let t = Timeline::new(&a);
    let may = t.list(&entries, day("2026-05-15"));
    assert_eq!(may[0].announcement, "MOFCOM-2025-55");
    assert_eq!(may[0].status, Status::InForce);
    let june = t.list(&entries, day("2026-06-01"));
    assert_eq!(june[0].announcement, "MOFCOM-2026-9");
}

#[test]
fn comparing_lists_by_code() {
    let a = anns(vec![
        announcement(
            "MOFCOM-2025-62",
            "2025-10-09",
            &[("2025-10-09", None)],
            vec![],
        ),
        announcement(
            "MOFCOM-2025-70",
            "2025-11-07",
            &[],
            vec![rel(
                RelationKind::Suspends,
                "MOFCOM-2025-62",
                "2025-11-07",
                Some("2026-11-10"),
                None,
            )],
        ),
        announcement(
            "MOFCOM-2025-55",
            "2025-10-09",
            &[("2025-11-08", None)],
            vec![],
        ),
    ]);
    let entries = vec![
        entry("MOFCOM-2025-62", "1E902.a", "稀土技术"),
        entry("MOFCOM-2025-55", "2C902.a", "微粉"),
    ];
    let t = Timeline::new(&a);
    let before = t.list(&entries, day("2025-10-01"));
    let after = t.list(&entries, day("2025-11-10"));
    let d = compare_lists(&before, &after);
    let kinds: Vec<(&str, &str)> = d
        .iter()
        .map(|c| (c.after.or(c.before).unwrap().code.as_str(), c.delta.kind()))
        .collect();
    assert_eq!(kinds, [("1E902.a", "added"), ("2C902.a", "added")]);
    let later = t.list(&entries, day("2026-11-11"));
    let ahead = t.upcoming(&entries, day("2025-11-10"), day("2026-12-31"));
    assert_eq!(ahead.len(), 1);
    assert_eq!(ahead[0].date, day("2026-11-11"));
    assert_eq!(ahead[0].entry.code, "1E902.a");
    assert_eq!(
        ahead[0].previous,
        Some((Status::Suspended, "MOFCOM-2025-70".into()))
    );
    let d = compare_lists(&after, &later);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d[0].delta,
        Delta::StatusChanged {
            from: Status::Suspended,
            to: Status::InForce
        }
    );
}

/// The lists on two dates reduced to their differences compare as the whole lists do, over
/// generated histories: listings, restatements, clause dates, suspensions, resumptions, repeals.
#[test]
fn differing_compares_as_the_whole_lists() {
    use proptest::prelude::*;
    let history = (
        proptest::collection::vec((0u32..6, 0u32..400, 0u32..5, any::<bool>()), 1..8),
        proptest::collection::vec((0u32..8, 0u32..4), 1..30),
        0u32..900,
        0u32..900,
    );
    proptest!(ProptestConfig::with_cases(200), |((anns_spec, entry_spec, d1, d2) in history)| {
        let base = day("2024-01-01");
        let at = |n: u32| (base + chrono::Days::new(u64::from(n))).to_string();
        let keys: Vec<String> = (0..anns_spec.len()).map(|n| format!("MOFCOM-2024-{}", n + 1)).collect();
        let mut list = Vec::new();
        for (n, &(kind, when, target, scoped)) in anns_spec.iter().enumerate() {
            let issued = at(when);
            let later = at(when + 30);
            let target = &keys[target as usize % keys.len()];
            let mut effective = vec![(later.as_str(), None)];
            if scoped {
                effective.push((issued.as_str(), Some("本公告第一条")));
            }
            let relation = match kind {
                1 => vec![rel(RelationKind::Suspends, target, &issued, Some(&at(when + 200)), None)],
                2 => vec![rel(RelationKind::Resumes, target, &later, None, None)],
                3 => vec![rel(RelationKind::Repeals, target, &later, None, None)],
                _ => vec![],
            };
            list.push(announcement(&keys[n], &issued, &effective, relation));
        }
        let a = anns(list);
        let mut entries: Vec<StoredEntry> = entry_spec
            .iter()
            .enumerate()
            .map(|(i, &(code, by))| {
                let key = &keys[by as usize % keys.len()];
                let mut e = entry(key, &format!("1C90{code}"), &format!("物项{code}-{by}-{i}"));
                e.entry.clause = (by % 2 == 0).then(|| "1".to_string());
                e
            })
            .collect();
        entries.sort_by(|x, y| x.entry.code.cmp(&y.entry.code));
        let t = Timeline::new(&a);
        let (from, to) = (day(&at(d1)), day(&at(d2)));
        let english = |_: usize, e: &StoredEntry| (e.entry.description.clone(), crate::gloss::Source::Gloss);
        let whole = |d| t.rows(&t.select(&entries, d), d, english);
        let (b, a2) = (whole(from), whole(to));
        let expected: Vec<String> = compare_lists(&b, &a2).iter().map(|d| format!("{d:?}")).collect();
        let [db, da] = t.differing(&entries, [from, to], english);
        let got: Vec<String> = compare_lists(&db, &da).iter().map(|d| format!("{d:?}")).collect();
        prop_assert_eq!(got, expected);
    });
}
