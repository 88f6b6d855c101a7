//! Extraction throughput: a typical MOFCOM announcement page (charset detection, HTML parse,
//! header block, dates, relations, coded entries, measures) and a generated page read by the
//! generic profile, as in the peer benchmark. `cargo bench --bench extract` prints time per page
//! and bytes per second.

use divan::counter::BytesCount;
use regwatch::extract::{self, Page, Reader};
use url::Url;

fn main() {
    divan::main();
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn bench_page(bencher: divan::Bencher, reader: &Reader, body: &[u8]) {
    let url = Url::parse("https://www.mofcom.gov.cn/zwgk/zcfb/art/2025/a.html").expect("url");
    bencher.counter(BytesCount::new(body.len())).bench(|| {
        let page = Page {
            url: &url,
            body: divan::black_box(body),
            content_type: Some("text/html; charset=utf-8"),
        };
        extract::announcement(reader, &page).expect("extracts")
    });
}

#[divan::bench]
fn mofcom_no_58_batteries(bencher: divan::Bencher) {
    let body = read(
        "snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_c37e5f1a2b8d4e6f9a0b1c2d3e4f5a58.html",
    );
    bench_page(bencher, &Reader::Mofcom, &body);
}

#[divan::bench]
fn mofcom_no_18_rare_earths(bencher: divan::Bencher) {
    let body = read(
        "snapshots/mofcom/2025-04-04/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html",
    );
    bench_page(bencher, &Reader::Mofcom, &body);
}

#[divan::bench]
fn generic_table_page(bencher: divan::Bencher) {
    let body =
        read("tests/fixtures/sites/generic/2026-01-05/www.trade-a.example/notices/n-12.html");
    let config = regwatch::config::Config::parse(
        r#"
[[source]]
id = "a"
profile = "generic"
regime = "xa"
url = "https://www.trade-a.example/notices/index.html"
schedule = "0 * * * *"
[source.generic]
links = "table.list td a"
title = "h1.title"
key = 'No\. (?P<number>\d+) of (?P<year>\d{4})'
authority = "XTA"
date = "p.meta"
date_format = "%d/%m/%Y"
body = "div.content"
rows = "table.items tr"
code = "td:nth-child(1)"
description = "td:nth-child(2)"
customs = "td:nth-child(3)"
"#,
        "bench",
    )
    .expect("config");
    bench_page(bencher, &config.sources[0].reader(), &body);
}
