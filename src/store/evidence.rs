//! Page bytes as kept for evidence: zstd, against a dictionary per source when there is one.
//!
//! The pages of one site share most of their markup, which zstd cannot see when it compresses
//! each page alone (a 3.3 KB announcement page came to ~1 KB). The first announcement page a
//! source served is kept once as a raw-content dictionary, and later pages of that source are
//! compressed against it (~0.2 KB each). Packing — hashing and compressing — runs where the page
//! was fetched, off the database thread.

use std::io::Read;
use std::sync::Arc;

use super::write::sha256_hex;

/// zstd's level for everything regwatch keeps: on pages of a few KB, with or without a
/// dictionary, level 3 saved under 1 % over level 1 and took longer.
pub(super) const ZSTD_LEVEL: i32 = 1;

/// A source's compression dictionary: the raw bytes of one of its pages.
pub struct Dictionary {
    pub(super) sha256: String,
    pub(super) raw: Vec<u8>,
}

impl Dictionary {
    pub fn new(raw: Vec<u8>) -> Dictionary {
        Dictionary {
            sha256: sha256_hex(&raw),
            raw,
        }
    }
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("sha256", &self.sha256)
            .field("len", &self.raw.len())
            .finish()
    }
}

/// A page body ready to be stored: its hash, and its compressed bytes with the dictionary they
/// need.
#[derive(Debug)]
pub struct Packed {
    pub sha256: String,
    pub(super) bytes: Vec<u8>,
    pub(super) dict: Option<Arc<Dictionary>>,
}

thread_local! {
    /// One compression context per thread: creating one per page showed in profiles.
    static CCTX: std::cell::RefCell<zstd::zstd_safe::CCtx<'static>> =
        std::cell::RefCell::new(zstd::zstd_safe::CCtx::create());
    /// And one decompression context, for the same reason.
    static DCTX: std::cell::RefCell<zstd::zstd_safe::DCtx<'static>> =
        std::cell::RefCell::new(zstd::zstd_safe::DCtx::create());
}

/// The largest body unpacked in one piece into a buffer sized from the frame's header; a
/// larger (or unsized) frame is streamed, so that a damaged header cannot ask for gigabytes.
const UNPACK_AT_ONCE: u64 = 64 << 20;

/// Hashes and compresses `body`, against `dict` when given.
pub fn pack(body: &[u8], dict: Option<Arc<Dictionary>>) -> std::io::Result<Packed> {
    Ok(Packed {
        sha256: sha256_hex(body),
        bytes: compress(body, dict.as_deref())?,
        dict,
    })
}

pub(super) fn compress(body: &[u8], dict: Option<&Dictionary>) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(zstd::zstd_safe::compress_bound(body.len()));
    CCTX.with(|c| {
        let mut c = c.borrow_mut();
        match dict {
            // The raw bytes, not a prepared dictionary: zstd then sizes its tables for this
            // page, where a prepared one brings tables sized for any input (copying those
            // cost more than compressing a small page).
            Some(d) => c.compress_using_dict(&mut bytes, body, &d.raw, ZSTD_LEVEL),
            None => c.compress(&mut bytes, body, ZSTD_LEVEL),
        }
        .map_err(|code| std::io::Error::other(zstd::zstd_safe::get_error_name(code)))
    })?;
    bytes.shrink_to_fit();
    Ok(bytes)
}

/// The bytes `pack` was given back, with the raw dictionary it used.
pub(super) fn unpack(bytes: &[u8], dict: Option<&[u8]>) -> std::io::Result<Vec<u8>> {
    if let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(bytes)
        && size <= UNPACK_AT_ONCE
    {
        let mut out = Vec::with_capacity(size as usize);
        DCTX.with(|c| {
            let mut c = c.borrow_mut();
            match dict {
                Some(d) => c.decompress_using_dict(&mut out, bytes, d),
                None => c.decompress(&mut out, bytes),
            }
            .map_err(|code| std::io::Error::other(zstd::zstd_safe::get_error_name(code)))
        })?;
        return Ok(out);
    }
    let mut out = Vec::new();
    match dict {
        Some(d) => zstd::stream::Decoder::with_dictionary(bytes, d)?.read_to_end(&mut out)?,
        None => zstd::stream::Decoder::new(bytes)?.read_to_end(&mut out)?,
    };
    Ok(out)
}

