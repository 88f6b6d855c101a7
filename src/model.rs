//! The domain: announcements, the control entries they list, and how they relate to each other.
//!
//! These types are what extractors produce and what the store, the diff and the reports consume.
//! They are plain owned data so that they can cross threads and be serialised as the JSON shapes
//! documented in DESIGN.md.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One announcement, identified by its issuing authority, year and number — never by URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// Lead authority + year + number, e.g. `MOFCOM-2025-62`.
    pub key: String,
    /// Issuing authorities in the order the document names them, e.g. `["MOFCOM", "GAC"]`.
    pub authorities: Vec<String>,
    pub year: i32,
    pub number: u32,
    pub title: String,
    pub issued: Option<NaiveDate>,
    pub effective: Vec<Effective>,
    pub entries: Vec<ControlEntry>,
    pub relations: Vec<Relation>,
    /// What the reader is unsure of, said rather than guessed silently: a relation without dates
    /// beside a dated one, a suspension with no end, an end computed from a duration…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub doubts: Vec<Doubt>,
    /// The announcement's plain text, one block element per line.
    #[serde(skip)]
    pub text: String,
}

/// A machine-checked reason to look again at what was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Doubt {
    /// A stable kind, e.g. `relation-without-dates`, `suspension-without-end`.
    pub kind: String,
    /// In words, citing what the text says.
    pub detail: String,
}

impl Doubt {
    pub fn new(kind: &str, detail: impl Into<String>) -> Doubt {
        Doubt {
            kind: kind.to_string(),
            detail: detail.into(),
        }
    }
}

impl Announcement {
    /// "MOFCOM/GAC Announcement No. 55 of 2025".
    pub fn citation(&self) -> String {
        cite(&self.key, &self.authorities, self.year, self.number)
    }

    /// Removes control characters from every string read off the page (see
    /// [`crate::safe_text`]): extraction is where hostile text is first stopped.
    pub fn scrub_controls(&mut self) {
        use crate::safe_text::scrub;
        self.authorities.iter_mut().for_each(scrub);
        scrub(&mut self.title);
        scrub(&mut self.text);
        for e in &mut self.effective {
            e.scope.iter_mut().for_each(scrub);
        }
        for e in &mut self.entries {
            scrub(&mut e.code);
            scrub(&mut e.description);
            e.hs_codes.iter_mut().for_each(scrub);
            e.clause.iter_mut().for_each(scrub);
        }
        for r in &mut self.relations {
            scrub(&mut r.target);
            r.scope.iter_mut().for_each(scrub);
        }
        for d in &mut self.doubts {
            scrub(&mut d.detail);
        }
    }

    /// The first date from which the announcement (or any clause of it) applies.
    pub fn first_effective(&self) -> Option<NaiveDate> {
        self.effective.iter().map(|e| e.date).min()
    }
}

/// "MOFCOM/GAC Announcement No. 55 of 2025" from its parts.
/// An announcement's citation from its key as well: the sources whose numbers are not "No. N of
/// YYYY" (a Federal Register document, a dated version of a list) are named from their key.
pub fn cite(key: &str, authorities: &[String], year: i32, number: u32) -> String {
    if let Some(doc) = key.strip_prefix("FR-") {
        return format!("BIS rule FR Doc. {doc}");
    }
    if let Some(doc) = key.strip_prefix("FRPI-") {
        return format!("BIS document on public inspection, FR Doc. {doc}");
    }
    let dated = || format!("{year}-{:02}-{:02}", number / 100, number % 100);
    match authorities.first().map(String::as_str) {
        Some(SNAPSHOT_CCL) => format!(
            "15 CFR part 774, Supp. No. 1 (Commerce Control List) as of {}",
            dated()
        ),
        Some(SNAPSHOT_ENTITY_LIST) => format!(
            "15 CFR part 744, Supp. No. 4 (Entity List) as of {}",
            dated()
        ),
        Some(SNAPSHOT_EU) => format!(
            "Regulation (EU) 2021/821, Annex I, consolidated version of {}",
            dated()
        ),
        _ => citation(authorities, year, number),
    }
}

/// The authorities of whole-list versions (a dated state of a list, not an act): each version
/// replaces the one before it, and a code missing from a later version has left the list.
pub const SNAPSHOT_CCL: &str = "ECFR774";
pub const SNAPSHOT_ENTITY_LIST: &str = "ECFR744";
pub const SNAPSHOT_EU: &str = "EUANNEX";

/// Whether announcements of this authority are whole-list versions.
pub fn is_snapshot(authority: &str) -> bool {
    matches!(authority, SNAPSHOT_CCL | SNAPSHOT_ENTITY_LIST | SNAPSHOT_EU)
}

