//! Evidence bundles: one tar file a compliance team can hand to anyone, holding every stored
//! version of the pages behind an announcement byte for byte (with the response headers, final
//! URL, SHA-256 and first and last seen times), the text versions read, the extracted
//! announcement, the change records, and a manifest of every file's SHA-256. `verify` recomputes
//! them: a bundle is intact when every file the manifest names is there with its hash, no other
//! file is, and each page's bytes still hash to what regwatch recorded when it fetched them.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::store::sha256_hex;

/// The directory every file of a bundle is under.
pub const ROOT: &str = "regwatch-evidence";
/// The manifest's path in a bundle.
pub const MANIFEST: &str = "regwatch-evidence/manifest.json";

/// A file of a bundle, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The manifest: what the bundle is of, when it was made, and every other file's hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub subject: String,
    pub announcement: String,
    pub created_at: String,
    pub regwatch: String,
    pub files: Vec<FileEntry>,
    /// The SHA-256 of this manifest's own bytes with these 64 digits as zeros: a changed
    /// manifest is caught too.
    pub manifest_sha256: String,
}

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The manifest's own hash: of its bytes with the `manifest_sha256` value zeroed.
fn self_hash(bytes: &[u8], recorded: &str) -> String {
    let text = String::from_utf8_lossy(bytes);
    let key = format!("\"manifest_sha256\": \"{recorded}\"");
    sha256_hex(
        text.replacen(&key, &format!("\"manifest_sha256\": \"{ZEROS}\""), 1)
            .as_bytes(),
    )
}

/// Builds a bundle: `files` are (path under the root, bytes); the manifest is added last.
pub fn write(
    subject: &str,
    announcement: &str,
    created_at: &str,
    mtime: u64,
    files: Vec<(String, Vec<u8>)>,
) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut listed = Vec::new();
    let add = |builder: &mut tar::Builder<Vec<u8>>, path: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, format!("{ROOT}/{path}"), bytes)
    };
    for (path, bytes) in &files {
        add(&mut builder, path, bytes)?;
        listed.push(FileEntry {
            path: format!("{ROOT}/{path}"),
            sha256: sha256_hex(bytes),
            bytes: bytes.len() as u64,
        });
    }
    let manifest = Manifest {
        format: "regwatch-evidence 1".to_string(),
        subject: subject.to_string(),
        announcement: announcement.to_string(),
        created_at: created_at.to_string(),
        regwatch: env!("CARGO_PKG_VERSION").to_string(),
        files: listed,
        manifest_sha256: ZEROS.to_string(),
    };
    let zeroed = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    let own = sha256_hex(&zeroed);
    let json = String::from_utf8_lossy(&zeroed)
        .replacen(
            &format!("\"manifest_sha256\": \"{ZEROS}\""),
            &format!("\"manifest_sha256\": \"{own}\""),
            1,
        )
        .into_bytes();
    add(&mut builder, "manifest.json", &json)?;
    builder.into_inner()
}

/// Why a bundle is not intact, naming the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("not a readable tar archive: {0}")]
    Unreadable(String),
    #[error("{0}: no manifest (regwatch-evidence/manifest.json)")]
    NoManifest(String),
    #[error("{path}: the manifest cannot be read: {why}")]
    BadManifest { path: String, why: String },
    #[error("{0}: listed in the manifest but missing")]
    Missing(String),
    #[error("{path}: altered (SHA-256 {actual}, the manifest says {expected})")]
    Altered {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("{0}: not listed in the manifest")]
    Unlisted(String),
    #[error(
        "{path}: the page's bytes hash to {actual}, regwatch recorded {expected} when it fetched them"
    )]
    PageAltered {
        path: String,
        expected: String,
        actual: String,
    },
}

/// What a verified bundle holds.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub pages: usize,
}

