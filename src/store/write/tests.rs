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

#[test]
fn an_amended_announcement_rewrites_only_the_entries_that_moved() {
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    tx.tx
        .execute_batch(
            "INSERT INTO snapshot (id, url, sha256, final_url, status, headers, body, size,
                                   first_seen, last_seen)
             VALUES (1, 'u', 'a', 'u', 200, '[]', x'', 0, 't', 't'),
                    (2, 'u', 'b', 'u', 200, '[]', x'', 0, 't', 't');",
        )
        .unwrap();
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
    tx.tx
        .execute_batch(
            "INSERT INTO snapshot (id, url, sha256, final_url, status, headers, body, size,
                                   first_seen, last_seen)
             VALUES (1, 'u', 'a', 'u', 200, '[]', x'', 0, 't', 't');",
        )
        .unwrap();
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