pub fn citation(authorities: &[String], year: i32, number: u32) -> String {
    let who = if authorities.is_empty() {
        "Unknown authority".to_string()
    } else if authorities == ["UEL"] {
        // 不可靠实体清单工作机制: its own number series.
        "Unreliable Entity List Working Mechanism".to_string()
    } else {
        authorities.join("/")
    };
    if authorities == ["QA"] {
        // A spokesperson's Q&A, keyed by its date (`QA-2031-514`: 14 May 2031).
        return format!(
            "MOFCOM spokesperson's Q&A of {year}-{:02}-{:02}",
            number / 100,
            number % 100
        );
    }
    if year == 0 && number == 0 {
        // A watched page (`profile = "page"`) has no number: it is named by its source.
        return format!("Watched page {who}");
    }
    format!("{who} Announcement No. {number} of {year}")
}

/// A date from which an announcement, or a scoped part of it, takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    pub date: NaiveDate,
    /// `None` when the date applies to the whole announcement; otherwise the clause it applies to,
    /// in the document's words.
    pub scope: Option<String>,
    /// False when the text states no date of effect and the issue date is taken (a doubt says
    /// so too). Shown in JSON only then.
    #[serde(default = "stated_default", skip_serializing_if = "is_stated")]
    pub stated: bool,
}

impl Effective {
    /// A date the text states.
    pub fn stated(date: NaiveDate, scope: Option<String>) -> Effective {
        Effective {
            date,
            scope,
            stated: true,
        }
    }
}

fn stated_default() -> bool {
    true
}

fn is_stated(b: &bool) -> bool {
    *b
}

/// One line of a control list: a control code and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlEntry {
    /// The control list this code belongs to, e.g. `cn-dual-use`.
    pub regime: String,
    /// Normalised control code (`1E902.a`); for announcements that predate control codes, the
    /// announcement key and the item's position (`MOFCOM-2023-23#1.1.2`).
    pub code: String,
    pub description: String,
    pub item_type: ItemType,
    /// Customs commodity codes (8 or 10 digits) as given, in document order, without duplicates.
    pub hs_codes: Vec<String>,
    /// The numbered clause of the announcement the entry stands in: `1` for `一、`, `1.2` for
    /// `（二）` under it. A relation or effective date scoped to a clause (`第一条第（二）项`) applies
    /// to the entries of that clause. `None` for entries from annexes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// True when the announcement takes the party off its list (`移出`) rather than putting it
    /// on: from its effective date the party's status is `removed`. Shown in JSON only then.
    #[serde(default, skip_serializing_if = "is_false")]
    pub removal: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemType {
    Goods,
    Equipment,
    Material,
    Software,
    Technology,
    Service,
    /// Not an item but a control measure stated in the announcement's text: catch-all licensing,
    /// a value threshold (de minimis), an end-user or destination rule. Its code is the
    /// announcement key and the clause (`MOFCOM-2025-61#m1.1`), its description the clause text.
    Measure,
    /// A party on a list of parties (a company, an institute): its code is a stable id from its
    /// normalised name, its description the names in Chinese and English.
    Entity,
    /// A defined term of a list (the EU Annex I's Part I: `def:superalloys`): a changed
    /// definition changes what the entries using it control.
    Definition,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Goods => "goods",
            ItemType::Equipment => "equipment",
            ItemType::Material => "material",
            ItemType::Software => "software",
            ItemType::Technology => "technology",
            ItemType::Service => "service",
            ItemType::Measure => "measure",
            ItemType::Entity => "entity",
            ItemType::Definition => "definition",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        Some(match s {
            "goods" => ItemType::Goods,
            "equipment" => ItemType::Equipment,
            "material" => ItemType::Material,
            "software" => ItemType::Software,
            "technology" => ItemType::Technology,
            "service" => ItemType::Service,
            "measure" => ItemType::Measure,
            "entity" => ItemType::Entity,
            "definition" => ItemType::Definition,
            _ => return None,
        })
    }
}

/// How one announcement acts on another (or on a clause of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    /// The announcement acted upon, by key (`MOFCOM-2025-55`).
    pub target: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// The clause acted upon when not the whole announcement (`第二款`), in the document's words.
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    Suspends,
    Resumes,
    Amends,
    Repeals,
    Supersedes,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Suspends => "suspends",
            RelationKind::Resumes => "resumes",
            RelationKind::Amends => "amends",
            RelationKind::Repeals => "repeals",
            RelationKind::Supersedes => "supersedes",
        }
    }

    pub fn parse(s: &str) -> Option<RelationKind> {
        Some(match s {
            "suspends" => RelationKind::Suspends,
            "resumes" => RelationKind::Resumes,
            "amends" => RelationKind::Amends,
            "repeals" => RelationKind::Repeals,
            "supersedes" => RelationKind::Supersedes,
            _ => return None,
        })
    }
}

