use super::*;
use crate::store::Store;

const ARTICLE: &[u8] = include_bytes!(
    "../../snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html"
);

/// A first sighting of Announcement No. 62, read on the fetching side or not.
fn observation(url: &Url, read_here: bool) -> Observation {
    observation_of(url, ARTICLE, read_here)
}

fn observation_of(url: &Url, body: &[u8], read_here: bool) -> Observation {
    let resp = Response {
        final_url: url.clone(),
        status: 200,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body: body.to_vec(),
    };
    let read = read_here.then(|| {
        let page = Page {
            url,
            body: &resp.body,
            content_type: resp.header("content-type"),
        };
        extract::announcement_with_annexes(&Reader::Mofcom, &page, &[])
    });
    Observation {
        url: url.clone(),
        packed: Some(pack(&resp.body, None).unwrap()),
        fetched: Ok(Fetched::Page(resp)),
        annexes: Vec::new(),
        read,
        now: "2025-10-09T08:00:00Z".into(),
        conditional: false,
        held: None,
        room: None,
    }
}

// New pages are read where there is time (see `READ_HERE_QUEUE`): on the fetching side when
// the database thread has a queue, on the database thread otherwise. The log must not tell.
#[test]
fn a_new_page_records_the_same_changes_wherever_it_was_read() {
    let url = Url::parse(
        "https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html",
    )
    .unwrap();
    let changes = |read_here| {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        let result = observe_in(
            &tx,
            "mofcom",
            &Reader::Mofcom,
            observation(&url, read_here),
            false,
        );
        assert!(matches!(result, Ok(PageResult::NewVersion { .. })));
        tx.commit().unwrap();
        store.changes(None, None).unwrap()
    };
    let read_here = changes(true);
    assert!(
        read_here
            .iter()
            .any(|c| c.code.as_deref() == Some("1E902.a")),
        "{read_here:#?}"
    );
    assert_eq!(read_here, changes(false));
}

// A 304 confirms the current version (its sighting alone moves) and clears the error the
// page's last check left.
#[test]
fn a_304_after_a_failure_confirms_the_version_and_clears_the_error() {
    let url = Url::parse("https://www.mofcom.gov.cn/art/62.html").unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let tx = store.transaction().unwrap();
    observe_in(
        &tx,
        "mofcom",
        &Reader::Mofcom,
        observation(&url, true),
        false,
    )
    .unwrap();
    let failed_at = "2025-10-10T08:00:00Z";
    tx.record_problem(
        "mofcom",
        Some(url.as_str()),
        "fetch",
        "timed out",
        failed_at,
    )
    .unwrap();
    let again = Observation {
        url: url.clone(),
        fetched: Ok(Fetched::NotModified),
        packed: None,
        annexes: Vec::new(),
        read: None,
        now: "2025-10-11T08:00:00Z".into(),
        conditional: true,
        held: None,
        room: None,
    };
    let result = observe_in(&tx, "mofcom", &Reader::Mofcom, again, false);
    assert!(matches!(
        result,
        Ok(PageResult::Unchanged { fetched: false })
    ));
    tx.commit().unwrap();
    let (error, snapshot): (Option<String>, i64) = store
        .conn()
        .query_row("SELECT last_error, snapshot FROM page", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(error, None);
    let seen = store.snapshot_seen(snapshot).unwrap().unwrap();
    assert_eq!(seen.0, "2025-10-09T08:00:00Z");
    assert_eq!(seen.1, "2025-10-11T08:00:00Z");
}

/// The demo's articles (every announcement it replays), as (URL, bytes), in date order.
fn demo_articles() -> Vec<(Url, Vec<u8>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.to_string_lossy().contains("/art/") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/mofcom");
    let mut paths = Vec::new();
    walk(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            // snapshots/mofcom/<date>/<host>/<path>
            let rel = p.strip_prefix(&root).unwrap();
            let site: std::path::PathBuf = rel.components().skip(1).collect();
            let url = Url::parse(&format!("https://{}", site.display())).unwrap();
            (url, std::fs::read(&p).unwrap())
        })
        .collect()
}

// A full status pass rebuilds the list a slice of codes at a time; the slicing must not show
// in the statuses it records, the codes it forgets, or the transitions it reports.
#[test]
fn a_full_status_pass_records_the_same_whatever_the_slice() {
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let run = |slice: usize| {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.transaction().unwrap();
        for (url, body) in demo_articles() {
            let o = observation_of(&url, &body, true);
            observe_in(&tx, "mofcom", &Reader::Mofcom, o, false).unwrap();
        }
        // Codes recorded once and listed no more: one among the listed codes, one after all.
        for (regime, code) in [("cn-dual-use", "1E902.zz"), ("zz-gone", "9Z999")] {
            let status = Some(("in-force", "MOFCOM-2025-1", None));
            tx.put_entry_status(regime, code, status).unwrap();
        }
        // Suspended by No. 70, then in force again after 2026-11-10: two full passes (the
        // day moved), the second reporting transitions.
        transitions::record_in_slices(&tx, at("2025-11-20T04:00:00Z"), slice).unwrap();
        let moved = transitions::record_in_slices(&tx, at("2026-11-12T04:00:00Z"), slice);
        tx.commit().unwrap();
        let statuses: Vec<(String, String, String, String)> = store
            .conn()
            .prepare("SELECT regime, code, status, status_by FROM entry_status ORDER BY 1, 2")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let changes: Vec<_> = store
            .changes(None, None)
            .unwrap()
            .into_iter()
            .map(|c| (c.uid, c.kind, c.code, c.after))
            .collect();
        (moved.unwrap(), statuses, changes)
    };
    let whole = run(usize::MAX);
    let (moved, statuses, _) = &whole;
    assert!(*moved > 0, "no transition between the two passes");
    assert!(statuses.len() > SLICES_AT_LEAST, "{statuses:?}");
    assert!(statuses.iter().all(|s| s.1 != "1E902.zz" && s.1 != "9Z999"));
    for slice in [1, 2, 3, 7] {
        assert_eq!(run(slice), whole, "{slice} codes a slice");
    }
}

/// Enough codes that the small slices above cut the list many times.
const SLICES_AT_LEAST: usize = 10;
