//! The lists' names in words, and which changes concern which lists or jurisdictions.

use super::*;

/// A list of parties by its regime, in words.
pub fn list_name(regime: &str) -> &'static str {
    match regime {
        "cn-control-list" => "export control control list (出口管制管控名单)",
        "cn-watch-list" => "export control watch list (关注名单)",
        "cn-unreliable-entity" => "unreliable entity list (不可靠实体清单)",
        "cn-dual-use" => "dual-use items export control list (两用物项出口管制清单)",
        "us-entity-list" => "US Entity List (15 CFR 744, Supp. No. 4)",
        "us-ccl" => "US Commerce Control List (15 CFR 774, Supp. No. 1)",
        "eu-dual-use" => "EU dual-use list (Regulation (EU) 2021/821, Annex I)",
        _ => "list",
    }
}

/// Whether a regime is one of `wanted`: a regime's id (`cn-dual-use`), or a jurisdiction, the
/// part before the first hyphen (`cn` for every Chinese list, `us`, `eu`).
pub fn regime_wanted(regime: &str, wanted: &[String]) -> bool {
    wanted
        .iter()
        .any(|w| w == regime || (!w.contains('-') && regime.split('-').next() == Some(w.as_str())))
}

/// Whether a change concerns one of the `wanted` regimes ([`regime_wanted`]): its entry's
/// regime; for a change about a whole announcement, the regimes the announcement lists entries
/// in, else those of the announcements it acts on (a suspension, a repeal), else its
/// jurisdiction (a Federal Register rule is the US's; the rest here are China's).
pub fn concerns(
    c: &ChangeRecord,
    announcements: &HashMap<String, KnownAnnouncement>,
    wanted: &[String],
) -> bool {
    if wanted.is_empty() {
        return true;
    }
    if let Some(r) = &c.regime {
        return regime_wanted(r, wanted);
    }
    let Some(a) = announcements.get(&c.announcement) else {
        return true;
    };
    if !a.entries.is_empty() {
        return a.entries.iter().any(|e| regime_wanted(&e.regime, wanted));
    }
    let targets: Vec<&KnownAnnouncement> = a
        .relations
        .iter()
        .filter_map(|r| announcements.get(&r.target))
        .filter(|t| !t.entries.is_empty())
        .collect();
    if !targets.is_empty() {
        return targets
            .iter()
            .any(|t| t.entries.iter().any(|e| regime_wanted(&e.regime, wanted)));
    }
    let jurisdiction = match a.authorities.first().map(String::as_str) {
        _ if a.key.starts_with("FR-") || a.key.starts_with("FRPI-") => "us",
        Some(crate::model::SNAPSHOT_EU) => "eu",
        Some(crate::model::SNAPSHOT_CCL | crate::model::SNAPSHOT_ENTITY_LIST) => "us",
        _ => "cn",
    };
    wanted
        .iter()
        .any(|w| w.split('-').next() == Some(jurisdiction))
}
