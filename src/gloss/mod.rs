//! English beside the Chinese: a gloss of export-control text from a built-in glossary
//! (`glossary.txt`, data in the crate). A gloss is not a translation and is always labelled so;
//! any term the glossary does not know stays visibly in Chinese. The Chinese text prevails.
//!
//! The glossary has three kinds of lines:
//! - `@钐 = samarium`: an element or material for `{E}` in terms;
//! - `{E}金属 = {E} metal`, `冶炼分离 = smelting and separation`: terms, matched longest first;
//! - `~用于(.+?)的(设备|技术) = $2 for $1`: patterns for Chinese word order, tried before terms
//!   (earliest match first, then file order); each capture is glossed in turn.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// The glossary as shipped.
const GLOSSARY: &str = include_str!("glossary.txt");

/// Where an English text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// MOFCOM's own English version of the announcement.
    Official,
    /// regwatch's glossary: word by word, not a translation.
    Gloss,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Official => "official",
            Source::Gloss => "gloss",
        }
    }
}

/// A parsed glossary.
pub struct Glossary {
    terms: HashMap<String, String>,
    longest: usize,
    patterns: Vec<(Regex, String)>,
}

impl Glossary {
    /// Parses glossary lines; a malformed line is an error naming it (the shipped glossary is
    /// checked by a test).
    pub fn parse(text: &str) -> Result<Glossary, String> {
        let mut elements: Vec<(String, String)> = Vec::new();
        let mut terms = HashMap::new();
        let mut templates: Vec<(String, String)> = Vec::new();
        let mut patterns = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((zh, en)) = line.split_once(" = ") else {
                return Err(format!("glossary line {}: no ` = ` in {line:?}", n + 1));
            };
            let (zh, en) = (zh.trim(), en.trim());
            if let Some(e) = zh.strip_prefix('@') {
                elements.push((e.to_string(), en.to_string()));
            } else if let Some(p) = zh.strip_prefix('~') {
                let re = Regex::new(p)
                    .map_err(|e| format!("glossary line {}: bad pattern: {e}", n + 1))?;
                patterns.push((re, en.to_string()));
            } else if zh.contains("{E}") {
                templates.push((zh.to_string(), en.to_string()));
            } else {
                terms.insert(zh.to_string(), en.to_string());
            }
        }
        for (zh, en) in &templates {
            for (ezh, een) in &elements {
                terms
                    .entry(zh.replace("{E}", ezh))
                    .or_insert_with(|| en.replace("{E}", een));
            }
        }
        for (ezh, een) in elements {
            terms.entry(ezh).or_insert(een);
        }
        let longest = terms.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        Ok(Glossary {
            terms,
            longest,
            patterns,
        })
    }

    /// The gloss of `text`: patterns, then terms longest first; unknown Chinese kept as is.
    pub fn gloss(&self, text: &str) -> String {
        // Clause by clause: patterns read one clause's word order.
        let clauses: Vec<String> = text
            .split_inclusive(['；', '。'])
            .map(|c| {
                let (body, end) = match c.strip_suffix('；') {
                    Some(b) => (b, ";"),
                    None => match c.strip_suffix('。') {
                        Some(b) => (b, "."),
                        None => (c, ""),
                    },
                };
                format!("{}{end}", tidy(&self.words(body.trim(), 0)))
            })
            .collect();
        let out = clauses.join(" ");
        out.trim_end_matches([';', ' ']).to_string()
    }

    fn words(&self, text: &str, depth: usize) -> String {
        if text.is_empty() {
            return String::new();
        }
        // The earliest pattern match (file order breaks ties), glossed around and inside.
        if depth < 8 {
            let found = self
                .patterns
                .iter()
                .filter_map(|(re, to)| re.captures(text).map(|c| (c, to)))
                .min_by_key(|(c, _)| c.get(0).map_or(usize::MAX, |m| m.start()));
            if let Some((c, to)) = found {
                let m = c.get(0).expect("a match has group 0");
                if !m.as_str().is_empty() {
                    let mut inner = to.clone();
                    for i in (1..c.len()).rev() {
                        let g = c.get(i).map_or("", |g| g.as_str());
                        inner = inner.replace(&format!("${i}"), &self.words(g, depth + 1));
                    }
                    return format!(
                        "{} {inner} {}",
                        self.words(&text[..m.start()], depth + 1),
                        self.words(&text[m.end()..], depth + 1)
                    );
                }
            }
        }
        self.terms_of(text)
    }

    fn terms_of(&self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if let Some(p) = punctuation(c) {
                out.push_str(p);
                i += 1;
                continue;
            }
            if c.is_ascii() {
                out.push(c);
                i += 1;
                continue;
            }
            let mut matched = None;
            for len in (1..=self.longest.min(chars.len() - i)).rev() {
                let s: String = chars[i..i + len].iter().collect();
                if let Some(en) = self.terms.get(&s) {
                    matched = Some((len, en));
                    break;
                }
            }
            match matched {
                Some((len, en)) => {
                    out.push(' ');
                    out.push_str(en);
                    out.push(' ');
                    i += len;
                }
                None => {
                    // Unknown: kept in Chinese, as one run.
                    if !out.ends_with(|c: char| !c.is_ascii()) {
                        out.push(' ');
                    }
                    out.push(c);
                    if chars
                        .get(i + 1)
                        .is_none_or(|n| n.is_ascii() || punctuation(*n).is_some())
                    {
                        out.push(' ');
                    }
                    i += 1;
                }
            }
        }
        out
    }
}

