use super::*;
use crate::model::ItemType;

#[test]
fn the_shipped_glossary_parses() {
    Glossary::parse(GLOSSARY).unwrap();
    assert!(Glossary::parse("没有等号").is_err());
    assert!(Glossary::parse("~(unclosed = x").is_err());
}

#[test]
fn terms_elements_and_word_order() {
    assert_eq!(
        gloss("氧化钐及其混合物"),
        "samarium oxide and mixtures thereof"
    );
    assert_eq!(
        gloss("稀土开采、冶炼分离、金属冶炼、磁材制造、稀土二次资源回收利用相关技术及其载体"),
        "technologies for rare-earth mining, smelting and separation, metal smelting, magnet manufacturing, rare-earth secondary-resource recycling, and their carriers"
    );
    assert_eq!(
        gloss("人造金刚石单晶，粒径大于50微米且不大于500微米"),
        "synthetic diamond single crystals, particle size > 50 µm and ≤ 500 µm"
    );
    assert_eq!(
        gloss("用于生产3A001项所管制物项的设备"),
        "equipment for producing items controlled under 3A001"
    );
    assert!(gloss("4.钐钴永磁体等钐磁性材料").contains("samarium-cobalt permanent magnets"));
}

#[test]
fn unknown_terms_stay_in_chinese() {
    let g = gloss("钐金属及其饕餮");
    assert!(g.starts_with("samarium metal"), "{g}");
    assert!(g.contains("饕餮"), "{g}");
    // Text without Chinese is its own English.
    assert_eq!(gloss("DCPCVD"), "DCPCVD");
}

#[test]
fn a_small_glossary_of_ones_own() {
    let g = Glossary::parse(
        "@钐 = samarium\n{E}金属 = {E} metal\n~^用于(.+?)的设备$ = equipment for $1\n",
    )
    .unwrap();
    assert_eq!(g.gloss("用于钐金属的设备"), "equipment for samarium metal");
    assert_eq!(g.gloss("钐金属；钐"), "samarium metal; samarium");
}

#[test]
fn parties_use_their_english_names() {
    assert_eq!(
        party("示例航空技术公司（Example Aero Technologies, Inc.）"),
        "Example Aero Technologies, Inc."
    );
    assert_eq!(
        party("Example Insights Europe Limited，示例洞察公司（Example Insights Inc.）的分支机构"),
        "Example Insights Europe Limited, a branch of Example Insights Inc."
    );
    // Without the parent's English, its Chinese name is glossed, unknown words kept.
    assert_eq!(
        party("Example Insights Europe Limited，示例洞察公司的分支机构"),
        "Example Insights Europe Limited, a branch of Example 洞察 Company"
    );
    let (en, source) = entry("氧化钐", ItemType::Material, Some("Samarium oxide"));
    assert_eq!((en.as_str(), source), ("Samarium oxide", Source::Official));
    let (en, source) = entry("氧化钐", ItemType::Material, None);
    assert_eq!((en.as_str(), source), ("samarium oxide", Source::Gloss));
}

#[test]
fn titles_say_what_the_announcement_is_about() {
    assert_eq!(
        title(
            "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定",
            "MOFCOM Announcement No. 62 of 2025"
        ),
        "MOFCOM Announcement No. 62 of 2025 — Decision on export control of technologies related to rare-earth"
    );
}

/// Every description in the extractor's fixtures glosses to English without Chinese left.
#[test]
fn every_fixture_description_has_english() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mofcom/expected"
    );
    let mut left = Vec::new();
    let mut n = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f.unwrap().path()).unwrap()).unwrap();
        for e in v["entries"].as_array().into_iter().flatten() {
            let t = ItemType::parse(e["item_type"].as_str().unwrap()).unwrap();
            let (en, _) = entry(e["description"].as_str().unwrap(), t, None);
            n += 1;
            if en.chars().any(is_cjk) && t != ItemType::Entity {
                left.push(en);
            }
        }
    }
    assert!(n > 50);
    assert!(left.is_empty(), "Chinese left in glosses: {left:#?}");
}
