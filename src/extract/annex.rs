//! Annexes (附件): the separate files an announcement links, read to lines of text. HTML is read
//! like an article; PDF text is extracted with `pdf-extract`. Other formats (DOC, XLS) are reported
//! as unread rather than guessed at.

use scraper::Html;

use super::text::document_lines;
use super::{ExtractError, Page};

/// The text of an annex, one line per block (HTML) or text line (PDF).
pub fn lines(page: &Page<'_>) -> Result<Vec<String>, ExtractError> {
    let mime = page
        .content_type
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let path = page.url.path().to_ascii_lowercase();
    let is_pdf = page.body.starts_with(b"%PDF-")
        || mime == "application/pdf"
        || (mime.is_empty() || mime == "application/octet-stream") && path.ends_with(".pdf");
    if is_pdf {
        return pdf_lines(page.body);
    }
    if mime.is_empty() || mime.contains("html") || mime.starts_with("text/") {
        let html = super::html(page)?;
        return Ok(document_lines(&Html::parse_document(&html)));
    }
    Err(ExtractError::UnsupportedAnnex(mime))
}

fn pdf_lines(body: &[u8]) -> Result<Vec<String>, ExtractError> {
    // pdf-extract (and lopdf under it) can panic on malformed files. The extractor must not, so
    // the panic is contained here and reported as an unreadable annex.
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(body));
    let text = match result {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => return Err(ExtractError::Pdf(e.to_string())),
        Err(_) => {
            return Err(ExtractError::Pdf(
                "the PDF parser failed on this file".into(),
            ));
        }
    };
    Ok(text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/mofcom/annex/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    #[test]
    fn pdf_annex_text_is_read_in_order() {
        let body = fixture("2026-8-annex1.pdf");
        let url = Url::parse("https://www.mofcom.gov.cn/a.pdf").unwrap();
        let page = Page {
            url: &url,
            body: &body,
            content_type: Some("application/pdf"),
        };
        let lines = lines(&page).unwrap();
        let text = lines.join("\n");
        let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not in {text}"));
        assert!(at("1C909.a") < at("烧结钕铁硼永磁体"));
        assert!(at("烧结钕铁硼永磁体") < at("85051110"));
        assert!(at("85051110") < at("1C909.c"));
    }

    #[test]
    fn broken_pdfs_and_office_files_are_errors_not_panics() {
        let url = Url::parse("https://www.mofcom.gov.cn/a.pdf").unwrap();
        let mut body = fixture("2026-8-annex1.pdf");
        body.truncate(body.len() / 3);
        let page = Page {
            url: &url,
            body: &body,
            content_type: Some("application/pdf"),
        };
        assert!(matches!(lines(&page), Err(ExtractError::Pdf(_))));
        let page = Page {
            url: &url,
            body: b"\xD0\xCF\x11\xE0",
            content_type: Some("application/msword"),
        };
        assert_eq!(
            lines(&page),
            Err(ExtractError::UnsupportedAnnex("application/msword".into()))
        );
    }
}
