//! The MOFCOM reader's tests: the patterns of real texts, one or more tests each.

use super::*;

/// An article as www serves it: the title only in `meta[name=ArticleTitle]` (the heading
/// names the column), the publication time in `PubDate`, a later `MakeTime`, the body in
/// `div.art-con[ergodic=article]` and no signature date.
const LIVE: &str = r#"<html><head><meta name="ArticleTitle" content="商务部公告2026年第3号 关于对部分物项实施出口管制的决定">
<meta name="PubDate" content="2026-01-05 17:40"><meta name="MakeTime" content="2026-01-20 09:00:00"></head><body>
<h2>政策发布</h2><div class="art-con art-con-bottonmLine" ergodic="article">
<p>一、以下物项未经许可，不得出口：</p><p>1C999.a 示例材料。</p></div>
<section class="article-tool">分享到</section></body></html>"#;

#[test]
fn live_articles_read_title_and_date_from_their_meta() {
    let a = announcement(LIVE).unwrap();
    assert_eq!(a.key, "MOFCOM-2026-3");
    assert_eq!(
        a.title,
        "商务部公告2026年第3号 关于对部分物项实施出口管制的决定"
    );
    assert_eq!(
        a.issued,
        NaiveDate::from_ymd_opt(2026, 1, 5),
        "PubDate, not MakeTime"
    );
    assert_eq!(a.entries[0].code, "1C999.a");
}

#[test]
fn header_fields_in_the_colon_form() {
    let page = LIVE.replace(
        "<p>一、",
        "<p>发布文号：商务部公告2026年第3号</p><p>发文日期：2026年1月6日</p><p>一、",
    );
    let a = announcement(&page).unwrap();
    assert_eq!(a.issued, NaiveDate::from_ymd_opt(2026, 1, 6));
}

#[test]
fn the_sidebar_is_not_the_list() {
    let base = Url::parse("https://www.mofcom.gov.cn/zcfb/blgg/gg/2025/index.html").unwrap();
    let page = r#"<body><aside class="jgRBox"><section class="rColumnBox"><ul>
<li><a href="/zcjd/art/2025/art_1.html">商务部公告2025年第62号政策解读</a></li></ul></section></aside>
<ul><li><a href="/zcfb/blgg/gg/2025/art/2025/art_2.html">商务部公告2025年第61号 关于…</a></li></ul></body>"#;
    let links = index(&base, page).unwrap();
    assert_eq!(links.len(), 1);
    assert!(links[0].url.path().ends_with("art_2.html"));
}

#[test]
fn codes_with_noise() {
    assert_eq!(code_at("1E902.a 稀土"), Some(("1E902.a".into(), 7)));
    assert_eq!(
        code_at("3B90 1.a 设备").map(|c| c.0),
        Some("3B901.a".into())
    );
    assert_eq!(
        code_at("3C901.a.1 磷酸铁锂").map(|c| c.0),
        Some("3C901.a.1".into())
    );
    assert_eq!(code_at("2E902 工艺技术").map(|c| c.0), Some("2E902".into()));
    assert_eq!(code_at("3A001项所管制物项"), None);
    assert_eq!(code_at("2025年"), None);
    assert_eq!(code_at("1E9021"), None);
    assert_eq!(code_at(""), None);
}

#[test]
fn customs_code_lists() {
    assert_eq!(
        customs_codes("（参考海关商品编号：2846901940、2846901993、3824999922）"),
        vec!["2846901940", "2846901993", "3824999922"]
    );
    assert_eq!(customs_codes("参考税则号列：285 39030"), vec!["28539030"]);
    assert_eq!(customs_codes("参考税则号列：——"), Vec::<String>::new());
}

#[test]
fn suspension_targets_and_period() {
    let issued = NaiveDate::from_ymd_opt(2025, 11, 7);
    let text = "自即日起至2026年11月10日，暂停实施商务部 海关总署公告2025年第55号、56号、57号、58号及商务部公告2025年第61号、62号。";
    let (r, _) = relations(text, issued, &[], "MOFCOM-2025-70");
    let targets: Vec<&str> = r.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "MOFCOM-2025-55",
            "MOFCOM-2025-56",
            "MOFCOM-2025-57",
            "MOFCOM-2025-58",
            "MOFCOM-2025-61",
            "MOFCOM-2025-62"
        ]
    );
    assert!(r.iter().all(|r| r.kind == RelationKind::Suspends
        && r.from == issued
        && r.until == NaiveDate::from_ymd_opt(2026, 11, 10)));
}

#[test]
fn clause_level_suspension() {
    let (r, _) = relations(
        "商务部公告2025年第61号第二款暂停实施。",
        NaiveDate::from_ymd_opt(2025, 11, 7),
        &[],
        "MOFCOM-2025-70",
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].scope.as_deref(), Some("第二款"));
}