/// Chinese punctuation in English.
fn punctuation(c: char) -> Option<&'static str> {
    Some(match c {
        '、' | '，' => ", ",
        '；' => "; ",
        '：' => ": ",
        '。' => ". ",
        '（' => " (",
        '）' => ") ",
        '《' => " “",
        '》' => "” ",
        '“' => " “",
        '”' => "” ",
        '／' => "/",
        '％' => "%",
        _ => return None,
    })
}

/// Spaces as English wants them: one between words, none before `,;:.)%` or after `(“`.
fn tidy(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let glue_left = w.starts_with([',', ';', ':', '.', ')', '%', '”']);
        if !out.is_empty() && !glue_left && !out.ends_with(['(', '“', '/']) {
            out.push(' ');
        }
        out.push_str(w);
    }
    // `and and`, `, ,` from adjacent terms.
    let mut out = out.replace(",,", ",").replace(" ,", ",");
    while out.ends_with([',', ';', ':']) {
        out.pop();
    }
    out
}

static SHIPPED: LazyLock<Glossary> =
    LazyLock::new(|| Glossary::parse(GLOSSARY).expect("the shipped glossary parses (tested)"));

/// Glosses already made, by text: reports gloss the same descriptions many times.
static MEMO: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Default::default);

/// The gloss of a Chinese text by the shipped glossary.
pub fn gloss(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_string();
    }
    if let Some(g) = MEMO.lock().expect("memo lock").get(text) {
        return g.clone();
    }
    let g = SHIPPED.gloss(text);
    let mut memo = MEMO.lock().expect("memo lock");
    if memo.len() > 100_000 {
        memo.clear();
    }
    memo.insert(text.to_string(), g.clone());
    g
}

/// Whether a character is a CJK ideograph (what a reader without Chinese cannot read).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// A party's English: the English name its description carries (`中文（English）`, a branch
/// `English，中文的分支机构`), else the gloss of its Chinese name.
pub fn party(description: &str) -> String {
    let names = crate::screen::names_of(description);
    let english = names
        .iter()
        .rev()
        .find(|n| !n.chars().any(is_cjk) && !n.is_empty())
        .cloned();
    let base = english.unwrap_or_else(|| gloss(names.first().map_or(description, |n| n)));
    match description.split_once('，') {
        Some((_, parent)) if parent.ends_with("的分支机构") => {
            let parent = parent.trim_end_matches("的分支机构");
            format!("{base}, a branch of {}", party(parent))
        }
        _ => base,
    }
}

/// The English of an entry's description: the official translation when there is one, else a
/// party's English name or a gloss.
pub fn entry(
    description: &str,
    item_type: crate::model::ItemType,
    official: Option<&str>,
) -> (String, Source) {
    if let Some(o) = official.filter(|o| !o.trim().is_empty()) {
        return (o.to_string(), Source::Official);
    }
    // A list published in English (the US, the EU) is its own English.
    if !description.is_empty() && !description.chars().any(is_cjk) {
        return (description.to_string(), Source::Official);
    }
    match item_type {
        crate::model::ItemType::Entity => {
            // A party's English name as the ministry wrote it is its own; a glossed Chinese name
            // is not.
            let en = party(description);
            let own = !en.chars().any(is_cjk)
                && description.contains(en.split(", a branch of").next().unwrap_or(&en));
            (en, if own { Source::Official } else { Source::Gloss })
        }
        _ => (gloss(description), Source::Gloss),
    }
}

/// The English of an announcement's title: its citation, then the gloss of what it is about
/// (`关于……的决定` → `Decision on …`).
pub fn title(title: &str, citation: &str) -> String {
    let about = match title.find("关于") {
        Some(i) => &title[i..],
        None => "",
    };
    if about.is_empty() {
        return citation.to_string();
    }
    let g = gloss(about);
    let mut chars = g.chars();
    let g = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => g,
    };
    format!("{citation} — {g}")
}

#[cfg(test)]
mod tests;