/// A name as compared: full-width folded, lower case, without zero-width characters, punctuation
/// or legal-form suffixes (`Inc.`, `LLC`, `Co., Ltd.`, `GmbH`, `有限公司`), words single-spaced.
/// `Example Aero Technologies, Inc.` and `EXAMPLE AERO TECHNOLOGIES INC` are the same name.
pub fn normal_name(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "incorporated",
        "inc",
        "llc",
        "l l c",
        "ltd",
        "limited",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "ag",
        "sa",
        "s a",
        "plc",
        "kk",
        "k k",
        "bv",
        "nv",
        "pte",
        "pty",
        "lp",
        "llp",
        "srl",
        "spa",
        "oy",
        "ab",
        "as",
    ];
    const ZH_SUFFIXES: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "公司"];
    let folded = crate::extract::text::normalise(name).to_lowercase();
    let mut words = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            // Chinese characters stand alone; Latin letters and digits make words.
            if !c.is_ascii() && !words.ends_with(' ') && !words.is_empty() {
                words.push(' ');
            }
            words.push(c);
            if !c.is_ascii() {
                words.push(' ');
            }
        } else if !words.ends_with(' ') && !words.is_empty() {
            words.push(' ');
        }
    }
    let mut w: Vec<&str> = words.split_whitespace().collect();
    // Legal forms at the end, however many (`Co., Ltd.`).
    loop {
        let joined = w.join(" ");
        let cut = SUFFIXES
            .iter()
            .find(|s| joined.ends_with(&format!(" {s}")) && w.len() > s.split(' ').count());
        match cut {
            Some(s) => w.truncate(w.len() - s.split(' ').count()),
            None => break,
        }
    }
    let mut out = w.join(" ");
    // Chinese legal forms, characters spaced one by one.
    for zh in ZH_SUFFIXES {
        let spaced: String = zh.chars().map(|c| format!(" {c}")).collect();
        if out.ends_with(&spaced) && out.len() > spaced.len() {
            out.truncate(out.len() - spaced.len());
            break;
        }
    }
    // Chinese characters back together; Latin words keep their spaces.
    let mut joined = String::new();
    let mut prev_cjk = false;
    for word in out.split(' ') {
        let cjk = word.chars().all(|c| !c.is_ascii());
        if !(joined.is_empty() || cjk && prev_cjk) {
            joined.push(' ');
        }
        joined.push_str(word);
        prev_cjk = cjk;
    }
    joined
}

/// The time zone a regime's dates are written in: `2026年11月10日` in a MOFCOM announcement is a
/// day in Beijing, so "today" for the Chinese list turns at midnight Beijing time.
pub fn regime_timezone(regime: &str) -> chrono_tz::Tz {
    match regime {
        "cn-dual-use" | "cn-control-list" | "cn-watch-list" | "cn-unreliable-entity" => {
            chrono_tz::Asia::Shanghai
        }
        _ => chrono_tz::UTC,
    }
}

/// The date it is in a regime's time zone at `now`.
pub fn legal_date(now: chrono::DateTime<chrono::Utc>, regime: &str) -> NaiveDate {
    now.with_timezone(&regime_timezone(regime)).date_naive()
}

/// Splits `MOFCOM-2025-62` into its parts.
pub fn parse_key(key: &str) -> Option<(&str, i32, u32)> {
    let mut parts = key.rsplitn(3, '-');
    let number = parts.next()?.parse().ok()?;
    let year = parts.next()?.parse().ok()?;
    let authority = parts.next()?;
    Some((authority, year, number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citation_names_every_authority() {
        let who = vec!["MOFCOM".to_string(), "GAC".to_string()];
        assert_eq!(
            citation(&who, 2025, 55),
            "MOFCOM/GAC Announcement No. 55 of 2025"
        );
    }

    #[test]
    fn a_watched_page_is_named_by_its_source() {
        assert_eq!(
            citation(&["guidance".to_string()], 0, 0),
            "Watched page guidance"
        );
    }

    #[test]
    fn names_compare_without_case_punctuation_or_legal_forms() {
        let a = normal_name("Example Aero Technologies, Inc.");
        assert_eq!(a, "example aero technologies");
        assert_eq!(normal_name("EXAMPLE AERO TECHNOLOGIES INC"), a);
        assert_eq!(
            normal_name("Ｅｘａｍｐｌｅ Aero\u{200b} Technologies Co., Ltd."),
            a
        );
        assert_eq!(normal_name("示例航空技术有限公司"), "示例航空技术");
        assert_eq!(normal_name("示例航空技术公司"), "示例航空技术");
        assert_eq!(normal_name("Example Analytics公司"), "example analytics");
        assert_eq!(normal_name("Inc"), "inc");
    }

    #[test]
    fn keys_split_into_parts() {
        assert_eq!(parse_key("MOFCOM-2025-62"), Some(("MOFCOM", 2025, 62)));
        assert_eq!(parse_key("nonsense"), None);
    }
}