#[test]
fn effective_dates_with_scopes() {
    let issued = NaiveDate::from_ymd_opt(2025, 10, 9);
    let e = effective_dates(
        "本公告第一条第（一）项、第（二）项自2025年12月1日起实施，其他规定自公布之日起实施。",
        issued,
        &mut Vec::new(),
    );
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].date, issued.unwrap());
    assert_eq!(e[1].date, NaiveDate::from_ymd_opt(2025, 12, 1).unwrap());
    assert!(e[1].scope.as_deref().unwrap().contains("第一条"));
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn kinds(doubts: &[Doubt]) -> Vec<&str> {
    doubts.iter().map(|d| d.kind.as_str()).collect()
}

/// patterns.md 1: the title restated in traditional script names the targets without dates;
/// only the operative sentence is a relation.
#[test]
fn a_restated_title_is_not_a_second_relation() {
    let text = "商務部、海關總署公告2031年第9號 公布暫停實施商務部 海關總署公告2031年第3號、4號的決定\n\
                经批准，自即日起至2032年3月1日，商务部 海关总署公告2031年第3号、4号暂停实施。";
    let text = crate::extract::text::normalise(text);
    let (r, doubts) = relations(&text, day(2031, 11, 7), &[], "MOFCOM-2031-9");
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        r.iter()
            .all(|r| r.from == day(2031, 11, 7) && r.until == day(2032, 3, 1))
    );
    assert!(doubts.is_empty(), "{doubts:?}");
}

/// Where an undated statement of a relation survives beside a dated one, the dated one wins
/// and the disagreement is said.
#[test]
fn an_undated_twin_gives_way_and_is_doubted() {
    let text = "商务部公告2031年第3号暂停实施的有关事项\n自2031年11月10日起至2032年3月1日，商务部公告2031年第3号暂停实施。";
    let (r, doubts) = relations(text, day(2031, 11, 7), &[], "MOFCOM-2031-9");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].from, r[0].until),
        (day(2031, 11, 10), day(2032, 3, 1))
    );
    assert_eq!(kinds(&doubts), ["relation-without-dates"]);
}

/// patterns.md 9 and 14: a period instead of an end date, two kinds in one sentence.
#[test]
fn periods_and_two_kinds_in_one_sentence() {
    let text = "自2031年11月10日起，商务部公告2031年第7号相关措施继续暂停1年，商务部公告2031年第5号和6号相关措施停止执行。";
    let (r, doubts) = relations(text, day(2031, 11, 5), &[], "MOFCOM-2031-12");
    let find = |t: &str| r.iter().find(|r| r.target == t).unwrap();
    let seven = find("MOFCOM-2031-7");
    assert_eq!(seven.kind, RelationKind::Suspends);
    assert_eq!(
        (seven.from, seven.until),
        (day(2031, 11, 10), day(2032, 11, 9))
    );
    for t in ["MOFCOM-2031-5", "MOFCOM-2031-6"] {
        assert_eq!(find(t).kind, RelationKind::Repeals, "{t}");
        assert_eq!(find(t).from, day(2031, 11, 10));
    }
    assert_eq!(kinds(&doubts), ["end-computed"]);
    assert!(doubts[0].detail.contains("2032-11-09"), "{doubts:?}");

    let (r, _) = relations(
        "自即日起，暂停实施商务部公告2031年第8号相关措施90天。",
        day(2031, 11, 10),
        &[],
        "MOFCOM-2031-13",
    );
    assert_eq!(r[0].until, day(2032, 2, 7));
}

/// patterns.md 12, 15: a quoted title between the target and its clause; a repeal in the
/// effective-date clause.
#[test]
fn quoted_titles_and_repeals_in_the_effective_clause() {
    let (r, _) = relations(
        "自即日起，商务部公告2031年第8号（「关于对部分物项实施出口管制的公告」）第二款暂停实施，暂停期限至2032年1月1日。",
        day(2031, 6, 1),
        &[],
        "MOFCOM-2031-20",
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].target, "MOFCOM-2031-8");
    assert_eq!(r[0].scope.as_deref(), Some("第二款"));
    assert_eq!(r[0].until, day(2032, 1, 1));

    let text = "本公告自2031年9月1日起正式实施，商务部公告2030年第27号和第28号同时废止。";
    let mut doubts = Vec::new();
    let e = effective_dates(text, day(2031, 8, 1), &mut doubts);
    let (r, _) = relations(text, day(2031, 8, 1), &e, "MOFCOM-2031-30");
    assert_eq!(r.len(), 2);
    assert!(
        r.iter()
            .all(|r| r.kind == RelationKind::Repeals && r.from == day(2031, 9, 1))
    );
}

/// patterns.md 7: a time of day; the list changes on the next whole day, and says so.
#[test]
fn a_time_of_day_moves_the_list_to_the_next_day() {
    let mut doubts = Vec::new();
    let e = effective_dates(
        "本公告自2031年4月10日12时01分起实施。",
        day(2031, 4, 4),
        &mut doubts,
    );
    assert_eq!(e[0].date, day(2031, 4, 11).unwrap());
    assert_eq!(kinds(&doubts), ["time-of-day"]);
}

