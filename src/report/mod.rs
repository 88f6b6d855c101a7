//! report: renderers that return strings and never print. The command layer writes them.
//!
//! Changes are grouped by the announcement that caused them and ordered by when they were first
//! observed, then by announcement, kind and code: the same database renders the same bytes.

pub mod atom;
pub mod attribution;
pub mod csv;
pub mod doubts;
pub mod html;
pub mod json;
pub mod markdown;
pub mod summary;
pub mod text;
pub mod touch;

mod cite;
mod regimes;
mod sentence;
pub use cite::{short_citation, targets_phrase};
pub use regimes::{concerns, list_name, regime_wanted};
pub use sentence::sentence;

use std::collections::HashMap;

use serde_json::Value;

use crate::model::parse_key;
use crate::store::{ChangeRecord, KnownAnnouncement, StoredEntry};

/// The language of descriptions and titles in a report: English (an official translation or
/// regwatch's gloss), the Chinese original, or both — English first, the Chinese beneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
    #[default]
    Both,
}

/// What a report says under its descriptions when it shows English.
pub const PREVAILS: &str = "English marked (gloss) is regwatch's word-by-word gloss, not a translation; the Chinese text prevails.";

/// A description in `lang`: the line to show, and the Chinese original beneath it (for `both`,
/// when the English differs). A gloss says it is one.
pub fn describe(
    lang: Lang,
    zh: &str,
    en: &str,
    source: crate::gloss::Source,
) -> (String, Option<String>) {
    if lang == Lang::Zh || en.is_empty() || en == zh {
        return (zh.to_string(), None);
    }
    let en = match source {
        crate::gloss::Source::Gloss => format!("{en} (gloss)"),
        crate::gloss::Source::Official => en.to_string(),
    };
    match lang {
        Lang::Both => (en, Some(zh.to_string())),
        _ => (en, None),
    }
}

/// An entry's description in `lang`, English made on the spot (change records carry the
/// Chinese only).
pub fn describe_entry(
    lang: Lang,
    e: &crate::model::ControlEntry,
    a: Option<&KnownAnnouncement>,
) -> (String, Option<String>) {
    let (en, source) = english(e, a);
    describe(lang, &e.description, &en, source)
}

/// An entry's English: MOFCOM's own when its announcement (`a`) has an English version naming
/// the entry's code, else a party's English name or the gloss.
pub fn english(
    e: &crate::model::ControlEntry,
    a: Option<&KnownAnnouncement>,
) -> (String, crate::gloss::Source) {
    let official = a
        .and_then(|a| a.english.as_ref())
        .and_then(|t| t.entries.get(&e.code))
        .map(String::as_str);
    crate::gloss::entry(&e.description, e.item_type, official)
}

/// An announcement's English title: MOFCOM's own, else its citation and a gloss of its title.
pub fn title_en(a: &KnownAnnouncement) -> (String, crate::gloss::Source) {
    match &a.english {
        Some(t) if !t.title.is_empty() => (t.title.clone(), crate::gloss::Source::Official),
        // An English-language source's title is its own.
        _ if !a.title.is_empty() && !a.title.chars().any(crate::gloss::is_cjk) => {
            (a.title.clone(), crate::gloss::Source::Official)
        }
        _ => (
            crate::gloss::title(&a.title, &a.citation()),
            crate::gloss::Source::Gloss,
        ),
    }
}

/// Changes with the announcements they cite, ready to render.
pub struct ChangeReport<'a> {
    pub groups: Vec<Group<'a>>,
    /// The language descriptions and titles are shown in.
    pub lang: Lang,
    /// Every row, rather than rows with the same cause and kind grouped under it (`--full`).
    pub full: bool,
    /// The announcements known, by key (with their entries, when loaded).
    pub announcements: &'a HashMap<String, KnownAnnouncement>,
    /// The current review of each change, by change id (shown when `show_reviews`).
    pub reviews: HashMap<String, crate::store::review::Review>,
    pub show_reviews: bool,
    /// The products and watches each change touches, by change id.
    pub touches: HashMap<String, Vec<String>>,
    /// Every announcement known, to tell a relation's target never seen (a doubt).
    pub known: std::collections::HashSet<&'a str>,
}

/// The changes one announcement caused.
pub struct Group<'a> {
    pub announcement: Option<&'a KnownAnnouncement>,
    pub key: &'a str,
    /// For statuses that moved by date alone (a suspension ending, an entry taking effect):
    /// the day they moved. Such changes are reported under that day, apart from the changes the
    /// announcement's page brought, in time order.
    pub moved_on: Option<String>,
    pub changes: Vec<&'a ChangeRecord>,
    /// Every announcement known, for the announcement listing an entry (its English version).
    pub all: &'a HashMap<String, KnownAnnouncement>,
}

