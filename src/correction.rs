//! Corrections: a person's fix to what was extracted, kept apart from extraction (who, when,
//! why) and applied on top of every reading of the page, so that reading it again does not undo
//! it. A correction that a later reading makes unnecessary (the extraction now agrees) is said
//! to be so.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{Announcement, Effective, ItemType, Relation, RelationKind};

/// The change kind a correction is recorded as.
pub const CORRECTED: &str = "corrected";

/// What a correction changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Fix {
    /// Set a relation's dates (or scope); adds the relation when the reading missed it.
    Relation {
        kind: RelationKind,
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<NaiveDate>,
    },
    /// A relation read where there is none.
    RemoveRelation { kind: RelationKind, target: String },
    /// The date from which the announcement (or a clause: `scope`) applies.
    Effective {
        date: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
    /// An entry's description, customs codes or item type.
    Entry {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hs_codes: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item_type: Option<ItemType>,
    },
    /// An entry read where there is none.
    RemoveEntry { code: String },
}

/// A correction as kept: the fix, and who made it, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub id: i64,
    pub announcement: String,
    pub fix: Fix,
    pub by: String,
    pub why: String,
    pub at: String,
    /// Set when a reading of the page already said what the correction says.
    pub unnecessary_since: Option<String>,
}

impl Fix {
    /// Whether `a`, as read, already says what this fix would make it say.
    pub fn agrees(&self, a: &Announcement) -> bool {
        match self {
            Fix::Relation {
                kind,
                target,
                scope,
                from,
                until,
            } => a.relations.iter().any(|r| {
                r.kind == *kind
                    && &r.target == target
                    && (scope.is_none() || &r.scope == scope)
                    && (from.is_none() || &r.from == from)
                    && (until.is_none() || &r.until == until)
            }),
            Fix::RemoveRelation { kind, target } => !a
                .relations
                .iter()
                .any(|r| r.kind == *kind && &r.target == target),
            Fix::Effective { date, scope } => a
                .effective
                .iter()
                .any(|e| e.date == *date && &e.scope == scope),
            Fix::Entry {
                code,
                description,
                hs_codes,
                item_type,
            } => a.entries.iter().any(|e| {
                &e.code == code
                    && description.as_ref().is_none_or(|d| &e.description == d)
                    && hs_codes.as_ref().is_none_or(|h| &e.hs_codes == h)
                    && item_type.is_none_or(|t| e.item_type == t)
            }),
            Fix::RemoveEntry { code } => !a.entries.iter().any(|e| &e.code == code),
        }
    }

    /// Applies the fix to `a`. Errors say why it cannot apply (an entry the announcement does
    /// not list).
    pub fn apply(&self, a: &mut Announcement) -> Result<(), String> {
        match self {
            Fix::Relation {
                kind,
                target,
                scope,
                from,
                until,
            } => {
                let found = a
                    .relations
                    .iter_mut()
                    .filter(|r| r.kind == *kind && &r.target == target)
                    .filter(|r| scope.is_none() || &r.scope == scope);
                let mut any = false;
                for r in found {
                    any = true;
                    if from.is_some() {
                        r.from = *from;
                    }
                    if until.is_some() {
                        r.until = *until;
                    }
                }
                if !any {
                    a.relations.push(Relation {
                        kind: *kind,
                        target: target.clone(),
                        from: *from,
                        until: *until,
                        scope: scope.clone(),
                    });
                }
                // A corrected relation's doubts about dates are answered.
                a.doubts.retain(|d| !d.detail.contains(target.as_str()));
            }
            Fix::RemoveRelation { kind, target } => {
                a.relations
                    .retain(|r| !(r.kind == *kind && &r.target == target));
                a.doubts.retain(|d| !d.detail.contains(target.as_str()));
            }
            Fix::Effective { date, scope } => {
                a.effective.retain(|e| &e.scope != scope);
                a.effective.push(Effective::stated(*date, scope.clone()));
                a.effective
                    .sort_by(|x, y| x.date.cmp(&y.date).then(x.scope.cmp(&y.scope)));
                a.doubts.retain(|d| d.kind != "effective-not-stated");
            }
            Fix::Entry {
                code,
                description,
                hs_codes,
                item_type,
            } => {
                let e = a
                    .entries
                    .iter_mut()
                    .find(|e| &e.code == code)
                    .ok_or_else(|| format!("{} lists no entry {code}", a.key))?;
                if let Some(d) = description {
                    e.description = d.clone();
                }
                if let Some(h) = hs_codes {
                    e.hs_codes = h.clone();
                }
                if let Some(t) = item_type {
                    e.item_type = *t;
                }
            }
            Fix::RemoveEntry { code } => {
                if !a.entries.iter().any(|e| &e.code == code) {
                    return Err(format!("{} lists no entry {code}", a.key));
                }
                a.entries.retain(|e| &e.code != code);
            }
        }
        Ok(())
    }