/// Checks a bundle's bytes.
pub fn verify(bytes: &[u8]) -> Result<Verified, Broken> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|e| Broken::Unreadable(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Broken::Unreadable(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| Broken::Unreadable(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| Broken::Unreadable(format!("{path}: {e}")))?;
        files.insert(path, data);
    }
    let manifest_bytes = files
        .remove(MANIFEST)
        .ok_or_else(|| Broken::NoManifest(MANIFEST.to_string()))?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| Broken::BadManifest {
            path: MANIFEST.to_string(),
            why: e.to_string(),
        })?;
    let own = self_hash(&manifest_bytes, &manifest.manifest_sha256);
    if own != manifest.manifest_sha256 {
        return Err(Broken::Altered {
            path: MANIFEST.to_string(),
            expected: manifest.manifest_sha256.clone(),
            actual: own,
        });
    }
    for f in &manifest.files {
        let Some(data) = files.get(&f.path) else {
            return Err(Broken::Missing(f.path.clone()));
        };
        let actual = sha256_hex(data);
        if actual != f.sha256 {
            return Err(Broken::Altered {
                path: f.path.clone(),
                expected: f.sha256.clone(),
                actual,
            });
        }
    }
    if let Some(extra) = files
        .keys()
        .find(|p| !manifest.files.iter().any(|f| &f.path == *p))
    {
        return Err(Broken::Unlisted(extra.clone()));
    }
    // Each page's bytes against the hash recorded when it was fetched (in its meta.json).
    let mut pages = 0;
    for (path, meta) in files.iter().filter(|(p, _)| p.ends_with("/meta.json")) {
        let Some(dir) = path.strip_suffix("/meta.json") else {
            continue;
        };
        let body_path = format!("{dir}/body");
        let Some(body) = files.get(&body_path) else {
            return Err(Broken::Missing(body_path));
        };
        let meta: serde_json::Value =
            serde_json::from_slice(meta).map_err(|e| Broken::BadManifest {
                path: path.clone(),
                why: e.to_string(),
            })?;
        let expected = meta["sha256"].as_str().unwrap_or("").to_string();
        let actual = sha256_hex(body);
        if actual != expected {
            return Err(Broken::PageAltered {
                path: body_path,
                expected,
                actual,
            });
        }
        pages += 1;
    }
    Ok(Verified { manifest, pages })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Vec<u8> {
        let body = b"<html>\xe5\x95\x86\xe5\x8a\xa1\xe9\x83\xa8</html>".to_vec();
        let meta = serde_json::to_vec(&serde_json::json!({ "sha256": sha256_hex(&body) })).unwrap();
        write(
            "MOFCOM-2025-62",
            "MOFCOM-2025-62",
            "2026-11-30T00:00:00Z",
            0,
            vec![
                ("pages/1/body".into(), body),
                ("pages/1/meta.json".into(), meta),
                ("announcement.json".into(), b"{}".to_vec()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn an_intact_bundle_verifies_and_any_flipped_byte_fails() {
        let b = bundle();
        let v = verify(&b).unwrap();
        assert_eq!(v.pages, 1);
        assert_eq!(v.manifest.files.len(), 3);
        // Every byte of every file's content (the manifest's included), flipped, is caught.
        let mut spans = Vec::new();
        let mut archive = tar::Archive::new(&b[..]);
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            let start = e.raw_file_position() as usize;
            spans.push(start..start + e.size() as usize);
        }
        assert_eq!(spans.len(), 4);
        for span in spans {
            for i in span {
                let mut bad = b.clone();
                bad[i] ^= 0x01;
                assert!(verify(&bad).is_err(), "a flip at byte {i} went unnoticed");
            }
        }
    }

    #[test]
    fn a_changed_page_names_itself() {
        let b = bundle();
        let at = b
            .windows(6)
            .position(|w| w == b"<html>")
            .expect("the page is in the archive");
        let mut bad = b.clone();
        bad[at + 1] = b'H';
        match verify(&bad) {
            Err(Broken::Altered { path, .. }) => assert_eq!(path, "regwatch-evidence/pages/1/body"),
            other => panic!("{other:?}"),
        }
    }
}