/// A suspension with no end is said, not guessed.
#[test]
fn a_suspension_without_an_end_is_doubted() {
    let (r, doubts) = relations(
        "自即日起，暂停实施商务部公告2031年第8号。",
        day(2031, 6, 1),
        &[],
        "MOFCOM-2031-21",
    );
    assert_eq!(r[0].until, None);
    assert_eq!(kinds(&doubts), ["suspension-without-end"]);
}

fn read(body: &str) -> Announcement {
    announcement(&format!(
        "<html><body><div class=\"art-con\" ergodic=\"article\">{body}</div></body></html>"
    ))
    .unwrap()
}

/// patterns.md 4, 5: a spaced letterhead, invisible characters inside names and numbers,
/// en/em spaces, `&ensp;` left undecoded.
#[test]
fn spaced_letterheads_and_invisible_characters() {
    let a = read(
        "<p>商 务 部 公 告</p><p>2031年 第 4 号</p><p>一、以下物项未经许可，不得出口：</p>\
         <p>1C999.a 示例材料。</p><p>二、本公告自公布之日起正式实施。</p><p>商务部</p><p>2031年4月4日</p>",
    );
    assert_eq!(a.key, "MOFCOM-2031-4");
    let a = read(
        "<p>【发布文号】商务\u{200c}部公告2031年第\u{200b}5号</p><p>【发文日期】2031年4月5日</p>\
         <p>一、以下物项未经许可，不得出口：</p><p>1C999.a\u{2003}示例&amp;ensp;材料。</p>",
    );
    assert_eq!(a.key, "MOFCOM-2031-5");
    assert_eq!(a.entries[0].description, "示例 材料");
}

/// patterns.md 20: several codes on one item, after an ordinal, full-width dots.
#[test]
fn several_codes_on_one_item() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第6号</p><p>【发文日期】2031年4月6日</p>\
         <p>一、以下物项未经许可，不得出口：</p><p>一、1E004、1E101.b．示例技术。</p>",
    );
    let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["1E004", "1E101.b"], "{:?}", a.entries);
    assert!(a.entries.iter().all(|e| e.description == "示例技术"));
}

/// patterns.md 26: a customs-declaration rule is an obligation recorded as a measure.
#[test]
fn a_customs_declaration_rule_is_a_measure() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第7号</p><p>【发文日期】2031年4月7日</p>\
         <p>一、出口经营者出口前款物项时，应当在报关单备注栏注明“两用物项”字样。</p>",
    );
    assert_eq!(a.entries.len(), 1, "{:?}", a.entries);
    assert_eq!(a.entries[0].item_type, ItemType::Measure);
}

/// patterns.md 27: a news repost's lead paragraph gives its own (wrong) dates; the
/// announcement's words decide.
#[test]
fn a_reposts_lead_paragraph_does_not_date_the_relation() {
    let a = read(
        "<p>新华社北京11月8日电 商务部8日发布公告，自11月10日起暂停实施商务部公告2031年第3号。</p>\
         <p>商务部公告2031年第9号</p><p>经批准，自即日起至2032年3月1日，商务部公告2031年第3号暂停实施。</p>\
         <p>商务部</p><p>2031年11月7日</p>",
    );
    assert_eq!(a.relations.len(), 1, "{:?}", a.relations);
    assert_eq!(
        (a.relations[0].from, a.relations[0].until),
        (day(2031, 11, 7), day(2032, 3, 1))
    );
}

#[test]
fn the_shape_of_a_list_code() {
    // The reader only takes codes of this shape from the text (`code_at`); the check guards
    // what annexes and later readers add.
    for ok in ["1C902.a", "3B901.c.1", "3A001", "2E902", "1C226.a"] {
        assert!(CODE_SHAPE.is_match(ok), "{ok}");
    }
    for odd in ["1F902.a", "1C90.a", "1C902.aa", "MOFCOM-2025-61#m1"] {
        assert!(!CODE_SHAPE.is_match(odd), "{odd}");
    }
}

/// patterns.md 3: a header block that disagrees with the signature — one authority named,
/// several signing; a number without its final 号; a compact date.
#[test]
fn an_inconsistent_header_block() {
    let a = read(
        "<p>【发布单位】商务部</p><p>【发布文号】商务部 海关总署公告2031年第10</p><p>【发文日期】20311009</p>\
         <p>一、以下物项未经许可，不得出口：</p><p>1C999.a 示例材料。</p>\
         <p>二、本公告自公布之日起正式实施。</p><p>商务部　海关总署</p><p>2031年10月09日</p>",
    );
    assert_eq!(a.key, "MOFCOM-2031-10");
    assert_eq!(a.authorities, ["MOFCOM", "GAC"]);
    assert_eq!(a.issued, day(2031, 10, 9));
}