impl<'a> Group<'a> {
    /// The announcement that lists `e` (not always the group's: a status change is grouped
    /// under its cause).
    pub fn listing_of(&self, e: &StoredEntry) -> Option<&'a KnownAnnouncement> {
        self.all.get(&e.announcement)
    }
}

impl<'a> ChangeReport<'a> {
    pub fn new(
        changes: &'a [ChangeRecord],
        announcements: &'a HashMap<String, KnownAnnouncement>,
    ) -> ChangeReport<'a> {
        let mut groups: Vec<Group<'a>> = Vec::new();
        for c in changes {
            let moved_on = (c.kind == crate::check::transitions::STATUS_CHANGED)
                .then(|| status_transition(c).as_of)
                .filter(|d| !d.is_empty());
            match groups
                .iter_mut()
                .find(|g| g.key == c.announcement && g.moved_on == moved_on)
            {
                Some(g) => g.changes.push(c),
                None => groups.push(Group {
                    announcement: announcements.get(&c.announcement),
                    key: &c.announcement,
                    moved_on,
                    changes: vec![c],
                    all: announcements,
                }),
            }
        }
        for g in &mut groups {
            g.changes.sort_by(|a, b| {
                (kind_rank(&a.kind), &a.code, a.id).cmp(&(kind_rank(&b.kind), &b.code, b.id))
            });
        }
        let first_seen = |g: &Group<'_>| {
            g.changes
                .iter()
                .map(|c| c.observed_at.as_str())
                .min()
                .unwrap_or("")
                .to_string()
        };
        groups.sort_by_cached_key(|g| {
            let a = g.announcement;
            (
                first_seen(g),
                g.moved_on.clone(),
                a.and_then(|a| a.issued),
                a.map(|a| (a.year, a.number)),
                g.key.to_string(),
            )
        });
        ChangeReport {
            lang: Lang::default(),
            full: false,
            announcements,
            reviews: HashMap::new(),
            show_reviews: false,
            touches: HashMap::new(),
            groups,
            known: announcements.keys().map(String::as_str).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "published" => 0,
        "added" => 1,
        "modified" => 2,
        "removed" => 3,
        "suspended" => 4,
        "resumed" => 5,
        "repealed" => 6,
        "superseded" => 7,
        "amended" => 8,
        "status-changed" => 9,
        "text-edited" => 10,
        "copies-disagree" => 11,
        "baseline" => 0,
        "translated" => 11,
        "corrected" => 12,
        "source-failing" => 13,
        "source-recovered" => 14,
        _ => 15,
    }
}

impl Group<'_> {
    pub fn citation(&self) -> String {
        match self.announcement {
            Some(a) => a.citation(),
            None => self.key.to_string(),
        }
    }

    /// When the announcement was first observed: its own first sighting, never that of a later
    /// check that only moved a status. For statuses that moved by date, when that was recorded.
    pub fn first_observed(&self) -> String {
        let recorded = || {
            self.changes
                .iter()
                .map(|c| c.observed_at.as_str())
                .min()
                .unwrap_or("")
                .to_string()
        };
        match (self.announcement, &self.moved_on) {
            (Some(a), None) if !a.first_seen.is_empty() => a.first_seen.clone(),
            _ => recorded(),
        }
    }

    /// "issued 2025-10-09 · effective 2025-11-08", or for statuses that moved by date alone
    /// "statuses moved on 2026-11-11 (a date in it passed; no new page)".
    pub fn dates(&self) -> String {
        if let Some(day) = &self.moved_on {
            return format!(
                "statuses moved on {day} (no new page: a date it set passed, or a correction)"
            );
        }
        let Some(a) = self.announcement else {
            return String::new();
        };
        let mut parts = Vec::new();
        if let Some(d) = a.issued {
            parts.push(format!("issued {d}"));
        }
        let eff: Vec<String> = a
            .effective
            .iter()
            .map(|e| match &e.scope {
                Some(s) => format!("{} ({s})", e.date),
                None => e.date.to_string(),
            })
            .collect();
        if !eff.is_empty() {
            parts.push(format!("effective {}", eff.join(", ")));
        }
        parts.join(" · ")
    }
}

/// How current a report is, per configured source: when it last succeeded, and whether it is
/// failing now. Reports carry this so that stale data is never read as current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    pub source: String,
    pub last_success: Option<String>,
    /// Consecutive failures and the last error, when the last attempt failed.
    pub failing: Option<(i64, String)>,
    /// How long ago the last success was, when that is more than twice the schedule's period.
    pub stale: Option<chrono::TimeDelta>,
}

