//! `regwatch try`: fetch a source once and show what would be extracted — links, announcements,
//! dates, entries, relations — and which selectors matched nothing. Writes nothing.

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::Result;
use serde_json::json;
use url::Url;

use super::{Ctx, Exit, Format, print, runtime, unsupported, usage};
use crate::config::{HttpUrl, SourceConfig};
use crate::extract::{self, Page, Profile, Reader};
use crate::fetch::{Fetched, Fetcher, Validators};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The source to try (its `id` in schedule.toml).
    source: Option<String>,
    /// Or a URL to try with a built-in profile (`--profile mofcom` or `page`).
    #[arg(long, conflicts_with = "source")]
    url: Option<String>,
    #[arg(long, value_enum, default_value = "mofcom", requires = "url")]
    profile: ProfileArg,
    /// How many of the announcements found to fetch and read.
    #[arg(long, default_value_t = 3)]
    limit: usize,
    #[arg(long, value_parser = super::formats(&["text", "json"]), default_value = "text")]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ProfileArg {
    Mofcom,
    Page,
}

async fn get(
    fetcher: &Fetcher,
    source: &SourceConfig,
    url: &Url,
) -> Result<(Vec<u8>, Option<String>, Url), String> {
    match fetcher
        .fetch_for(
            Some(&source.id.0),
            url,
            &Validators::default(),
            &|u: &Url| source.allows(u),
        )
        .await
    {
        Ok(Fetched::Page(resp)) => {
            let ct = resp.header("content-type").map(str::to_string);
            Ok((resp.body, ct, resp.final_url))
        }
        Ok(Fetched::NotModified) => Err("304 Not Modified without validators".into()),
        Err(e) => Err(e.to_string()),
    }
}

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    if !matches!(args.format, Format::Text | Format::Json) {
        return Err(unsupported("try", args.format, "text or json"));
    }
    let source: SourceConfig = match (&args.source, &args.url) {
        (Some(id), _) => ctx
            .config
            .source(id)
            .cloned()
            .ok_or_else(|| usage(format!("no source with id {id:?} in the configuration")))?,
        (None, Some(u)) => {
            let url = HttpUrl::try_from(u.clone()).map_err(usage)?;
            let profile = match args.profile {
                ProfileArg::Mofcom => "mofcom",
                ProfileArg::Page => "page",
            };
            let text = format!(
                "[[source]]\nid = \"try\"\nprofile = \"{profile}\"\nurl = {:?}\nschedule = \"0 * * * *\"\n",
                url.0.as_str()
            );
            crate::config::Config::parse(&text, "--url")
                .map_err(|e| usage(e.to_string()))?
                .sources
                .remove(0)
        }
        (None, None) => return Err(usage("name a source id, or give --url")),
    };
    let fetcher = Arc::new(
        Fetcher::for_sources(
            &ctx.config.http,
            &ctx.config.politeness,
            std::slice::from_ref(&source),
        )
        .map_err(|e| usage(e.to_string()))?,
    );
    let rt = runtime()?;
    // `{YYYY}` in a column URL is this year's column.
    let index_url = source
        .index_urls(ctx.today(None))
        .into_iter()
        .next()
        .unwrap_or_else(|| source.url.0.clone());
    let report = rt.block_on(try_source(&fetcher, &source, index_url, args.limit));
    let failed = report["problems"].as_array().is_some_and(|p| !p.is_empty());
    print(&match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report)?;
            s.push('\n');
            s
        }
        _ => text(&report),
    })?;
    Ok(if failed {
        Exit::SourcesFailed
    } else {
        Exit::Ok
    })
}