/// patterns.md 6, 8, 10: 自即日起 is the issue date; a suspension may start after it; a date
/// in the text that is not the issue date (an earlier decision's) does not become it.
#[test]
fn today_a_later_start_and_dates_that_are_not_the_issue_date() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第11号</p><p>【发文日期】2031年11月5日</p>\
         <p>商务部决定于2031年2月4日将有关物项列入管制，现决定：</p>\
         <p>一、自2031年11月10日起，商务部公告2031年第2号继续暂停实施，暂停期限至2032年11月10日。</p>\
         <p>二、本公告自即日起实施。</p><p>商务部</p><p>2031年11月5日</p>",
    );
    assert_eq!(a.issued, day(2031, 11, 5));
    assert_eq!(a.effective[0].date, day(2031, 11, 5).unwrap());
    let r = &a.relations[0];
    assert_eq!(
        (r.kind, r.from, r.until),
        (RelationKind::Suspends, day(2031, 11, 10), day(2032, 11, 10))
    );
}

/// patterns.md 13: shorthand for several targets.
#[test]
fn shorthand_for_several_targets() {
    let (r, _) = relations(
        "自即日起至2032年1月1日，暂停实施商务部公告2031年第5号、6号、7号及商务部 海关总署公告2031年第11号、12号。",
        day(2031, 6, 1),
        &[],
        "MOFCOM-2031-40",
    );
    let targets: Vec<&str> = r.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "MOFCOM-2031-5",
            "MOFCOM-2031-6",
            "MOFCOM-2031-7",
            "MOFCOM-2031-11",
            "MOFCOM-2031-12"
        ]
    );
}

/// patterns.md 21, 22, 23: 8-digit 参考税则号列 in full-width brackets, many codes on one item;
/// cross-references are not items; units and notation stay intact.
#[test]
fn customs_codes_cross_references_and_units() {
    let many: Vec<String> = (0..20).map(|i| format!("{}", 28053010 + i)).collect();
    let a = read(&format!(
        "<p>【发布文号】商务部公告2031年第12号</p><p>【发文日期】2031年5月1日</p>\
         <p>一、以下物项未经许可，不得出口：</p>\
         <p>2B999.a 直径Φ1.8×20 m、精度50×10⁻⁶m的示例设备（参考税则号列：{}）</p>\
         <p>2B999.b 用于2B902.f项所管制物项的零部件</p>\
         <p>二、本公告自公布之日起正式实施。</p>",
        many.join("、")
    ));
    let codes: Vec<&str> = a.entries.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, ["2B999.a", "2B999.b"], "{:?}", a.entries);
    assert_eq!(a.entries[0].hs_codes.len(), 20);
    assert!(
        a.entries[0].description.contains("Φ1.8×20 m"),
        "{}",
        a.entries[0].description
    );
    assert!(a.entries[0].description.contains("50×10⁻⁶m"));
    assert!(!codes.contains(&"2B902.f"));
}

/// An effective date the text does not state is the issue date, marked as not stated.
#[test]
fn an_unstated_effective_date_is_marked() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第13号</p><p>【发文日期】2031年5月2日</p>\
         <p>一、以下物项未经许可，不得出口：</p><p>1C999.a 示例材料。</p>",
    );
    assert_eq!(a.effective.len(), 1);
    assert_eq!(a.effective[0].date, day(2031, 5, 2).unwrap());
    assert!(!a.effective[0].stated);
    assert_eq!(kinds(&a.doubts), ["effective-not-stated"]);
    let json = serde_json::to_value(&a.effective).unwrap();
    assert_eq!(json[0]["stated"], false);
}

/// The day of a date is not a period: `……2031年11月10日，` beside a suspension is no
/// ten-day end.
#[test]
fn a_date_is_not_a_period() {
    let (r, doubts) = relations(
        "自即日起，商务部公告2031年第8号暂停实施，截至2031年11月10日，已申领的许可证件继续有效。",
        day(2031, 11, 5),
        &[],
        "MOFCOM-2031-41",
    );
    assert_eq!(r[0].until, None, "{r:?}");
    assert!(!kinds(&doubts).contains(&"end-computed"), "{doubts:?}");
}

/// The same announcement however it is typed: traditional or simplified script, full-width
/// or ASCII digits and punctuation, invisible characters and odd spaces anywhere in the text,
/// clauses in another order. What it says must read the same.
mod variations {
    use super::*;
    use proptest::prelude::*;

    const CLAUSES: [&str; 3] = [
        "<p>一、以下物项未经许可，不得出口：</p><p>1C999.a 示例材料（参考海关商品编号：2805301910）。</p>",
        "<p>二、经批准，自即日起至2032年3月1日，商务部公告2031年第3号、4号暂停实施。</p>",
        "<p>三、本公告自公布之日起正式实施。</p>",
    ];

