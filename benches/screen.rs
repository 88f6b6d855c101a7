//! `regwatch screen --file`: 10,000 names against 5,000 listed parties (target: under a second).
//! Run with `cargo bench --bench screen`.

use regwatch::diff::list::{ListedEntry, Status};
use regwatch::model::ItemType;
use regwatch::screen::Screener;

fn main() {
    divan::main();
}

const WORDS: &[&str] = &[
    "aero",
    "systems",
    "global",
    "dynamics",
    "precision",
    "optics",
    "micro",
    "quantum",
    "defense",
    "analytics",
    "marine",
    "robotics",
    "photonics",
    "materials",
    "energy",
    "labs",
    "security",
    "electronics",
    "space",
    "networks",
    "advanced",
    "pacific",
    "atlantic",
    "northern",
    "united",
];

/// A made-up word from a number, as varied as real company names are.
fn coined(n: usize) -> String {
    const SYL: &[&str] = &[
        "ka", "ro", "tel", "vin", "dar", "mo", "sen", "lux", "qua", "ber", "nor", "zi",
    ];
    let mut w = String::new();
    let mut k = n;
    for _ in 0..3 {
        w.push_str(SYL[k % SYL.len()]);
        k /= SYL.len();
    }
    w
}

/// A made-up company name from a number: a coined word, common words and a legal form.
fn company(n: usize) -> String {
    let w = |k: usize| WORDS[(n / k) % WORDS.len()];
    let forms = ["Inc.", "LLC", "Co., Ltd.", "GmbH", "Corporation"];
    format!("{} {} {} {}", coined(n), w(1), w(7), forms[n % forms.len()])
}

fn parties(n: usize) -> Vec<ListedEntry> {
    (0..n)
        .map(|i| ListedEntry {
            regime: "cn-unreliable-entity".into(),
            code: format!("P{i}"),
            description: format!("示例公司{i}（{}）", company(i)),
            description_en: String::new(),
            description_en_source: regwatch::gloss::Source::Gloss,
            item_type: ItemType::Entity,
            hs_codes: vec![],
            status: Status::InForce,
            effective_from: None,
            until: None,
            announcement: "UEL-2031-7".into(),
            status_by: "UEL-2031-7".into(),
            since: None,
            url: None,
        })
        .collect()
}

#[divan::bench(sample_count = 5)]
fn ten_thousand_names_against_five_thousand_parties(bencher: divan::Bencher) {
    let listed = parties(5_000);
    // Half of them listed under another spelling, half not listed at all.
    let names: Vec<String> = (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                company(i / 2).to_uppercase().replace(['.', ','], "")
            } else {
                format!("Unlisted {} Trading {i}", WORDS[i % WORDS.len()])
            }
        })
        .collect();
    bencher.bench(|| {
        let screener = Screener::new(&listed);
        let hits: usize = names.iter().map(|n| screener.screen(n).len()).sum();
        divan::black_box(hits)
    });
}
