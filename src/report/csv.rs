//! CSV renderers, for spreadsheets (RFC 4180 quoting).

use crate::diff::list::ListedEntry;

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `list --format csv`: one row per code, customs codes space-separated.
pub fn list(entries: &[ListedEntry]) -> String {
    let mut out = String::from(
        "regime,code,description,item_type,hs_codes,status,effective_from,until,announcement,status_by,url\n",
    );
    for e in entries {
        let row = [
            field(&e.regime),
            field(&e.code),
            field(&e.description),
            e.item_type.as_str().to_string(),
            field(&e.hs_codes.join(" ")),
            e.status.as_str().to_string(),
            e.effective_from.map(|d| d.to_string()).unwrap_or_default(),
            e.until.map(|d| d.to_string()).unwrap_or_default(),
            field(&e.announcement),
            field(&e.status_by),
            field(e.url.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(field("1E902.a"), "1E902.a");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
    }
}