    fn vary(text: &str, choices: &[u8]) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for (i, c) in text.chars().enumerate() {
            let k = choices[i % choices.len()].wrapping_add(i as u8);
            if c == '<' {
                in_tag = true;
            }
            if in_tag {
                out.push(c);
                if c == '>' {
                    in_tag = false;
                }
                continue;
            }
            let varied = match (c, k % 4) {
                ('号', 0) => '號',
                ('暂', 0) => '暫',
                ('实', 1) => '實',
                ('务', 2) => '務',
                ('关', 1) => '關',
                ('总', 2) => '總',
                ('发', 0) => '發',
                ('，', 1) => ',',
                ('：', 2) => ':',
                ('（', 3) => '(',
                ('）', 3) => ')',
                (' ', 0) => '\u{3000}',
                (' ', 1) => '\u{2003}',
                (d @ '0'..='9', 1) => char::from_u32(d as u32 + 0xFEE0).unwrap(),
                (other, _) => other,
            };
            out.push(varied);
            // Now and then an invisible character after a character of text.
            match k % 11 {
                0 => out.push('\u{200b}'),
                5 => out.push('\u{200c}'),
                7 => out.push('\u{feff}'),
                _ => {}
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        #[test]
        fn the_same_announcement_however_typed(
            choices in prop::collection::vec(any::<u8>(), 1..32),
            order in Just([0usize, 1, 2]).prop_shuffle(),
        ) {
            let mut body = String::from(
                "<p>【发布单位】商务部 海关总署</p><p>【发布文号】商务部 海关总署公告2031年第9号</p><p>【发文日期】2031年11月7日</p>",
            );
            for i in order {
                body.push_str(CLAUSES[i]);
            }
            body.push_str("<p>商务部　海关总署</p><p>2031年11月7日</p>");
            let page = format!(
                "<html><body><div class=\"art-con\" ergodic=\"article\">{}</div></body></html>",
                vary(&body, &choices)
            );
            let a = announcement(&page).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&a.key, "MOFCOM-2031-9");
            prop_assert_eq!(a.issued, day(2031, 11, 7));
            prop_assert_eq!(a.effective.first().map(|e| e.date), day(2031, 11, 7));
            let entry = a.entries.iter().find(|e| e.code == "1C999.a");
            prop_assert!(entry.is_some(), "{:?}", a.entries);
            prop_assert_eq!(&entry.unwrap().hs_codes, &vec!["2805301910".to_string()]);
            let targets: Vec<&str> = a.relations.iter().map(|r| r.target.as_str()).collect();
            prop_assert_eq!(targets, vec!["MOFCOM-2031-3", "MOFCOM-2031-4"]);
            for r in &a.relations {
                prop_assert_eq!(r.kind, RelationKind::Suspends);
                prop_assert_eq!((r.from, r.until), (day(2031, 11, 7), day(2032, 3, 1)));
            }
        }
    }
}

/// entities.md: a control-list announcement with its parties in an annex — English names in
/// brackets of both widths or missing, no space after the number, an invisible character, a
/// parent with branches, a stray empty number after the last party.
#[test]
fn parties_listed_in_an_annex() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第21号</p><p>【发文日期】2031年4月4日</p>\
         <p>根据有关规定，商务部决定将示例航空技术公司等4家美国实体列入出口管制管控名单（见附件），并采取以下措施：</p>\
         <p>一、禁止向上述实体出口两用物项；正在开展的相关出口活动应当立即停止。</p>\
         <p>二、本公告自公布之日起正式实施。</p><p>商务部</p><p>2031年4月4日</p>\
         <p>附件</p><p>出口管制管控名单（2031年4月4日）</p>\
         <p>1. 示例航空技术公司（Example Aero Technologies, Inc.）</p>\
         <p>2.示例飞\u{200b}行公司(Example Flight LLC)</p>\
         <p>3. 美国某某集团</p>\
         <p>4. 示例洞察公司（Example Insights Inc.）及其分支机构</p>\
         <p>-Example Insights Europe Limited</p><p>-Example Insights Japan KK</p>\
         <p>5.</p>",
    );
    assert_eq!(a.key, "MOFCOM-2031-21");
    let parties: Vec<(&str, &str)> = a
        .entries
        .iter()
        .filter(|e| e.item_type == ItemType::Entity)
        .map(|e| (e.code.as_str(), e.description.as_str()))
        .collect();
    assert_eq!(
        parties,
        [
            (
                "EXAMPLE-AERO-TECHNOLOGIES",
                "示例航空技术公司（Example Aero Technologies, Inc.）"
            ),
            ("EXAMPLE-FLIGHT", "示例飞行公司（Example Flight LLC）"),
            ("美国某某集团", "美国某某集团"),
            ("EXAMPLE-INSIGHTS", "示例洞察公司（Example Insights Inc.）"),
            (
                "EXAMPLE-INSIGHTS-EUROPE",
                "Example Insights Europe Limited，示例洞察公司（Example Insights Inc.）的分支机构"
            ),
            (
                "EXAMPLE-INSIGHTS-JAPAN",
                "Example Insights Japan KK，示例洞察公司（Example Insights Inc.）的分支机构"
            ),
        ]
    );
    assert!(
        a.entries.iter().all(|e| e.regime == "cn-control-list"),
        "{:?}",
        a.entries
    );
    assert!(a.entries.iter().any(|e| e.item_type == ItemType::Measure
        && e.description.contains("禁止向上述实体出口两用物项")));
    assert!(a.doubts.is_empty(), "{:?}", a.doubts);
}