async fn try_source(
    fetcher: &Fetcher,
    source: &SourceConfig,
    index_url: Url,
    limit: usize,
) -> serde_json::Value {
    let reader = source.reader();
    let mut problems: Vec<String> = Vec::new();
    let mut selectors = Vec::new();
    let mut links: Vec<extract::IndexLink> = Vec::new();
    if source.profile == Profile::Page {
        links.push(extract::IndexLink {
            url: index_url.clone(),
            title: String::new(),
        });
    } else {
        // A column shell names its list call: follow it once (page 1).
        let mut to_read = Some(index_url.clone());
        while let Some(index_url) = to_read.take() {
            match get(fetcher, source, &index_url).await {
                Err(e) => problems.push(format!("index {index_url}: {e}")),
                Ok((body, ct, final_url)) => {
                    let page = Page {
                        url: &final_url,
                        body: &body,
                        content_type: ct.as_deref(),
                    };
                    if let (Reader::Generic { spec, .. }, Ok(html)) =
                        (&reader, extract::html(&page))
                    {
                        selectors.extend(diagnosed(
                            "index",
                            extract::generic::diagnose(spec, &html, true),
                        ));
                    }
                    match extract::index(&reader, &page) {
                        Ok((found, next)) => {
                            links = found;
                            match next {
                            Some(n)
                                if extract::cms::is_unit_call(&n)
                                    && extract::cms::page_of(&n) == 1 =>
                            {
                                selectors.push(
                                    json!({"page": "index", "name": "column list API", "url": n.as_str()}),
                                );
                                to_read = Some(n);
                            }
                            Some(n) => selectors.push(
                                json!({"page": "index", "name": "next page", "url": n.as_str()}),
                            ),
                            None => {}
                        }
                        }
                        Err(e) => problems.push(format!("index {index_url}: {e}")),
                    }
                }
            }
        }
    }
    let mut announcements = Vec::new();
    for link in links.iter().take(limit) {
        match get(fetcher, source, &link.url).await {
            Err(e) => problems.push(format!("{}: {e}", link.url)),
            Ok((body, ct, final_url)) => {
                let page = Page {
                    url: &final_url,
                    body: &body,
                    content_type: ct.as_deref(),
                };
                if let (Reader::Generic { spec, .. }, Ok(html)) = (&reader, extract::html(&page)) {
                    selectors.extend(diagnosed(
                        link.url.as_str(),
                        extract::generic::diagnose(spec, &html, false),
                    ));
                }
                match extract::announcement(&reader, &page) {
                    Ok(a) => announcements.push(json!({
                        "url": link.url.as_str(),
                        "key": a.key,
                        "title": a.title,
                        "issued": a.issued,
                        "effective": a.effective,
                        "entries": a.entries,
                        "relations": a.relations,
                        "text": (source.profile == Profile::Page).then_some(a.text),
                    })),
                    Err(e) => problems.push(format!("{}: {e}", link.url)),
                }
            }
        }
    }
    for s in &selectors {
        if s["matches"] == 0 && s["required"] == true {
            problems.push(format!(
                "{}: the {} selector {} matched nothing",
                s["page"].as_str().unwrap_or(""),
                s["name"].as_str().unwrap_or(""),
                s["selector"]
            ));
        }
    }
    json!({
        "source": source.id.0,
        "profile": source.profile.as_str(),
        "index": index_url.as_str(),
        "links": links.iter().map(|l| json!({"url": l.url.as_str(), "title": l.title})).collect::<Vec<_>>(),
        "announcements": announcements,
        "selectors": selectors,
        "problems": problems,
    })
}

fn diagnosed(page: &str, counts: Vec<(String, String, usize, bool)>) -> Vec<serde_json::Value> {
    counts
        .into_iter()
        .map(|(name, selector, n, required)| {
            json!({"page": page, "name": name, "selector": selector, "matches": n, "required": required})
        })
        .collect()
}

fn text(r: &serde_json::Value) -> String {
    let mut out = String::new();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let _ = writeln!(
        out,
        "{} ({}) · {} — nothing is written to the store",
        s(&r["source"]),
        s(&r["profile"]),
        s(&r["index"])
    );
    let links = r["links"].as_array().map_or(&[][..], Vec::as_slice);
    let _ = writeln!(out, "\n{} announcement link(s)", links.len());
    for l in links.iter().take(20) {
        let _ = writeln!(out, "  {}  {}", s(&l["url"]), s(&l["title"]));
    }
    for a in r["announcements"].as_array().map_or(&[][..], Vec::as_slice) {
        let _ = writeln!(out, "\n{}  {}", s(&a["key"]), s(&a["title"]));
        let _ = writeln!(out, "  {}", s(&a["url"]));
        let _ = writeln!(
            out,
            "  issued {} · effective {}",
            a["issued"].as_str().unwrap_or("?"),
            a["effective"]
                .as_array()
                .map(|e| e
                    .iter()
                    .filter_map(|x| x["date"].as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        );
        for e in a["entries"].as_array().map_or(&[][..], Vec::as_slice) {
            let hs: Vec<&str> = e["hs_codes"]
                .as_array()
                .map(|h| h.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<12} {:<10} {}{}",
                s(&e["code"]),
                s(&e["item_type"]),
                s(&e["description"]),
                if hs.is_empty() {
                    String::new()
                } else {
                    format!(" [HS {}]", hs.join(", "))
                }
            );
        }
        for rel in a["relations"].as_array().map_or(&[][..], Vec::as_slice) {
            let _ = writeln!(out, "  {} {}", s(&rel["kind"]), s(&rel["target"]));
        }
        if let Some(t) = a["text"].as_str() {
            let _ = writeln!(out, "  watched text:");
            for line in t.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let selectors = r["selectors"].as_array().map_or(&[][..], Vec::as_slice);
    if !selectors.is_empty() {
        let _ = writeln!(out, "\nselectors");
        for sel in selectors {
            if sel.get("matches").is_some() {
                let _ = writeln!(
                    out,
                    "  {:<12} {:<32} {:>4} match(es)  ({})",
                    s(&sel["name"]),
                    s(&sel["selector"]),
                    sel["matches"],
                    s(&sel["page"])
                );
            }
        }
    }
    let problems = r["problems"].as_array().map_or(&[][..], Vec::as_slice);
    if problems.is_empty() {
        let _ = writeln!(out, "\nno problems");
    } else {
        let _ = writeln!(out, "\nPROBLEMS");
        for p in problems {
            let _ = writeln!(out, "  ! {}", s(p));
        }
    }
    out
}