impl Currency {
    /// One line per source, in config order; statuses from the store. A source whose last
    /// success is older than twice its schedule's period at `now` is stale.
    pub fn of(
        sources: &[crate::config::SourceConfig],
        statuses: &[crate::store::SourceStatus],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<Currency> {
        sources
            .iter()
            .map(|source| {
                let id = &source.id.0;
                let st = statuses.iter().find(|s| &s.id == id);
                let last_success = st.and_then(|s| s.last_success.clone());
                let stale = last_success
                    .as_deref()
                    .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                    .and_then(|last| {
                        let next =
                            crate::schedule::next_after(&source.schedule, source.timezone, now)?;
                        let after =
                            crate::schedule::next_after(&source.schedule, source.timezone, next)?;
                        let period = after - next;
                        (now - last > period * 2).then_some(now - last)
                    });
                Currency {
                    source: id.clone(),
                    last_success,
                    failing: st.filter(|s| s.consecutive_failures > 0).map(|s| {
                        (
                            s.consecutive_failures,
                            s.last_error.clone().unwrap_or_default(),
                        )
                    }),
                    stale,
                }
            })
            .collect()
    }

    /// "mofcom-policy: last successful check 2025-11-07T02:00:00Z" or, when failing,
    /// "mofcom-xkzj: FAILING (3 consecutive failures: HTTP 503 …); last successful check …".
    pub fn line(&self) -> String {
        let last = match &self.last_success {
            Some(t) => format!("last successful check {t}"),
            None => "never checked successfully".to_string(),
        };
        let stale = match self.stale {
            Some(ago) if ago.num_days() >= 2 => {
                format!("STALE: last checked {} days ago; ", ago.num_days())
            }
            Some(ago) => format!("STALE: last checked {} hours ago; ", ago.num_hours()),
            None => String::new(),
        };
        match &self.failing {
            Some((n, error)) => format!(
                "{}: {stale}FAILING ({n} consecutive failure{}: {error}); {last}",
                self.source,
                if *n == 1 { "" } else { "s" }
            ),
            None => format!("{}: {stale}{last}", self.source),
        }
    }
}

/// The corrections in force among `keys` (the announcements a report shows), one line each:
/// "Corrected: MOFCOM No. 70 of 2025 — suspends MOFCOM-2025-55: until 2026-12-31 — corrected by
/// Jane Roe on 2026-11-30: why". Empty when none applies. Reports built on the list (list,
/// compare, upcoming) say which values are a person's, not the page's.
pub fn corrections_note(
    corrections: &[crate::correction::Correction],
    keys: &std::collections::HashSet<&str>,
) -> String {
    let mut out = String::new();
    for c in corrections
        .iter()
        .filter(|c| c.unnecessary_since.is_none() && keys.contains(c.announcement.as_str()))
    {
        out.push_str(&format!(
            "Corrected: {} — {} — corrected by {} on {}: {}\n",
            short_citation(&c.announcement),
            c.fix.describe(),
            c.by,
            c.at.get(..10).unwrap_or(&c.at),
            c.why
        ));
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// The entry a change is about, from its `after` (or, for removals, `before`) JSON.
pub fn change_entry(c: &ChangeRecord) -> Option<StoredEntry> {
    // A party's removal names it as its listing did (the removal may give fewer names).
    let v = match c.kind.as_str() {
        "removed" => c.before.as_ref().or(c.after.as_ref())?,
        _ => c.after.as_ref().or(c.before.as_ref())?,
    };
    serde_json::from_value(v.clone()).ok()
}

/// The announcements a relation change acts on, from its `after` JSON.
pub fn relation_targets(c: &ChangeRecord) -> Vec<String> {
    c.after
        .as_ref()
        .and_then(|v| v.get("targets"))
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default()
}

/// The versions a `text-edited` change goes between, and how many lines changed.
pub fn text_edit(c: &ChangeRecord) -> (i64, i64, u64) {
    let num = |v: Option<&Value>, name: &str| v.and_then(|v| v.get(name)).and_then(Value::as_i64);
    (
        num(c.before.as_ref(), "version").unwrap_or(0),
        num(c.after.as_ref(), "version").unwrap_or(0),
        c.after
            .as_ref()
            .and_then(|v| v.get("changed_lines"))
            .and_then(Value::as_u64)
            .unwrap_or(0),
    )
}

/// A status transition, read from a `status-changed` change.
pub struct Transition {
    pub from: String,
    pub to: String,
    pub until: Option<String>,
    pub as_of: String,
    /// The announcement that set the new status.
    pub by: String,
    /// The announcement that set the old one (the suspending one, for a suspension that ended).
    pub before_by: String,
    /// For a suspension that ended: whether the entry had been in force before it began (else
    /// it takes effect now, for the first time). True when not recorded.
    pub was_in_force: bool,
}

pub fn status_transition(c: &ChangeRecord) -> Transition {
    let field = |v: Option<&Value>, name: &str| {
        v.and_then(|v| str_field(v, name)).unwrap_or("").to_string()
    };
    let (b, a) = (c.before.as_ref(), c.after.as_ref());
    Transition {
        from: field(b, "status"),
        to: field(a, "status"),
        until: a.and_then(|v| str_field(v, "until")).map(str::to_string),
        as_of: field(a, "as_of"),
        by: field(a, "status_by"),
        before_by: field(b, "status_by"),
        was_in_force: a
            .and_then(|v| v.get("was_in_force"))
            .and_then(Value::as_bool)
            .unwrap_or(true),
    }
}

/// The believed copy's URL, the disagreeing copy's URL and the differences, from a
/// `copies-disagree` change.
pub fn disagreement(c: &ChangeRecord) -> (String, String, Vec<String>) {
    let url = |v: Option<&Value>| {
        v.and_then(|v| str_field(v, "url"))
            .unwrap_or("?")
            .to_string()
    };
    let differences = c
        .after
        .as_ref()
        .and_then(|v| v.get("differences"))
        .and_then(|d| serde_json::from_value(d.clone()).ok())
        .unwrap_or_default();
    (url(c.before.as_ref()), url(c.after.as_ref()), differences)
}

fn str_field<'v>(v: &'v Value, name: &str) -> Option<&'v str> {
    v.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_group_by_authority_and_year() {
        let t: Vec<String> = ["MOFCOM-2025-55", "MOFCOM-2025-56", "MOFCOM-2024-51"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            targets_phrase(&t),
            "MOFCOM Nos. 55, 56 of 2025; MOFCOM No. 51 of 2024"
        );
    }

    #[test]
    fn a_foreign_document_is_named_by_its_own_number() {
        let t: Vec<String> = ["FR-2025-05426", "MOFCOM-2025-55", "ECFR744-2025-325"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            targets_phrase(&t),
            "MOFCOM No. 55 of 2025; FR Doc. 2025-05426; Entity List of 2025-03-25"
        );
    }

    #[test]
    fn changes_go_with_their_lists_or_jurisdiction() {
        let known = |key: &str, authority: &str, regimes: &[&str]| KnownAnnouncement {
            key: key.into(),
            authorities: vec![authority.into()],
            year: 2025,
            number: 1,
            title: String::new(),
            issued: None,
            effective: Vec::new(),
            entries: regimes
                .iter()
                .map(|r| crate::model::ControlEntry {
                    regime: r.to_string(),
                    code: "X".into(),
                    description: String::new(),
                    item_type: crate::model::ItemType::Goods,
                    hs_codes: Vec::new(),
                    clause: None,
                    removal: false,
                })
                .collect(),
            relations: Vec::new(),
            urls: Vec::new(),
            first_seen: String::new(),
            snapshot: 0,
            doubts: Vec::new(),
            english: None,
        };
        let all: HashMap<String, KnownAnnouncement> = [
            known("MOFCOM-2025-62", "MOFCOM", &["cn-dual-use"]),
            known("FR-2025-05426", "BIS", &[]),
            known("EUANNEX-2024-1108", crate::model::SNAPSHOT_EU, &[]),
        ]
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
        let change = |announcement: &str, regime: Option<&str>| ChangeRecord {
            id: 1,
            uid: "c1".into(),
            kind: "published".into(),
            regime: regime.map(str::to_string),
            code: None,
            announcement: announcement.into(),
            before: None,
            after: None,
            url: None,
            sha256: None,
            observed_at: String::new(),
        };
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(concerns(&change("MOFCOM-2025-62", None), &all, &w(&["cn"])));
        assert!(!concerns(
            &change("MOFCOM-2025-62", None),
            &all,
            &w(&["us"])
        ));
        assert!(concerns(
            &change("FR-2025-05426", None),
            &all,
            &w(&["us-ccl"])
        ));
        assert!(!concerns(
            &change("FR-2025-05426", None),
            &all,
            &w(&["cn-dual-use"])
        ));
        assert!(concerns(
            &change("EUANNEX-2024-1108", None),
            &all,
            &w(&["eu"])
        ));
        assert!(concerns(
            &change("X", Some("us-entity-list")),
            &all,
            &w(&["us"])
        ));
        assert!(!concerns(
            &change("X", Some("us-entity-list")),
            &all,
            &w(&["us-ccl"])
        ));
        assert!(concerns(&change("X", Some("cn-watch-list")), &all, &[]));
    }
}