/// entities.md: an unreliable-entity decision naming its parties inline, under a spaced
/// letterhead and the working mechanism's bracketed number; a stated count that differs.
#[test]
fn an_unreliable_entity_decision_names_its_parties_inline() {
    let a = read(
        "<p>不 可 靠 实 体 清 单 工 作 机 制</p><p>公　　告</p><p>〔2031〕7号</p>\
         <p>根据《不可靠实体清单规定》有关规定，工作机制决定将示例导弹公司（Example Missiles Corporation）、示例陆地系统公司（Example Land Systems）等3家实体列入不可靠实体清单，并采取以下措施：</p>\
         <p>一、禁止上述企业从事与中国有关的进出口活动。</p>\
         <p>二、本公告自公布之日起实施。</p><p>不可靠实体清单工作机制</p><p>（商务部代章）</p><p>2031年4月4日</p>",
    );
    assert_eq!(a.key, "UEL-2031-7");
    assert_eq!(a.issued, day(2031, 4, 4));
    let codes: Vec<&str> = a
        .entries
        .iter()
        .filter(|e| e.item_type == ItemType::Entity)
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(codes, ["EXAMPLE-MISSILES", "EXAMPLE-LAND-SYSTEMS"]);
    assert!(a.entries.iter().all(|e| e.regime == "cn-unreliable-entity"));
    assert_eq!(kinds(&a.doubts), ["count-mismatch"]);
}

/// patterns.md 16 with 9, 13 and 14, in the working mechanism's style: targets cited by
/// their date and a bare bracketed number, a period, two kinds in one sentence.
#[test]
fn the_working_mechanisms_own_citations() {
    let (r, _) = relations(
        "自2031年5月14日起，暂停4月4日公告（……〔2031〕7号）相关措施90天。",
        day(2031, 5, 12),
        &[],
        "UEL-2031-9",
    );
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (r[0].kind, r[0].target.as_str()),
        (RelationKind::Suspends, "UEL-2031-7")
    );
    assert_eq!(
        (r[0].from, r[0].until),
        (day(2031, 5, 14), day(2031, 8, 11))
    );

    let (r, _) = relations(
        "自2031年11月10日起，〔2031〕7号相关措施继续暂停1年，〔2031〕5号和6号相关措施停止。",
        day(2031, 11, 5),
        &[],
        "UEL-2031-12",
    );
    let find = |t: &str| {
        r.iter()
            .find(|x| x.target == t)
            .unwrap_or_else(|| panic!("{t}: {r:?}"))
    };
    assert_eq!(find("UEL-2031-7").kind, RelationKind::Suspends);
    assert_eq!(find("UEL-2031-7").until, day(2032, 11, 9));
    assert_eq!(find("UEL-2031-5").kind, RelationKind::Repeals);
    assert_eq!(find("UEL-2031-6").kind, RelationKind::Repeals);
}

/// entities.md: a later decision imposing measures on a party listed before lists no one
/// anew; its measures are the unreliable entity list's. An investigation lists no one.
#[test]
fn later_measures_and_investigations_list_no_one() {
    let a = read(
        "<p>不可靠实体清单工作机制公告〔2031〕8号</p>\
         <p>工作机制决定于2031年2月4日将示例导弹公司（Example Missiles Corporation）列入不可靠实体清单。现决定对其采取以下措施：</p>\
         <p>一、禁止该企业从事与中国有关的进出口活动。</p><p>二、本公告自公布之日起实施。</p>\
         <p>不可靠实体清单工作机制</p><p>2031年4月4日</p>",
    );
    assert_eq!(a.key, "UEL-2031-8");
    assert!(
        a.entries.iter().all(|e| e.item_type != ItemType::Entity),
        "{:?}",
        a.entries
    );
    assert!(
        a.entries
            .iter()
            .any(|e| e.item_type == ItemType::Measure && e.regime == "cn-unreliable-entity")
    );

    let a = read(
        "<p>不可靠实体清单工作机制公告〔2031〕3号</p>\
         <p>工作机制决定对示例公司（Example Co.）进行调查，请该企业于30日内提交书面材料。</p>\
         <p>不可靠实体清单工作机制</p><p>2031年3月1日</p>",
    );
    assert!(
        a.entries.iter().all(|e| e.item_type != ItemType::Entity),
        "{:?}",
        a.entries
    );
}

