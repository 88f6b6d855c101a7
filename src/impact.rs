//! What a change means for the products a company ships: which listed entries may cover each
//! product (by customs code, control code or keyword), and which products and watches a change
//! touches. Pure: the caller supplies the list on a date and the products.
//!
//! Matching, as a compliance analyst screens a product against a control list:
//! - customs (HS) codes by prefix at the 4, 6, 8 or 10-digit level, either way round (a product
//!   declared under 85076000 is covered by an entry listing 8507600010, and by one listing 8507);
//! - control codes exactly or by family (`1C902` covers `1C902.a` and `1C902.a.1`);
//! - keywords, in Chinese or English, against the entry's Chinese text and its English (official
//!   or gloss), without case, spaces or hyphens (`钐钴` and `samarium-cobalt` both find the
//!   samarium-cobalt magnets of 1C902.a). Some controls carry no customs codes at all, so
//!   keywords and codes matter as much as HS codes;
//! - parties (watches only), through the screener.

use serde::{Deserialize, Serialize};

use crate::diff::list::ListedEntry;
use crate::model::ItemType;

/// A product as a company describes it: `products.csv`, one a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub hs_codes: Vec<String>,
    pub control_codes: Vec<String>,
    pub keywords: Vec<String>,
}

/// A named interest (`[[watch]]` in the configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    pub name: String,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub hs_prefixes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Only entries of these lists (all when empty).
    #[serde(default)]
    pub regimes: Vec<String>,
    /// Parties, by any of their names (matched as `screen` matches: exact or partial).
    #[serde(default)]
    pub parties: Vec<String>,
}

/// Reads a products file: a CSV with a header naming (in any order) `id`, `name`, `hs_codes`,
/// `control_codes`, `keywords`; several values in one cell separated by `;`, `|` or spaces (a
/// keyword with spaces: separate keywords with `;`). A UTF-8 BOM is allowed.
pub fn parse_products(text: &str) -> Result<Vec<Product>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("products file: {e}"))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(id), Some(name)) = (col("id"), col("name")) else {
        return Err(
            "products file: the header must name the columns id and name (and any of hs_codes, control_codes, keywords)"
                .to_string(),
        );
    };
    let (hs, codes, keywords) = (col("hs_codes"), col("control_codes"), col("keywords"));
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| format!("products file, row {}: {e}", i + 2))?;
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or("").to_string();
        let list = |c: Option<usize>, spaces: bool| -> Vec<String> {
            cell(c)
                .split(|ch: char| {
                    ch == ';' || ch == '|' || ch == '；' || (spaces && ch.is_whitespace())
                })
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let p = Product {
            id: cell(Some(id)),
            name: cell(Some(name)),
            hs_codes: list(hs, true)
                .into_iter()
                .map(|h| h.chars().filter(char::is_ascii_digit).collect())
                .filter(|h: &String| h.len() >= 4)
                .collect(),
            control_codes: list(codes, true),
            keywords: list(keywords, false),
        };
        if p.id.is_empty() {
            return Err(format!("products file, row {}: no id", i + 2));
        }
        out.push(p);
    }
    Ok(out)
}

/// Case, spaces and hyphens set aside: `Samarium-Cobalt` and `samarium cobalt` are one word.
pub fn fold(s: &str) -> String {
    crate::extract::text::normalise(s)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '‐')
        .collect()
}

/// Why an HS code of a product and one of an entry match, if they do.
fn hs_match(product: &str, entry: &str) -> Option<String> {
    let entry: String = entry.chars().filter(char::is_ascii_digit).collect();
    let (short, long) = if product.len() <= entry.len() {
        (product, entry.as_str())
    } else {
        (entry.as_str(), product)
    };
    (short.len() >= 4 && long.starts_with(short)).then(|| {
        if product == entry {
            format!("HS {product}")
        } else {
            format!("HS {product} ~ {entry} (first {} digits)", short.len())
        }
    })
}

/// Why a control code (of a product or a watch) covers an entry's code, if it does.
fn code_match(code: &str, entry: &str) -> Option<String> {
    let (c, e) = (code.trim(), entry.trim());
    if c.is_empty() {
        return None;
    }
    if c.eq_ignore_ascii_case(e) {
        return Some(format!("control code {e}"));
    }
    let family = |parent: &str, child: &str| {
        child.len() > parent.len()
            && child[..parent.len()].eq_ignore_ascii_case(parent)
            && child[parent.len()..].starts_with('.')
    };
    if family(c, e) {
        return Some(format!("control code {c} covers {e}"));
    }
    if family(e, c) {
        return Some(format!("control code {c} is in {e}"));
    }
    None
}

/// Why a keyword finds an entry (in its Chinese or its English), if it does.
fn keyword_match(keyword: &str, e: &ListedEntry) -> Option<String> {
    let k = fold(keyword);
    if k.is_empty() {
        return None;
    }
    if fold(&e.description).contains(&k) {
        return Some(format!(
            "keyword \u{201c}{keyword}\u{201d} in the Chinese text"
        ));
    }
    if fold(&e.description_en).contains(&k) {
        return Some(format!(
            "keyword \u{201c}{keyword}\u{201d} in the English ({})",
            e.description_en_source.as_str()
        ));
    }
    None
}