/// What response headers usually say, as a raw-content dictionary: a version's headers (~220
/// bytes of JSON) are kept compressed against it (~90 bytes). Changing these bytes would make
/// stored headers unreadable: they are part of the store's format.
const HEADER_WORDS: &[u8] = br#"[["accept-ranges","bytes"],["cache-control","max-age=0, no-cache, no-store, must-revalidate, private, public"],["connection","keep-alive"],["content-encoding","gzip"],["content-language","zh-CN"],["content-length","1"],["content-type","application/json;charset=UTF-8"],["content-type","text/html"],["content-type","text/html; charset=utf-8"],["content-type","text/html; charset=UTF-8"],["content-type","text/html; charset=GBK"],["content-type","application/pdf"],["date","Mon, Tue, Wed, Thu, Fri, Sat, Sun, 01 Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec 2025 2026 00:00:00 GMT"],["etag",""0-1""],["expires","Thu, 01 Jan 1970 00:00:00 GMT"],["last-modified","Mon, 30 Nov 2026 00:00:00 GMT"],["location","https://"],["pragma","no-cache"],["server","nginx/1.22.1"],["server","nginx"],["set-cookie","; Path=/; HttpOnly; Secure"],["strict-transport-security","max-age=31536000"],["transfer-encoding","chunked"],["vary","Accept-Encoding"],["x-content-type-options","nosniff"],["x-frame-options","SAMEORIGIN"],["x-xss-protection","1; mode=block"]]"#;

/// A version's response headers as kept: their JSON compressed against [`HEADER_WORDS`].
pub(super) fn pack_headers(json: &str) -> std::io::Result<Vec<u8>> {
    compress(
        json.as_bytes(),
        Some(&Dictionary {
            sha256: String::new(),
            raw: HEADER_WORDS.to_vec(),
        }),
    )
}

/// Headers as stored: JSON text (stores from before), or JSON packed by [`pack_headers`].
pub(super) fn unpack_headers(stored: crate::store::sql::Value) -> std::io::Result<String> {
    match stored {
        crate::store::sql::Value::Text(json) => Ok(json),
        crate::store::sql::Value::Blob(bytes) => {
            let raw = unpack(&bytes, Some(HEADER_WORDS))?;
            String::from_utf8(raw).map_err(std::io::Error::other)
        }
        _ => Ok("[]".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_come_back_and_take_less_room() {
        let json = r#"[["content-length","58157"],["content-type","text/html; charset=utf-8"],["date","Mon, 30 Nov 2026 04:07:47 GMT"],["etag",""6b0cf693-e32d""],["last-modified","Mon, 30 Nov 2026 04:07:47 GMT"],["server","nginx/1.22.1"]]"#;
        let packed = pack_headers(json).unwrap();
        assert!(
            packed.len() * 2 < json.len(),
            "{} of {}",
            packed.len(),
            json.len()
        );
        assert_eq!(
            unpack_headers(crate::store::sql::Value::Blob(packed)).unwrap(),
            json
        );
        assert_eq!(
            unpack_headers(crate::store::sql::Value::Text(json.into())).unwrap(),
            json
        );
    }

    fn page(n: u32) -> Vec<u8> {
        format!(
            "<!DOCTYPE html><html><head><title>Announcement {n}</title></head><body>\
             <nav>Home | Policies | Announcements | Contact</nav><main><h1>No. {n}</h1>\
             <table><tr><td>1E902.a</td><td>Technologies for rare-earth mining {n}</td></tr>\
             </table></main><footer>Ministry of Commerce, all rights reserved</footer></body></html>"
        )
        .into_bytes()
    }

    #[test]
    fn a_page_comes_back_byte_for_byte_with_and_without_a_dictionary() {
        let dict = Arc::new(Dictionary::new(page(1)));
        for d in [None, Some(dict.clone())] {
            let body = page(2);
            let packed = pack(&body, d.clone()).unwrap();
            assert_eq!(packed.sha256, sha256_hex(&body));
            let raw = d.as_ref().map(|d| d.raw.as_slice());
            assert_eq!(unpack(&packed.bytes, raw).unwrap(), body);
        }
    }

    #[test]
    fn a_sibling_page_compresses_far_better_against_the_dictionary() {
        let dict = Arc::new(Dictionary::new(page(1)));
        let alone = pack(&page(2), None).unwrap().bytes.len();
        let against = pack(&page(2), Some(dict)).unwrap().bytes.len();
        assert!(against * 3 < alone, "{against} vs {alone} bytes");
    }

    #[test]
    fn bytes_packed_against_a_dictionary_do_not_unpack_without_it() {
        let dict = Arc::new(Dictionary::new(page(1)));
        let packed = pack(&page(2), Some(dict)).unwrap();
        assert_ne!(unpack(&packed.bytes, None).ok(), Some(page(2)));
    }
}