/// patterns.md 17, entities.md: the working mechanism's measures suspended for a period in a
/// spokesperson's Q&A only. The Q&A is the evidence; a numbered announcement it restates is
/// not taken over.
#[test]
fn a_suspension_published_only_as_a_qa() {
    let page = r#"<html><head><meta name="ArticleTitle" content="商务部新闻发言人就暂停不可靠实体清单有关措施答记者问"><meta name="PubDate" content="2031-05-12 18:00"></head><body>
<div class="art-con" ergodic="article"><p>问：近日，有关方面宣布……请问商务部对此有何回应？</p>
<p>答：经批准，自2031年5月14日起，暂停4月4日公告（不可靠实体清单工作机制〔2031〕7号）相关措施90天。同时，暂停实施商务部公告2031年第3号。</p></div></body></html>"#;
    assert!(is_acting_qa_title(
        "商务部新闻发言人就暂停不可靠实体清单有关措施答记者问"
    ));
    assert!(!is_acting_qa_title(
        "商务部新闻发言人就中美经贸磋商答记者问"
    ));
    let a = announcement(page).unwrap();
    assert_eq!(a.key, "QA-2031-512");
    assert_eq!(a.citation(), "MOFCOM spokesperson's Q&A of 2031-05-12");
    assert_eq!(a.relations.len(), 1, "{:?}", a.relations);
    let r = &a.relations[0];
    assert_eq!(
        (r.kind, r.target.as_str()),
        (RelationKind::Suspends, "UEL-2031-7")
    );
    assert_eq!((r.from, r.until), (day(2031, 5, 14), day(2031, 8, 11)));
    let k = kinds(&a.doubts);
    assert!(
        k.contains(&"relation-from-qa") && k.contains(&"end-computed"),
        "{k:?}"
    );
    // Without a Q&A's marks, a page without a number is still not an announcement.
    let plain = page
        .replace("答记者问", "的说明")
        .replace("新闻发言人", "")
        .replace("同时，暂停实施商务部公告2031年第3号。", "");
    assert!(matches!(
        announcement(&plain),
        Err(ExtractError::NoDocumentNumber)
    ));
}

/// patterns.md 15: the targets of a repeal listed only in an annex.
#[test]
fn repeal_targets_listed_in_an_annex() {
    let mut a = read(
        "<p>【发布文号】商务部公告2031年第30号</p><p>【发文日期】2031年8月1日</p>\
         <p>一、本公告自2031年9月1日起正式实施，同时废止11个公告（见附件2）。</p>",
    );
    let annex: Vec<String> = [
        "废止的公告目录",
        "1. 商务部公告2029年第27号",
        "2. 商务部 海关总署公告2030年第5号",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    merge_annex(&mut a, 2, &annex);
    let targets: Vec<(&str, Option<NaiveDate>)> = a
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::Repeals)
        .map(|r| (r.target.as_str(), r.from))
        .collect();
    assert_eq!(
        targets,
        [
            ("MOFCOM-2029-27", day(2031, 9, 1)),
            ("MOFCOM-2030-5", day(2031, 9, 1))
        ]
    );
}

/// patterns.md 24: a copy without its group headings (so `（一）` restarts) lists the same
/// codes with the same descriptions.
#[test]
fn a_copy_without_group_headings_lists_the_same_entries() {
    let full = read(
        "<p>【发布文号】商务部公告2031年第31号</p><p>【发文日期】2031年8月2日</p>\
         <p>一、稀土设备</p><p>（一）2B999.a 示例分离设备。</p><p>（二）2B999.b 示例熔炼设备。</p>\
         <p>二、稀土材料</p><p>（一）1C999.a 示例合金。</p>",
    );
    let copy = read(
        "<p>【发布文号】商务部公告2031年第31号</p><p>【发文日期】2031年8月2日</p>\
         <p>（一）2B999.a 示例分离设备。</p><p>（二）2B999.b 示例熔炼设备。</p>\
         <p>（一）1C999.a 示例合金。</p>",
    );
    let entries = |a: &Announcement| -> Vec<(String, String)> {
        a.entries
            .iter()
            .map(|e| (e.code.clone(), e.description.clone()))
            .collect()
    };
    assert_eq!(entries(&full), entries(&copy));
    assert_eq!(entries(&full).len(), 3);
}

