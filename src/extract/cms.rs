//! MOFCOM's sites (www, aqygzj) as they are served: a column page is a JavaScript shell whose
//! list the browser fetches from the CMS's "unit" API as JSON, with the list markup inside
//! (`../shared/facts/mofcom-site.md` §1.2–1.4). Pure functions: the shell to the API call, the
//! API's answer to list items and pagination.

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::{ExtractError, IndexLink, meta_content};

/// The unit API's path on every JPaaS host.
pub const UNIT_PATH: &str = "/api-gateway/jpaas-publish-server/front/page/build/unit";
/// Rows per page, as the site's own pager asks (a larger size has dropped rows).
pub const PAGE_SIZE: u32 = 15;

/// The API call a column shell would make: its `<script url=… queryData=…>` element, whose
/// single-quoted JSON is sent as ordinary query parameters. `None` for a page that is not a shell.
pub fn shell_call(base: &Url, html: &str) -> Option<Url> {
    // A static list names neither: no second parse of the page the MOFCOM reader parses next.
    let lower = html.to_ascii_lowercase();
    if !lower.contains("querydata") && !lower.contains("colid") {
        return None;
    }
    let doc = Html::parse_document(html);
    let scripts = Selector::parse("script[url][querydata]").expect("static selector");
    let Some(script) = doc.select(&scripts).next() else {
        return known_site_call(base, &doc);
    };
    let endpoint = script.value().attr("url")?.trim();
    let query = script.value().attr("querydata")?;
    let data: serde_json::Map<String, Value> =
        serde_json::from_str(&query.replace('\'', "\"")).ok()?;
    let mut url = base.join(endpoint).ok()?;
    url.set_fragment(None);
    {
        let mut pairs = url.query_pairs_mut();
        pairs.clear();
        for (k, v) in &data {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => "null".to_string(),
                other => other.to_string(),
            };
            pairs.append_pair(k, &v);
        }
        // The column id is also in `<meta name="ColId">`; some shells leave it out of queryData.
        if !data.contains_key("pageId")
            && let Some(col) = meta_content(&doc, "ColId")
        {
            pairs.append_pair("pageId", &col);
        }
    }
    Some(url)
}

/// The sites' constants, recorded by scrapers that ran live (facts §1.4, §3): host, webId,
/// tplSetId, tagId of their paginated columns.
const KNOWN_SITES: &[(&str, &str, &str, &str)] = &[
    (
        "www.mofcom.gov.cn",
        "8f43c7ad3afc411fb56f281724b73708",
        "52551ea0e2c14bca8c84792f7aa37ead",
        "分页列表",
    ),
    (
        "aqygzj.mofcom.gov.cn",
        "b28941ad4e064442856787562c9a4961",
        "DDBav9QvwJVbs9iznQVmO",
        "信息列表",
    ),
];

/// A shell whose script element lost its `queryData` (a template change) still names its column
/// in `<meta name="ColId">`: on a site whose constants are known, that is enough for the call.
fn known_site_call(base: &Url, doc: &Html) -> Option<Url> {
    let page_id = meta_content(doc, "ColId")?;
    let host = base.host_str()?;
    let (_, known_web, tpl, tag) = KNOWN_SITES.iter().find(|(h, ..)| *h == host)?;
    let web = meta_content(doc, "WebId").unwrap_or_else(|| known_web.to_string());
    let mut url = base.join(UNIT_PATH).ok()?;
    url.query_pairs_mut()
        .clear()
        .append_pair("webId", &web)
        .append_pair("tplSetId", tpl)
        .append_pair("pageType", "column")
        .append_pair("tagId", tag)
        .append_pair("editType", "null")
        .append_pair("pageId", &page_id)
        .append_pair("parseType", "bulidstatic");
    Some(url)
}

/// Whether `url` is a call of the unit API (page 1 when it carries no `paramJson`).
pub fn is_unit_call(url: &Url) -> bool {
    url.path() == UNIT_PATH
}

/// The page number a unit call asks for.
pub fn page_of(url: &Url) -> u32 {
    url.query_pairs()
        .find(|(k, _)| k == "paramJson")
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| v.get("pageNo")?.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(1)
}

/// Page `n` of the list `first` asks for: the site's pager adds
/// `paramJson={"pageNo":N,"pageSize":15}` and drops `editType`.
pub fn page_url(first: &Url, n: u32) -> Url {
    let mut url = first.clone();
    let kept: Vec<(String, String)> = first
        .query_pairs()
        .filter(|(k, _)| k != "paramJson" && k != "editType")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut pairs = url.query_pairs_mut();
        pairs.clear();
        for (k, v) in &kept {
            pairs.append_pair(k, v);
        }
        pairs.append_pair(
            "paramJson",
            &format!("{{\"pageNo\":{n},\"pageSize\":{PAGE_SIZE}}}"),
        );
    }
    url
}

