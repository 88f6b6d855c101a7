use crate::model::{Announcement, ControlEntry, ItemType};
use crate::store::Store;

fn no_62(entries: &[(&str, &str)]) -> Announcement {
    Announcement {
        key: "MOFCOM-2025-62".into(),
        authorities: vec!["MOFCOM".into()],
        year: 2025,
        number: 62,
        title: "Announcement No. 62".into(),
        issued: None,
        effective: vec![],
        entries: entries
            .iter()
            .map(|(code, description)| ControlEntry {
                regime: "cn-dual-use".into(),
                code: code.to_string(),
                description: description.to_string(),
                item_type: ItemType::Technology,
                hs_codes: vec![],
                clause: None,
                removal: false,
            })
            .collect(),
        relations: vec![],
        doubts: vec![],
        text: String::new(),
    }
}

/// Versions 1..=n of page `u` (hashes `a`, `b`, …), for announcements to point at.
fn versions(tx: &crate::store::Tx<'_>, n: u8) {
    for i in 1..=n {
        tx.tx
            .execute(
                "INSERT INTO snapshot (id, url, sha256, final_url, status, headers, body, size,
                                       first_seen, last_seen)
                 VALUES (?1, 'u', ?2, 'u', 200, '[]', x'', 0, 't', 't')",
                crate::store::sql::params![i64::from(i), char::from(b'a' + i - 1).to_string()],
            )
            .unwrap();
    }
}

#[test]
fn an_amended_announcement_rewrites_only_the_entries_that_moved() {
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    versions(&tx, 2);
    let first = no_62(&[
        ("1E902.a", "mining"),
        ("1E902.b", "smelting"),
        ("1E902.c", "magnets"),
        ("1E902.a", "listed twice: the first stands"),
    ]);
    tx.put_announcement(&first, 1, "u", "t").unwrap();
    tx.tx
        .execute_batch(
            "CREATE TEMP TABLE written (op TEXT, code TEXT);
             CREATE TEMP TRIGGER i AFTER INSERT ON entry
                 BEGIN INSERT INTO written VALUES ('insert', new.code); END;
             CREATE TEMP TRIGGER u AFTER UPDATE ON entry
                 BEGIN INSERT INTO written VALUES ('update', new.code); END;
             CREATE TEMP TRIGGER d AFTER DELETE ON entry
                 BEGIN INSERT INTO written VALUES ('delete', old.code); END;",
        )
        .unwrap();
    // b amended, c dropped, d added; a as it was.
    let second = no_62(&[
        ("1E902.a", "mining"),
        ("1E902.b", "smelting and separation"),
        ("1E902.d", "recycling"),
    ]);
    tx.put_announcement(&second, 2, "u", "t").unwrap();
    let rows = |sql: &str| -> Vec<(String, String)> {
        let mut stmt = tx.tx.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        rows("SELECT op, code FROM written ORDER BY code"),
        [
            pair("update", "1E902.b"),
            pair("delete", "1E902.c"),
            pair("insert", "1E902.d")
        ]
    );
    assert_eq!(
        rows("SELECT code, position || ' ' || description FROM entry ORDER BY code"),
        [
            pair("1E902.a", "0 mining"),
            pair("1E902.b", "1 smelting and separation"),
            pair("1E902.d", "2 recycling")
        ]
    );
}

#[test]
fn what_was_read_ahead_as_absent_is_asked_again_once_written() {
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    versions(&tx, 1);
    tx.read_ahead_announcements(&["MOFCOM-2025-62", "MOFCOM-2025-61"])
        .unwrap();
    assert!(tx.announcement("MOFCOM-2025-62").unwrap().is_none());
    // The same announcement read at a second page in the same batch sees the first's rows.
    tx.put_announcement(&no_62(&[("1E902.a", "mining")]), 1, "u", "t")
        .unwrap();
    let stored = tx.announcement("MOFCOM-2025-62").unwrap().unwrap();
    assert_eq!(stored.entries.len(), 1);
    tx.put_announcement(&no_62(&[("1E902.b", "smelting")]), 1, "u", "t")
        .unwrap();
    let codes: Vec<String> = tx
        .announcement("MOFCOM-2025-62")
        .unwrap()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.code.clone())
        .collect();
    assert_eq!(
        codes,
        ["1E902.b"],
        "the first page's entry was not replaced"
    );
    // Text versions count on from the ones written.
    let page = crate::store::RecordedPage {
        snapshot: 1,
        new_version: true,
        sha256: "a".into(),
        dictionary: None,
    };
    assert_eq!(
        tx.add_text_version("MOFCOM-2025-62", &page, "v1", "t")
            .unwrap(),
        1
    );
    assert_eq!(
        tx.add_text_version("MOFCOM-2025-62", &page, "v2", "t")
            .unwrap(),
        2
    );
}

