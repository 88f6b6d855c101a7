//! The machine's ceiling for the peer benchmark: the same requests regwatch makes (the index,
//! then every announcement page, conditional when an ETag is known), at the same concurrency,
//! and nothing else — no parsing beyond the links, no storage beyond a file of ETags.
//!
//! `cargo run --release --example minclient -- INDEX_URL CONCURRENCY ETAG_FILE`

use std::collections::HashMap;

use futures_util::{StreamExt, stream};

// One thread, as regwatch: on this work it beat a 2-worker runtime (0.02 vs 0.03 s for 1,000 pages).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let index = url::Url::parse(&args.next().ok_or("INDEX_URL")?)?;
    let concurrency: usize = args.next().ok_or("CONCURRENCY")?.parse()?;
    let etag_file = args.next().ok_or("ETAG_FILE")?;
    let known: HashMap<String, String> = std::fs::read_to_string(&etag_file)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let client = reqwest::Client::new();
    let body = client.get(index.clone()).send().await?.text().await?;
    let links: Vec<url::Url> = regex::Regex::new(r#"href="([^"]+)""#)?
        .captures_iter(&body)
        .filter_map(|c| index.join(&c[1]).ok())
        .collect();
    let results: Vec<(String, u16, Option<String>)> = stream::iter(links)
        .map(|u| {
            let client = client.clone();
            let etag = known.get(u.as_str()).cloned();
            async move {
                let mut req = client.get(u.clone());
                if let Some(e) = &etag {
                    req = req.header("If-None-Match", e);
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let new = resp
                            .headers()
                            .get("etag")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        let _ = resp.bytes().await;
                        (u.to_string(), status, new.or(etag))
                    }
                    Err(_) => (u.to_string(), 0, etag),
                }
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let ok = results.iter().filter(|r| r.1 == 200).count();
    let not_modified = results.iter().filter(|r| r.1 == 304).count();
    let etags: HashMap<String, String> = results
        .into_iter()
        .filter_map(|(u, _, e)| Some((u, e?)))
        .collect();
    std::fs::write(&etag_file, serde_json::to_string(&etags)?)?;
    println!("{ok} 200 · {not_modified} 304");
    Ok(())
}