/// One page of a column's list, as the unit API returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPage {
    /// Every item of the list, in order: link and full title (the `title` attribute; the text
    /// may be cut short).
    pub items: Vec<IndexLink>,
    /// Items in the whole column (`count`), when the pagination says.
    pub count: Option<u32>,
    /// Items per page (`rows`).
    pub rows: Option<u32>,
    /// This page's number (`pageNo`).
    pub page_no: Option<u32>,
}

impl UnitPage {
    /// Pages in the column: ceil(count / rows).
    pub fn pages(&self) -> Option<u32> {
        let (count, rows) = (self.count?, self.rows.filter(|r| *r > 0)?);
        Some(count.div_ceil(rows))
    }
}

/// Reads the API's JSON: the envelope must say success (`success: true`, `code: "200"`) and
/// carry the list markup in `data.html`, with at least one item. Anything else is the page's
/// failure with its reason, never "the list is now empty".
pub fn read_unit(base: &Url, body: &[u8]) -> Result<UnitPage, ExtractError> {
    let bad = |why: String| ExtractError::ListApi(why);
    let text = String::from_utf8_lossy(body);
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| bad(format!("not JSON ({e})")))?;
    let success = v.get("success").and_then(Value::as_bool);
    let code = match v.get("code") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if success != Some(true) || code.as_deref().is_some_and(|c| c != "200") {
        let message = v
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        return Err(bad(format!(
            "the list API answered success={}, code={}{}",
            success.map_or("missing".to_string(), |s| s.to_string()),
            code.as_deref().unwrap_or("missing"),
            if message.is_empty() {
                String::new()
            } else {
                format!(", message {message:?}")
            }
        )));
    }
    let html = v
        .pointer("/data/html")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no data.html in the list API's answer".to_string()))?;
    let page = read_list_html(base, html);
    if page.items.is_empty() {
        return Err(bad(
            "the list API's answer lists no items; the column may have moved".to_string(),
        ));
    }
    Ok(page)
}

/// The items and pagination of a unit's list markup: `ul.txtList_01 > li` (any `li` with a link
/// when the class changes), each an `a[href][title]` and a `[YYYY-MM-DD]` date.
fn read_list_html(base: &Url, html: &str) -> UnitPage {
    let doc = Html::parse_fragment(html);
    let preferred = Selector::parse("ul.txtList_01 li a[href]").expect("static selector");
    let any = Selector::parse("li a[href]").expect("static selector");
    let mut anchors: Vec<_> = doc.select(&preferred).collect();
    if anchors.is_empty() {
        anchors = doc.select(&any).collect();
    }
    let mut items: Vec<IndexLink> = Vec::new();
    for a in anchors {
        let Some(url) = super::link_target(base, a) else {
            continue;
        };
        let text: String = a.text().collect();
        let title = a
            .value()
            .attr("title")
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)
            .unwrap_or(text);
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if !items.iter().any(|l| l.url == url) {
            items.push(IndexLink { url, title });
        }
    }
    let pagination = Selector::parse("div.pagination").expect("static selector");
    let attr = |name: &str| -> Option<u32> {
        doc.select(&pagination)
            .next()?
            .value()
            .attr(name)?
            .trim()
            .parse()
            .ok()
    };
    UnitPage {
        items,
        count: attr("count"),
        rows: attr("rows"),
        page_no: attr("pageno"),
    }
}

