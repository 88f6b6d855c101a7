//! `regwatch evidence KEY|CHANGE-ID --out FILE` and `regwatch verify FILE`: proof of what the
//! ministry's pages said, in one file anyone can check.

use std::collections::HashMap;
use std::io::Write as _;

use anyhow::{Context, Result};

use super::{Ctx, Exit, print, usage};
use crate::clock::format_time;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// An announcement key (`MOFCOM-2025-62`) or a change id (`c…`).
    subject: String,
    /// Where to write the bundle (a tar file).
    #[arg(long, value_name = "FILE")]
    out: std::path::PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle to check.
    file: std::path::PathBuf,
}

const README: &str = "This is a regwatch evidence bundle.

pages/<id>/body       every stored version of the pages behind the announcement, byte for byte
                      as the server sent them (after transfer decoding)
pages/<id>/meta.json  its URL, final URL, HTTP status, response headers, SHA-256 and the times
                      regwatch first and last saw that version
texts/v<n>.txt        each version of the announcement's text as regwatch read it
announcement.json     what regwatch extracted (dates, entries, relations, doubts, corrections)
changes.json          the changes it recorded, with their ids, citations and evidence hashes
manifest.json         the SHA-256 of every other file, and of itself (its own hash zeroed)

Check it with `regwatch verify <file>`, or by hand: `sha256sum` each file against manifest.json,
and each page's body against the sha256 in its meta.json. The Chinese text prevails over any
English regwatch shows.
";

pub fn run(ctx: &Ctx, args: &Args) -> Result<Exit> {
    let store = ctx.open_store()?;
    let all_changes = store.changes(None, None)?;
    let subject = args.subject.trim();
    let key = match all_changes.iter().find(|c| c.uid == subject) {
        Some(c) => c.announcement.clone(),
        None => subject.to_ascii_uppercase(),
    };
    let Some(a) = store.announcement(&key)?.or(store.announcement(subject)?) else {
        return Err(usage(format!(
            "no announcement or change {subject:?} (`regwatch announcements`, `regwatch changes` list them)"
        )));
    };
    let key = a.key.clone();
    let corrections = store.corrections()?;
    let changes: Vec<_> = all_changes
        .iter()
        .filter(|c| c.announcement == key)
        .cloned()
        .collect();
    let announcements: HashMap<_, _> = store.announcements_by_key()?;
    let versions = store.versions_of(&a.urls, &store.change_snapshots(&key)?)?;
    let texts = store.text_versions(&key)?;

    let mut files: Vec<(String, Vec<u8>)> = vec![("README.txt".into(), README.as_bytes().to_vec())];
    for v in &versions {
        files.push((format!("pages/{}/body", v.id), v.body.clone()));
        let meta = serde_json::json!({
            "url": v.url,
            "final_url": v.final_url,
            "status": v.status,
            "headers": v.headers,
            "sha256": v.sha256,
            "bytes": v.body.len(),
            "first_seen": v.first_seen,
            "last_seen": v.last_seen,
        });
        files.push((
            format!("pages/{}/meta.json", v.id),
            serde_json::to_vec_pretty(&meta)?,
        ));
    }
    for t in &texts {
        files.push((
            format!("texts/v{}.txt", t.version),
            t.text.clone().into_bytes(),
        ));
    }
    files.push((
        "texts/versions.json".into(),
        serde_json::to_vec_pretty(
            &texts
                .iter()
                .map(|t| serde_json::json!({"version": t.version, "page_sha256": t.sha256, "url": t.url, "observed_at": t.observed_at}))
                .collect::<Vec<_>>(),
        )?,
    ));
    files.push((
        "announcement.json".into(),
        crate::report::json::announcements(std::slice::from_ref(&a), &corrections).into_bytes(),
    ));
    let report = crate::report::ChangeReport::new(&changes, &announcements);
    files.push((
        "changes.json".into(),
        crate::report::json::changes(&report).into_bytes(),
    ));
    let now = ctx.clock.now();
    let bytes = crate::bundle::write(
        subject,
        &key,
        &format_time(now),
        now.timestamp().max(0) as u64,
        files,
    )
    .context("while building the bundle")?;
    // Written beside the target, then renamed: a half-written bundle never has its name.
    let dir = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("while writing {}", args.out.display()))?;
    tmp.write_all(&bytes)?;
    tmp.persist(&args.out)
        .with_context(|| format!("while writing {}", args.out.display()))?;
    let check = crate::bundle::verify(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    print(&format!(
        "wrote {}: {} — {} page version{}, {} text version{}, {} change{}; manifest sha256 {}\n",
        args.out.display(),
        a.citation(),
        check.pages,
        if check.pages == 1 { "" } else { "s" },
        texts.len(),
        if texts.len() == 1 { "" } else { "s" },
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        check.manifest.manifest_sha256
    ))?;
    Ok(Exit::Ok)
}

pub fn verify(args: &VerifyArgs) -> Result<Exit> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("while reading {}", args.file.display()))?;
    match crate::bundle::verify(&bytes) {
        Ok(v) => {
            print(&format!(
                "{}: intact — evidence for {} ({}), {} files, {} page versions whose bytes match the hashes recorded when they were fetched; made {} by regwatch {}\n",
                args.file.display(),
                v.manifest.announcement,
                v.manifest.subject,
                v.manifest.files.len() + 1,
                v.pages,
                v.manifest.created_at,
                v.manifest.regwatch
            ))?;
            Ok(Exit::Ok)
        }
        Err(e) => {
            eprintln!("regwatch: {}: NOT intact: {e}", args.file.display());
            Ok(Exit::NotIntact)
        }
    }
}