    /// In words, for reports: "suspends MOFCOM-2025-55: until 2026-11-10".
    pub fn describe(&self) -> String {
        match self {
            Fix::Relation {
                kind,
                target,
                scope,
                from,
                until,
            } => {
                let mut parts = Vec::new();
                if let Some(s) = scope {
                    parts.push(format!("scope {s}"));
                }
                if let Some(f) = from {
                    parts.push(format!("from {f}"));
                }
                if let Some(u) = until {
                    parts.push(format!("until {u}"));
                }
                format!("{} {target}: {}", kind.as_str(), parts.join(", "))
            }
            Fix::RemoveRelation { kind, target } => {
                format!("no relation {} {target}", kind.as_str())
            }
            Fix::Effective { date, scope } => match scope {
                Some(s) => format!("effective {date} ({s})"),
                None => format!("effective {date}"),
            },
            Fix::Entry {
                code,
                description,
                hs_codes,
                item_type,
            } => {
                let mut parts = Vec::new();
                if let Some(d) = description {
                    parts.push(format!("description {d}"));
                }
                if let Some(h) = hs_codes {
                    parts.push(format!("customs codes {}", h.join(" ")));
                }
                if let Some(t) = item_type {
                    parts.push(format!("item type {}", t.as_str()));
                }
                format!("{code}: {}", parts.join(", "))
            }
            Fix::RemoveEntry { code } => format!("no entry {code}"),
        }
    }
}

/// Applies every correction of an announcement to a fresh reading of it, oldest first. Returns
/// the ids of corrections the reading already agreed with (now unnecessary) and of those that
/// could not apply, with why.
pub fn apply_all(
    a: &mut Announcement,
    corrections: &[Correction],
) -> (Vec<i64>, Vec<(i64, String)>) {
    let mut agreed = Vec::new();
    let mut failed = Vec::new();
    for c in corrections {
        if c.fix.agrees(a) {
            agreed.push(c.id);
            continue;
        }
        if let Err(why) = c.fix.apply(a) {
            failed.push((c.id, why));
        }
    }
    (agreed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_70() -> Announcement {
        Announcement {
            key: "MOFCOM-2025-70".into(),
            authorities: vec!["MOFCOM".into()],
            year: 2025,
            number: 70,
            title: String::new(),
            issued: NaiveDate::from_ymd_opt(2025, 11, 7),
            effective: vec![],
            entries: vec![],
            relations: vec![Relation {
                kind: RelationKind::Suspends,
                target: "MOFCOM-2025-55".into(),
                from: NaiveDate::from_ymd_opt(2025, 11, 7),
                until: None,
                scope: None,
            }],
            doubts: vec![crate::model::Doubt::new(
                "suspension-without-end",
                "the suspension of MOFCOM-2025-55 states no end date or period",
            )],
            text: String::new(),
        }
    }

    fn correction(id: i64, fix: Fix) -> Correction {
        Correction {
            id,
            announcement: "MOFCOM-2025-70".into(),
            fix,
            by: "jane".into(),
            why: "the text says 至2026年11月10日".into(),
            at: "2026-11-30T10:00:00Z".into(),
            unnecessary_since: None,
        }
    }

    #[test]
    fn a_correction_applies_on_top_of_a_reading_and_answers_its_doubt() {
        let mut a = no_70();
        let until = Fix::Relation {
            kind: RelationKind::Suspends,
            target: "MOFCOM-2025-55".into(),
            scope: None,
            from: None,
            until: NaiveDate::from_ymd_opt(2026, 11, 10),
        };
        let (agreed, failed) = apply_all(&mut a, &[correction(1, until.clone())]);
        assert!(agreed.is_empty() && failed.is_empty());
        assert_eq!(a.relations[0].until, NaiveDate::from_ymd_opt(2026, 11, 10));
        assert_eq!(a.relations[0].from, NaiveDate::from_ymd_opt(2025, 11, 7));
        assert!(a.doubts.is_empty());
        // A later reading that says the same makes it unnecessary.
        let mut again = a.clone();
        let (agreed, _) = apply_all(&mut again, &[correction(1, until)]);
        assert_eq!(agreed, [1]);
    }

    #[test]
    fn removing_and_failing() {
        let mut a = no_70();
        let remove = Fix::RemoveRelation {
            kind: RelationKind::Suspends,
            target: "MOFCOM-2025-55".into(),
        };
        let entry = Fix::Entry {
            code: "1E902.a".into(),
            description: Some("x".into()),
            hs_codes: None,
            item_type: None,
        };
        let (_, failed) = apply_all(&mut a, &[correction(1, remove), correction(2, entry)]);
        assert!(a.relations.is_empty());
        assert_eq!(failed.len(), 1);
        assert!(failed[0].1.contains("lists no entry 1E902.a"));
        let json = serde_json::to_string(&correction(3, Fix::RemoveEntry { code: "A".into() }).fix)
            .unwrap();
        assert_eq!(json, r#"{"op":"remove-entry","code":"A"}"#);
    }
}