#[test]
fn what_was_read_ahead_of_a_stored_announcement_is_asked_again_once_written() {
    let mut store = Store::open_in_memory().unwrap();
    let page = |snapshot| crate::store::RecordedPage {
        snapshot,
        new_version: true,
        sha256: "a".into(),
        dictionary: None,
    };
    {
        let tx = store.transaction().unwrap();
        versions(&tx, 2);
        tx.put_announcement(&no_62(&[("1E902.a", "mining")]), 1, "u", "t")
            .unwrap();
        tx.add_text_version("MOFCOM-2025-62", &page(1), "v1", "t")
            .unwrap();
        tx.commit().unwrap();
    }
    let tx = store.transaction().unwrap();
    tx.read_ahead_announcements(&["MOFCOM-2025-62"]).unwrap();
    tx.read_ahead_prior(&["MOFCOM-2025-62"]).unwrap();
    tx.read_ahead_codes(&[("cn-dual-use", "1E902.a"), ("cn-dual-use", "1E902.b")])
        .unwrap();
    // As read ahead: the stored version, its text, its basis, its codes.
    let before = tx.announcement("MOFCOM-2025-62").unwrap().unwrap();
    assert_eq!(before.entries[0].code, "1E902.a");
    assert_eq!(tx.snapshot_url(1).unwrap().as_deref(), Some("u"));
    assert_eq!(
        tx.latest_text_version("MOFCOM-2025-62")
            .unwrap()
            .map(|v| (v.version, v.text)),
        Some((1, "v1".to_string()))
    );
    assert_eq!(tx.prior_codes("MOFCOM-2025-62").len(), 1);
    let elsewhere = |code: &str, except: &str| {
        tx.codes_listed_elsewhere("cn-dual-use", [code], except)
            .unwrap()
            .contains(code)
    };
    assert!(elsewhere("1E902.a", "MOFCOM-2025-61"));
    assert!(!elsewhere("1E902.a", "MOFCOM-2025-62"));

    // Amended in this transaction: every answer follows the write, none is the read-ahead's.
    tx.put_announcement(&no_62(&[("1E902.b", "smelting")]), 2, "u", "t")
        .unwrap();
    let after = tx.announcement("MOFCOM-2025-62").unwrap().unwrap();
    assert_eq!(
        after
            .entries
            .iter()
            .map(|e| &e.code[..])
            .collect::<Vec<_>>(),
        ["1E902.b"]
    );
    assert_eq!(after.snapshot, 2);
    assert!(
        !elsewhere("1E902.a", "MOFCOM-2025-61"),
        "the code's only listing was dropped"
    );
    assert!(elsewhere("1E902.b", "MOFCOM-2025-61"));
    assert_eq!(
        tx.add_text_version("MOFCOM-2025-62", &page(2), "v2", "t")
            .unwrap(),
        2
    );
    assert_eq!(
        tx.add_text_version("MOFCOM-2025-62", &page(2), "v3", "t")
            .unwrap(),
        3,
        "the version read ahead is not counted on twice"
    );
    assert_eq!(
        tx.latest_text_version("MOFCOM-2025-62")
            .unwrap()
            .map(|v| v.text),
        Some("v3".to_string())
    );
    tx.add_doubt("MOFCOM-2025-62", &crate::model::Doubt::new("k", "d"))
        .unwrap();
    assert_eq!(
        tx.announcement("MOFCOM-2025-62")
            .unwrap()
            .unwrap()
            .doubts
            .len(),
        1
    );
}