/// Why `e` may cover product `p`: every reason found (none: it does not).
pub fn product_reasons(p: &Product, e: &ListedEntry) -> Vec<String> {
    if matches!(e.item_type, ItemType::Entity) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for h in &p.hs_codes {
        out.extend(e.hs_codes.iter().filter_map(|x| hs_match(h, x)));
    }
    out.extend(
        p.control_codes
            .iter()
            .filter_map(|c| code_match(c, &e.code)),
    );
    out.extend(p.keywords.iter().filter_map(|k| keyword_match(k, e)));
    out.dedup();
    out
}

/// Why `e` concerns watch `w` (none: it does not).
pub fn watch_reasons(w: &Watch, e: &ListedEntry) -> Vec<String> {
    if !w.regimes.is_empty() && !w.regimes.contains(&e.regime) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if e.item_type == ItemType::Entity {
        let hits = crate::screen::screen_one(&w.parties, e);
        out.extend(hits);
        return out;
    }
    for h in &w.hs_prefixes {
        let h: String = h.chars().filter(char::is_ascii_digit).collect();
        out.extend(e.hs_codes.iter().filter_map(|x| hs_match(&h, x)));
    }
    out.extend(w.codes.iter().filter_map(|c| code_match(c, &e.code)));
    out.extend(w.keywords.iter().filter_map(|k| keyword_match(k, e)));
    out
}

/// What one listed entry touches: the products and watches it may concern.
pub fn touches(e: &ListedEntry, products: &[Product], watches: &[Watch]) -> Vec<String> {
    let mut out: Vec<String> = products
        .iter()
        .filter(|p| !product_reasons(p, e).is_empty())
        .map(|p| format!("product {}", p.id))
        .collect();
    out.extend(
        watches
            .iter()
            .filter(|w| !watch_reasons(w, e).is_empty())
            .map(|w| format!("watch {}", w.name)),
    );
    out
}

/// One product's exposure: the entries that may cover it on the date, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure<'a> {
    pub product: &'a Product,
    pub entries: Vec<Covered<'a>>,
}

/// An entry that may cover a product.
#[derive(Debug, Clone, Serialize)]
pub struct Covered<'a> {
    pub entry: &'a ListedEntry,
    pub why: Vec<String>,
}

/// Per product, the entries of `list` that may cover it.
pub fn exposures<'a>(products: &'a [Product], list: &'a [ListedEntry]) -> Vec<Exposure<'a>> {
    products
        .iter()
        .map(|p| Exposure {
            product: p,
            entries: list
                .iter()
                .filter_map(|e| {
                    let why = product_reasons(p, e);
                    (!why.is_empty()).then_some(Covered { entry: e, why })
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::list::Status;

    fn entry(code: &str, zh: &str, en: &str, hs: &[&str]) -> ListedEntry {
        ListedEntry {
            regime: "cn-dual-use".into(),
            code: code.into(),
            description: zh.into(),
            description_en: en.into(),
            description_en_source: crate::gloss::Source::Gloss,
            item_type: ItemType::Material,
            hs_codes: hs.iter().map(|s| s.to_string()).collect(),
            status: Status::InForce,
            effective_from: None,
            until: None,
            announcement: "MOFCOM-2025-18".into(),
            status_by: "MOFCOM-2025-18".into(),
            since: None,
            url: None,
        }
    }

    #[test]
    fn products_from_csv() {
        let p = parse_products(
            "\u{feff}id,name,hs_codes,control_codes,keywords\nM1,SmCo magnet,,,\"钐钴; samarium-cobalt\"\nB2,cell,\"8507 6000\",3A001,\nX,nothing,,,\n",
        )
        .unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].keywords, ["钐钴", "samarium-cobalt"]);
        assert_eq!(p[1].hs_codes, ["8507", "6000"]);
        assert!(parse_products("name\nx\n").is_err());
    }

    #[test]
    fn hs_codes_by_prefix_control_codes_by_family_keywords_in_both_languages() {
        let e = entry(
            "1C902.a",
            "钐金属、合金及相关产品：4.钐钴永磁体等钐磁性材料",
            "Samarium metal, alloys and related products, including samarium-cobalt permanent magnets",
            &["8505111000"],
        );
        let p = |hs: &[&str], codes: &[&str], kw: &[&str]| Product {
            id: "p".into(),
            name: "p".into(),
            hs_codes: hs.iter().map(|s| s.to_string()).collect(),
            control_codes: codes.iter().map(|s| s.to_string()).collect(),
            keywords: kw.iter().map(|s| s.to_string()).collect(),
        };
        assert!(!product_reasons(&p(&["85051110"], &[], &[]), &e).is_empty());
        assert!(!product_reasons(&p(&["8505"], &[], &[]), &e).is_empty());
        assert!(
            product_reasons(&p(&["850"], &[], &[]), &e).is_empty(),
            "3 digits are no level"
        );
        assert!(product_reasons(&p(&["85061000"], &[], &[]), &e).is_empty());
        assert!(!product_reasons(&p(&[], &["1C902"], &[]), &e).is_empty());
        assert!(!product_reasons(&p(&[], &["1c902.A"], &[]), &e).is_empty());
        assert!(product_reasons(&p(&[], &["1C90"], &[]), &e).is_empty());
        assert!(product_reasons(&p(&[], &["1C902.b"], &[]), &e).is_empty());
        assert!(!product_reasons(&p(&[], &[], &["钐钴"]), &e).is_empty());
        assert!(!product_reasons(&p(&[], &[], &["Samarium Cobalt"]), &e).is_empty());
        assert!(product_reasons(&p(&[], &[], &["neodymium"]), &e).is_empty());
    }
}