/// entities.md: removal (`移出`) from the watch list after verification, parties in an annex;
/// each removed party is an entry marked as a removal, of the list it leaves.
#[test]
fn parties_removed_from_a_list() {
    let a = read(
        "<p>【发布文号】商务部公告2031年第30号</p><p>【发文日期】2031年5月20日</p>\
         <p>经核查，有关实体已配合商务部完成核查。根据《出口管制法》，商务部决定将示例飞行公司等2家实体移出关注名单（见附件）。</p>\
         <p>本公告自2031年6月1日起施行。</p><p>商务部</p><p>2031年5月20日</p>\
         <p>附件</p><p>1. 示例飞行公司（Example Flight LLC）</p><p>2. 示例光学公司</p>",
    );
    let removed: Vec<(&str, &str, bool)> = a
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.regime.as_str(), e.removal))
        .collect();
    assert_eq!(
        removed,
        [
            ("EXAMPLE-FLIGHT", "cn-watch-list", true),
            ("示例光学", "cn-watch-list", true)
        ]
    );
    assert_eq!(a.effective[0].date, day(2031, 6, 1).unwrap());
    assert!(a.doubts.is_empty(), "{:?}", a.doubts);

    // Inline, `从……中移出`, from the unreliable entity list.
    let a = read(
        "<p>不可靠实体清单工作机制公告〔2031〕11号</p>\
         <p>工作机制决定将示例导弹公司（Example Missiles Corporation）从不可靠实体清单中移出。</p>\
         <p>本公告自公布之日起施行。</p><p>不可靠实体清单工作机制</p><p>2031年9月1日</p>",
    );
    assert_eq!(a.entries.len(), 1, "{:?}", a.entries);
    assert_eq!(a.entries[0].code, "EXAMPLE-MISSILES");
    assert_eq!(a.entries[0].regime, "cn-unreliable-entity");
    assert!(a.entries[0].removal);
}

/// entities.md: a decision naming other companies that it does not list — a party warned about
/// circumvention — lists only its own parties; one announcement listing on one list and removing
/// from it, each with its own annex.
#[test]
fn only_the_parties_a_decision_lists_or_removes() {
    let a = read(
        "<p>不可靠实体清单工作机制公告〔2031〕12号</p>\
         <p>工作机制决定将示例雷达公司（Example Radar, Inc.）和示例卫星公司（Example Satellites and Sensors Ltd.）列入不可靠实体清单。</p>\
         <p>同时，工作机制提醒示例物流公司（Example Logistics LLC）不得协助上述实体规避本决定。</p>\
         <p>本公告自公布之日起施行。</p><p>不可靠实体清单工作机制</p><p>2031年10月9日</p>",
    );
    let codes: Vec<&str> = a
        .entries
        .iter()
        .filter(|e| e.item_type == ItemType::Entity)
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(codes, ["EXAMPLE-RADAR", "EXAMPLE-SATELLITES-AND-SENSORS"]);

    let a = read(
        "<p>商务部公告2031年第40号</p>\
         <p>商务部决定将示例材料公司等2家实体列入关注名单（见附件1），决定将示例光学公司移出关注名单（见附件2）。</p>\
         <p>本公告自公布之日起施行。</p><p>商务部</p><p>2031年10月9日</p>\
         <p>附件1</p><p>1．示例材料公司（Example Materials GmbH）</p><p>2．示例化工公司（Example Chemicals AG）</p>\
         <p>附件2</p><p>1．示例光学公司（Example Optics Co., Ltd.）</p>",
    );
    let parties: Vec<(&str, bool)> = a
        .entries
        .iter()
        .map(|e| (e.code.as_str(), e.removal))
        .collect();
    assert_eq!(
        parties,
        [
            ("EXAMPLE-MATERIALS", false),
            ("EXAMPLE-CHEMICALS", false),
            ("EXAMPLE-OPTICS", true)
        ]
    );
    assert!(a.doubts.is_empty(), "{:?}", a.doubts);
}

/// entities.md, patterns.md 17: a removal published only as a spokesperson's Q&A; the Q&A is
/// the evidence, and it says so.
#[test]
fn a_removal_published_only_as_a_qa() {
    let page = r#"<html><head><meta name="ArticleTitle" content="商务部新闻发言人就将有关实体移出关注名单答记者问"><meta name="PubDate" content="2031-07-02 17:30"></head><body>
<div class="art-con" ergodic="article"><p>问：请问商务部对此有何考虑？</p>
<p>答：示例光学公司积极配合核查。商务部决定将示例光学公司（Example Optics Co., Ltd.）移出关注名单，自2031年7月3日起生效。商务部此前将示例材料公司列入关注名单的决定不变。</p></div></body></html>"#;
    assert!(is_acting_qa_title(
        "商务部新闻发言人就将有关实体移出关注名单答记者问"
    ));
    let a = announcement(page).unwrap();
    assert_eq!(a.key, "QA-2031-702");
    assert_eq!(a.entries.len(), 1, "{:?}", a.entries);
    assert_eq!(
        (a.entries[0].code.as_str(), a.entries[0].removal),
        ("EXAMPLE-OPTICS", true)
    );
    assert_eq!(a.first_effective(), day(2031, 7, 3));
    assert!(
        kinds(&a.doubts).contains(&"removal-from-qa"),
        "{:?}",
        a.doubts
    );
}