/// A batch's confirmations (304s) sight each confirmed version at its own time (a sighting
/// kept or a new one) and clear the errors of the pages that had one; other pages are left
/// alone.
#[test]
fn confirmations_sight_each_stored_version_at_its_time_and_clear_errors() {
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    versions(&tx, 2);
    tx.tx
        .execute_batch(
            "INSERT INTO page (url, source, role, snapshot, last_error)
             VALUES ('p1', 's', 'announcement', 1, 'timed out'),
                    ('p2', 's', 'announcement', 2, NULL),
                    ('p3', 's', 'announcement', NULL, 'gone');
             INSERT INTO sighting (snapshot, at) VALUES (1, 't0');",
        )
        .unwrap();
    let failing = ["p1".to_string(), "p3".to_string()];
    tx.confirm_pages(&[(1, "t1".into()), (2, "t2".into())], &failing)
        .unwrap();
    let rows = |sql: &str| -> Vec<(String, Option<String>)> {
        let mut stmt = tx.tx.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows("SELECT CAST(snapshot AS TEXT), at FROM sighting ORDER BY snapshot"),
        [
            ("1".to_string(), Some("t1".to_string())),
            ("2".to_string(), Some("t2".to_string()))
        ]
    );
    assert_eq!(
        rows("SELECT url, last_error FROM page ORDER BY url"),
        [
            ("p1".to_string(), None),
            ("p2".to_string(), None),
            ("p3".to_string(), Some("gone".to_string()))
        ]
    );
}

/// Once a status pass has run, an amended announcement marks for the next pass every code it
/// listed and every code it lists, and those of the announcements it acted or acts on: the
/// same codes whether what was stored of it was read ahead (rows held, no statement) or is
/// asked.
#[test]
fn an_amendment_marks_the_codes_it_listed_and_lists_read_ahead_or_not() {
    use crate::model::{Relation, RelationKind};
    let suspending = |mut a: Announcement| {
        a.relations.push(Relation {
            kind: RelationKind::Suspends,
            target: "MOFCOM-2025-61".into(),
            from: None,
            until: None,
            scope: None,
        });
        a
    };
    let dirty_after = |read_ahead: bool, acted: bool, acts: bool| -> Vec<String> {
        let mut store = Store::open_in_memory().unwrap();
        {
            let tx = store.transaction().unwrap();
            versions(&tx, 3);
            let mut other = no_62(&[("1E902.z", "z")]);
            other.key = "MOFCOM-2025-61".into();
            tx.put_announcement(&other, 3, "u", "t").unwrap();
            let mut stored = no_62(&[("1E902.a", "a"), ("1E902.b", "b")]);
            if acted {
                stored = suspending(stored);
            }
            tx.put_announcement(&stored, 1, "u", "t").unwrap();
            tx.set_meta(crate::store::STATUS_PASS, "{}").unwrap();
            tx.commit().unwrap();
        }
        let tx = store.transaction().unwrap();
        if read_ahead {
            tx.read_ahead_announcements(&["MOFCOM-2025-62"]).unwrap();
            tx.read_ahead_prior(&["MOFCOM-2025-62"]).unwrap();
        }
        let mut amended = no_62(&[("1E902.b", "b, amended"), ("1E902.c", "c")]);
        if acts {
            amended = suspending(amended);
        }
        tx.put_announcement(&amended, 2, "u", "t").unwrap();
        let mut stmt = tx
            .tx
            .prepare("SELECT code FROM status_dirty ORDER BY code")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    for (acted, acts) in [(false, false), (true, false), (false, true), (true, true)] {
        let asked = dirty_after(false, acted, acts);
        let mut expected = vec!["1E902.a", "1E902.b", "1E902.c"];
        if acted || acts {
            expected.push("1E902.z");
        }
        assert_eq!(asked, expected, "acted on: {acted}, acts on: {acts}");
        assert_eq!(
            dirty_after(true, acted, acts),
            asked,
            "acted on: {acted}, acts on: {acts}"
        );
    }
}
