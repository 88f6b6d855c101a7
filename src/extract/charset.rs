//! Bytes to text. Government sites serve UTF-8 and GBK, declaring the charset in the HTTP header,
//! in a `<meta>` tag, in both, or nowhere. reqwest's `text()` only reads the header, so we decide
//! ourselves: HTTP charset → `<meta charset>` / `http-equiv` → statistical detection.

use encoding_rs::Encoding;

/// How the encoding was chosen; kept with the snapshot so a wrong guess can be explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    Bom,
    HttpHeader,
    Meta,
    Detected,
}

impl CharsetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CharsetSource::Bom => "bom",
            CharsetSource::HttpHeader => "http-header",
            CharsetSource::Meta => "meta",
            CharsetSource::Detected => "detected",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub source: CharsetSource,
    /// Whether bytes invalid in the chosen encoding were replaced with U+FFFD.
    pub had_errors: bool,
}

/// Decodes `body` using the `Content-Type` header value when it names a known charset.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    let (encoding, source) = choose(body, content_type);
    let (text, _, had_errors) = encoding.decode(body);
    Decoded {
        text: text.into_owned(),
        encoding,
        source,
        had_errors,
    }
}

fn choose(body: &[u8], content_type: Option<&str>) -> (&'static Encoding, CharsetSource) {
    if let Some((enc, _)) = Encoding::for_bom(body) {
        return (enc, CharsetSource::Bom);
    }
    if let Some(enc) = content_type
        .and_then(header_charset)
        .and_then(|l| Encoding::for_label(l.as_bytes()))
    {
        return (enc, CharsetSource::HttpHeader);
    }
    if let Some(enc) = meta_charset(body).and_then(|l| Encoding::for_label(l.as_bytes())) {
        // A page cannot be "UTF-16" once it has been read as ASCII-compatible bytes to find the
        // tag; the HTML standard says to treat that declaration as UTF-8.
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else {
            enc
        };
        return (enc, CharsetSource::Meta);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    (
        detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow),
        CharsetSource::Detected,
    )
}

/// `text/html; charset="GBK"` → `GBK`.
fn header_charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    })
}

/// The charset declared by `<meta charset=…>` or `<meta http-equiv content="…; charset=…">` in the
/// first 4 KiB, as the HTML prescan does. Works on bytes: the encoding is not known yet.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
                let rest = rest.strip_prefix(b"'").unwrap_or(rest);
                let len = rest
                    .iter()
                    .position(|&b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if len > 0 {
                    return Some(String::from_utf8_lossy(&rest[..len]).into_owned());
                }
            }
        }
        from = end.max(start + 1);
        if from >= lower.len() {
            break;
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn header_charset_wins() {
        let body = gbk("<meta charset=\"utf-8\">商务部公告");
        let d = decode(&body, Some("text/html; charset=GBK"));
        assert_eq!(d.encoding, encoding_rs::GBK);
        assert_eq!(d.source, CharsetSource::HttpHeader);
        assert!(d.text.contains("商务部公告"));
    }

    #[test]
    fn meta_only_gbk_decodes() {
        let body = gbk(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>暂停实施</body></html>",
        );
        let d = decode(&body, Some("text/html"));
        assert_eq!(d.encoding, encoding_rs::GBK);
        assert_eq!(d.source, CharsetSource::Meta);
        assert!(d.text.contains("暂停实施"));
    }

    #[test]
    fn undeclared_gbk_is_detected() {
        let body = gbk(
            "<html><body>商务部 海关总署公告2025年第55号 关于对超硬材料相关物项实施出口管制的公告。根据《中华人民共和国出口管制法》有关规定，为维护国家安全和利益。</body></html>",
        );
        let d = decode(&body, None);
        assert_eq!(d.encoding, encoding_rs::GBK);
        assert_eq!(d.source, CharsetSource::Detected);
        assert!(d.text.contains("超硬材料"));
    }

    #[test]
    fn invalid_bytes_are_flagged_not_fatal() {
        let d = decode(b"abc\xff\xfd", Some("text/html; charset=utf-8"));
        assert!(d.had_errors);
    }
}