/// What a list answer says, without what changes on every call (`traceId`): the digest two
/// answers share when their lists are the same. `None` when `body` is not a unit answer.
pub fn content_key(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let html = v.pointer("/data/html")?.as_str()?;
    let canonical: String = html.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(crate::store::sha256_hex(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: &str = r#"<html><head><meta name="ColId" content="fc8bdff48fa345a48b651c1285b70b8f"></head><body>
<aside class="jgRBox"><section class="rColumnBox"><ul><li><a href="/zcjd/art/2025/art_1.html">商务部公告2025年第62号政策解读</a> [2025-10-09]</li></ul></section></aside>
<section class="listCon"><div id="unit"></div></section>
<script>var authorizedReadUnitId = "37a5975a0f3b4c2d9e8f7a6b5c4d3e2f";</script>
<script id="37a5975a0f3b4c2d9e8f7a6b5c4d3e2f" src="/cms_files/default/script/AuthorizedRead/unitbuild.js?v=4.3.0-SWB-U19" url="/api-gateway/jpaas-publish-server/front/page/build/unit" parseType="bulidstatic" queryData="{'webId':'8f43c7ad3afc411fb56f281724b73708','tplSetId':'52551ea0e2c14bca8c84792f7aa37ead','pageType':'column','tagId':'分页列表','editType':'null','pageId':'fc8bdff48fa345a48b651c1285b70b8f'}"></script>
</body></html>"#;

    fn base() -> Url {
        Url::parse("https://www.mofcom.gov.cn/zwgk/zcfb/index.html").unwrap()
    }

    #[test]
    fn a_shell_gives_the_call_its_script_would_make() {
        let call = shell_call(&base(), SHELL).unwrap();
        assert!(is_unit_call(&call));
        assert_eq!(call.host_str(), Some("www.mofcom.gov.cn"));
        let q: Vec<(String, String)> = call
            .query_pairs()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert!(q.contains(&("tagId".into(), "分页列表".into())), "{q:?}");
        assert!(q.contains(&("pageId".into(), "fc8bdff48fa345a48b651c1285b70b8f".into())));
        assert!(q.contains(&("editType".into(), "null".into())));
        assert_eq!(page_of(&call), 1);
        let two = page_url(&call, 2);
        assert_eq!(page_of(&two), 2);
        assert!(!two.query_pairs().any(|(k, _)| k == "editType"));
        assert!(
            two.as_str()
                .contains("paramJson=%7B%22pageNo%22%3A2%2C%22pageSize%22%3A15%7D"),
            "{two}"
        );
        assert!(
            shell_call(
                &base(),
                "<html><body><ul><li><a href='/a'>x</a></li></ul></body></html>"
            )
            .is_none()
        );
        // Without the script's queryData, the column id and the site's known constants do.
        let bare = r#"<html><head><meta name="ColId" content="fc8bdff48fa345a48b651c1285b70b8f"></head><body></body></html>"#;
        let call = shell_call(&base(), bare).unwrap();
        let has = |k: &str, v: &str| call.query_pairs().any(|(a, b)| a == k && b == v);
        assert!(has("pageId", "fc8bdff48fa345a48b651c1285b70b8f"));
        assert!(has("tplSetId", "52551ea0e2c14bca8c84792f7aa37ead"));
        let elsewhere = Url::parse("https://example.gov/list/index.html").unwrap();
        assert!(shell_call(&elsewhere, bare).is_none());
    }

    fn answer(html: &str, trace: &str) -> Vec<u8> {
        serde_json::json!({
            "roles": null, "permissions": null, "success": true, "message": "操作成功",
            "code": "200", "data": {"html": html}, "traceId": trace
        })
        .to_string()
        .into_bytes()
    }

    const LIST: &str = r#"<div id="分页列表"><div class="page-content"><ul class="txtList_01">
<li><a href="/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html" title="商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定" target="_blank">商务部公告2025年第62号 关于对稀土相关技术实施出口管制…</a><span>[2025-10-09]</span></li>
<li><a href="/zwgk/zcfb/art/2025/art_0000000000000000000000000000aaaa.html" title="关于印发《对外贸易统计工作规范》的通知">关于印发《对外贸易统计工作规范》的通知</a><span>[2025-10-08]</span></li>
</ul></div><div class="pagination" rows="15" count="2263" pageNo="1" unitid="x" unitUrl="/api-gateway/jpaas-publish-server/front/page/build/unit" queryData="{}"></div></div>"#;

    #[test]
    fn an_answer_gives_items_and_pages() {
        let page = read_unit(&base(), &answer(LIST, "a1")).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            page.items[0].title,
            "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定"
        );
        assert_eq!(
            page.items[0].url.as_str(),
            "https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html"
        );
        assert_eq!(
            (page.count, page.rows, page.page_no),
            (Some(2263), Some(15), Some(1))
        );
        assert_eq!(page.pages(), Some(151));
    }

    #[test]
    fn the_same_list_has_the_same_key_whatever_the_trace_id() {
        let a = content_key(&answer(LIST, "a1")).unwrap();
        let b = content_key(&answer(LIST, "b2")).unwrap();
        assert_eq!(a, b);
        let c = content_key(&answer(&LIST.replace("2025-10-08", "2025-10-07"), "c3")).unwrap();
        assert_ne!(a, c);
        assert_eq!(content_key(b"<html></html>"), None);
    }

    #[test]
    fn failures_say_why() {
        let err = |body: &[u8]| read_unit(&base(), body).unwrap_err().to_string();
        let failed = serde_json::json!({"success": false, "code": "500", "message": "系统繁忙", "data": null, "traceId": "x"});
        let e = err(failed.to_string().as_bytes());
        assert!(
            e.contains("success=false") && e.contains("code=500") && e.contains("系统繁忙"),
            "{e}"
        );
        assert!(err(b"<html>maintenance</html>").contains("not JSON"));
        assert!(err(&answer("<div class=\"page-content\"></div>", "t")).contains("lists no items"));
        let no_html = serde_json::json!({"success": true, "code": "200", "data": {}});
        assert!(err(no_html.to_string().as_bytes()).contains("no data.html"));
    }
}
