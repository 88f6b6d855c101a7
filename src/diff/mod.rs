//! diff: what changed between two versions of an entry, or two versions of the list. Pure.

pub mod list;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::model::ControlEntry;
use crate::store::StoredEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryChangeKind {
    Added,
    Removed,
    Modified,
}

impl EntryChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryChangeKind::Added => "added",
            EntryChangeKind::Removed => "removed",
            EntryChangeKind::Modified => "modified",
        }
    }
}

/// How one code's entry in the consolidated list changed, if it did. A later announcement that
/// restates an entry word for word is not a change.
pub fn compare(
    before: Option<&StoredEntry>,
    after: Option<&StoredEntry>,
) -> Option<EntryChangeKind> {
    // A removal (`移出`) is the party leaving its list, whatever names it uses; a listing after
    // a removal brings it back.
    let removal = |e: Option<&StoredEntry>| e.is_some_and(|e| e.entry.removal);
    match (removal(before), removal(after)) {
        (false, true) => return Some(EntryChangeKind::Removed),
        (true, true) => return None,
        (true, false) => return after.map(|_| EntryChangeKind::Added),
        (false, false) => {}
    }
    match (before, after) {
        (None, None) => None,
        (None, Some(_)) => Some(EntryChangeKind::Added),
        (Some(_), None) => Some(EntryChangeKind::Removed),
        (Some(b), Some(a)) => {
            (!field_changes(&b.entry, &a.entry).is_empty()).then_some(EntryChangeKind::Modified)
        }
    }
}

/// One field of an entry that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

pub fn field_changes(before: &ControlEntry, after: &ControlEntry) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if before.description != after.description {
        out.push(FieldChange {
            field: "description",
            before: before.description.clone(),
            after: after.description.clone(),
        });
    }
    if before.item_type != after.item_type {
        out.push(FieldChange {
            field: "item_type",
            before: before.item_type.as_str().to_string(),
            after: after.item_type.as_str().to_string(),
        });
    }
    if before.hs_codes != after.hs_codes {
        out.push(FieldChange {
            field: "hs_codes",
            before: before.hs_codes.join(", "),
            after: after.hs_codes.join(", "),
        });
    }
    out
}

/// A word-level redline, `[-removed-]{+added+}`, that splits Chinese text per character (a run of
/// ideographs is one "word" to a whitespace tokenizer, which would redline whole sentences).
pub fn redline(before: &str, after: &str) -> String {
    let mut out = String::new();
    for (mark, text) in redline_segments(before, after) {
        match mark {
            Mark::Same => out.push_str(&text),
            Mark::Removed => {
                out.push_str("[-");
                out.push_str(&text);
                out.push_str("-]");
            }
            Mark::Added => {
                out.push_str("{+");
                out.push_str(&text);
                out.push_str("+}");
            }
        }
    }
    out
}

/// How a run of a redline reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Same,
    Removed,
    Added,
}

/// The runs of a redline, for renderers that mark them up (`<del>`/`<ins>` in HTML).
pub fn redline_segments(before: &str, after: &str) -> Vec<(Mark, String)> {
    let diff = TextDiff::configure().diff_unicode_words(before, after);
    let mut out: Vec<(Mark, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        let mark = match change.tag() {
            ChangeTag::Equal => Mark::Same,
            ChangeTag::Delete => Mark::Removed,
            ChangeTag::Insert => Mark::Added,
        };
        match out.last_mut() {
            Some((m, text)) if *m == mark => text.push_str(change.value()),
            _ => out.push((mark, change.value().to_string())),
        }
    }
    out
}

/// One line of a document-level diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "kebab-case")]
pub enum DocLine {
    /// Unchanged, shown for context.
    Same(String),
    Removed(String),
    Added(String),
    /// A line reworded: a word-level redline of the old and new line.
    Reworded(String),
}

/// The changed passages of a document, with one line of context around each, lines paired into
/// redlines where a passage replaced as many lines as it removed.
pub fn text_diff(before: &str, after: &str) -> Vec<Vec<DocLine>> {
    let diff = TextDiff::from_lines(before, after);
    let mut hunks = Vec::new();
    for group in diff.grouped_ops(1) {
        let mut lines = Vec::new();
        for op in group {
            let old: Vec<&str> = op
                .old_range()
                .filter_map(|i| diff.old_slice(i))
                .map(|l| l.trim_end_matches('\n'))
                .collect();
            let new: Vec<&str> = op
                .new_range()
                .filter_map(|i| diff.new_slice(i))
                .map(|l| l.trim_end_matches('\n'))
                .collect();
            match op.tag() {
                similar::DiffTag::Equal => {
                    lines.extend(old.iter().map(|l| DocLine::Same(l.to_string())));
                }
                similar::DiffTag::Replace if old.len() == new.len() => {
                    lines.extend(
                        old.iter()
                            .zip(&new)
                            .map(|(o, n)| DocLine::Reworded(redline(o, n))),
                    );
                }
                _ => {
                    lines.extend(old.iter().map(|l| DocLine::Removed(l.to_string())));
                    lines.extend(new.iter().map(|l| DocLine::Added(l.to_string())));
                }
            }
        }
        hunks.push(lines);
    }
    hunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ItemType;

    fn entry(code: &str, desc: &str, hs: &[&str]) -> StoredEntry {
        StoredEntry {
            entry: ControlEntry {
                regime: "cn-dual-use".into(),
                code: code.into(),
                description: desc.into(),
                item_type: ItemType::Material,
                hs_codes: hs.iter().map(|s| s.to_string()).collect(),
                clause: None,
                removal: false,
            },
            announcement: "MOFCOM-2025-55".into(),
        }
    }

    #[test]
    fn redline_splits_chinese_per_character() {
        assert_eq!(
            redline("平均粒径不大于50微米", "平均粒径不大于40微米"),
            "平均粒径不大于[-50-]{+40+}微米"
        );
        assert_eq!(
            redline("人造金刚石微粉", "人造金刚石单晶"),
            "人造金刚石[-微粉-]{+单晶+}"
        );
    }

    #[test]
    fn field_changes_name_each_field() {
        let a = entry("2C902.a", "微粉", &["71051020"]);
        let b = entry("2C902.a", "微粉", &["71051020", "71051090"]);
        let fields = field_changes(&a.entry, &b.entry);
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "hs_codes");
        assert_eq!(fields[0].after, "71051020, 71051090");
    }

    #[test]
    fn document_diff_redlines_reworded_lines_with_context() {
        let before =
            "一、对以下物项实施出口管制。\n二、本公告自2025年11月8日起正式实施。\n商务部\n";
        let after = "一、对以下物项实施出口管制。\n二、本公告自2025年12月1日起正式实施。\n商务部\n";
        let hunks = text_diff(before, after);
        assert_eq!(hunks.len(), 1);
        assert_eq!(
            hunks[0],
            [
                DocLine::Same("一、对以下物项实施出口管制。".into()),
                DocLine::Reworded(
                    "二、本公告自2025年[-11-]{+12+}月[-8-]{+1+}日起正式实施。".into()
                ),
                DocLine::Same("商务部".into()),
            ]
        );
        let hunks = text_diff("a\n", "a\nb\n");
        assert_eq!(hunks[0].last(), Some(&DocLine::Added("b".into())));
        assert!(text_diff("same\n", "same\n").is_empty());
    }

    #[test]
    fn restating_an_entry_is_not_a_change() {
        let a = entry("1E902.a", "技术", &[]);
        let mut b = a.clone();
        b.announcement = "MOFCOM-2026-1".into();
        assert_eq!(compare(Some(&a), Some(&b)), None);
    }
}
