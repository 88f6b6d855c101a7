//! The list engine at the scale of a real consolidated list: 10,000 entries.
//!
//! `cargo bench --bench list` prints, per operation, the fastest / slowest / median / mean time
//! over many samples. Targets (issue 4): diffing two 10,000-entry lists and rebuilding a
//! 10,000-entry list at a date each under 50 ms on a 2-core machine.

use std::collections::HashMap;

use chrono::NaiveDate;
use regwatch::diff::list::{Timeline, compare_lists};
use regwatch::model::{ControlEntry, Effective, ItemType, Relation, RelationKind};
use regwatch::store::{KnownAnnouncement, StoredEntry};

fn main() {
    divan::main();
}

const ENTRIES: usize = 10_000;
const ANNOUNCEMENTS: usize = 400;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// 400 announcements over four years, 25 entries each; every tenth suspends the one before it
/// for a year, every twentieth dates a clause separately, every fiftieth repeals an older one.
fn corpus() -> (HashMap<String, KnownAnnouncement>, Vec<StoredEntry>) {
    let mut announcements = HashMap::new();
    let mut entries = Vec::with_capacity(ENTRIES);
    for n in 0..ANNOUNCEMENTS {
        let year = 2022 + (n / 100) as i32;
        let number = (n % 100) as u32 + 1;
        let key = format!("MOFCOM-{year}-{number}");
        let issued = day(year, 1 + (number % 12), 1 + (number % 28));
        let mut effective = vec![Effective::stated(issued + chrono::Days::new(30), None)];
        if n % 20 == 0 {
            effective.push(Effective::stated(
                issued + chrono::Days::new(60),
                Some("本公告第一条第（一）项".into()),
            ));
        }
        let mut relations = Vec::new();
        if n % 10 == 9 {
            let prev = n - 1;
            relations.push(Relation {
                kind: RelationKind::Suspends,
                target: format!("MOFCOM-{}-{}", 2022 + (prev / 100) as i32, prev % 100 + 1),
                from: Some(issued),
                until: Some(issued + chrono::Days::new(365)),
                scope: None,
            });
        }
        if n % 50 == 49 {
            let old = n - 40;
            relations.push(Relation {
                kind: RelationKind::Repeals,
                target: format!("MOFCOM-{}-{}", 2022 + (old / 100) as i32, old % 100 + 1),
                from: Some(issued),
                until: None,
                scope: None,
            });
        }
        for i in 0..ENTRIES / ANNOUNCEMENTS {
            // Every announcement but the first restates one code of the one before it.
            let id = if i == 0 && n > 0 {
                (n - 1) * 25 + 1
            } else {
                n * 25 + i
            };
            let code = format!("{}C{:04}.a", 1 + id % 9, id);
            entries.push(StoredEntry {
                entry: ControlEntry {
                    regime: "cn-dual-use".into(),
                    code,
                    description: format!("物项{n}-{i}，技术指标大于等于{}", n + i),
                    item_type: ItemType::Material,
                    hs_codes: vec![format!("{:08}", 28_000_000 + n * 31 + i)],
                    clause: None,
                    removal: false,
                },
                announcement: key.clone(),
            });
        }
        announcements.insert(
            key.clone(),
            KnownAnnouncement {
                key,
                authorities: vec!["MOFCOM".into()],
                year,
                number,
                title: String::new(),
                issued: Some(issued),
                effective,
                entries: Vec::new(),
                relations,
                urls: vec![format!("https://www.mofcom.gov.cn/art/{n}.html")],
                first_seen: String::new(),
                snapshot: 0,
                doubts: Vec::new(),
                english: None,
            },
        );
    }
    (announcements, entries)
}

#[divan::bench]
fn rebuild_list_at_a_date(bencher: divan::Bencher) {
    let (announcements, entries) = corpus();
    eprintln!(
        "rebuild_list_at_a_date: {} stored entries, {} announcements",
        entries.len(),
        announcements.len()
    );
    bencher.bench(|| {
        let timeline = Timeline::new(divan::black_box(&announcements));
        timeline.list(divan::black_box(&entries), day(2025, 6, 1))
    });
}

#[divan::bench]
fn diff_two_lists(bencher: divan::Bencher) {
    let (announcements, entries) = corpus();
    let timeline = Timeline::new(&announcements);
    let before = timeline.list(&entries, day(2026, 6, 1));
    // The same list a year on: 5 % reworded, 1 % gone, 1 % new, statuses moved by the dates.
    let mut after = timeline.list(&entries, day(2027, 6, 1));
    for (i, e) in after.iter_mut().enumerate() {
        if i % 20 == 0 {
            e.description.push_str("（修订）");
        }
    }
    let mut k = 0;
    after.retain(|_| {
        k += 1;
        k % 100 != 7
    });
    let mut extra: Vec<_> = after.iter().step_by(100).cloned().collect();
    for e in &mut extra {
        e.code.push_str(".9");
    }
    after.extend(extra);
    after.sort_by(|a, b| (&a.regime, &a.code).cmp(&(&b.regime, &b.code)));
    let changed = compare_lists(&before, &after).len();
    eprintln!(
        "diff_two_lists: {} and {} listed codes, {changed} differences",
        before.len(),
        after.len()
    );
    bencher.bench(|| compare_lists(divan::black_box(&before), divan::black_box(&after)));
}
