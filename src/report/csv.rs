//! CSV renderers, for spreadsheets (RFC 4180 quoting, a UTF-8 byte order mark so that Excel
//! reads the Chinese text as UTF-8, and cells that a spreadsheet would run as formulas defused).

use crate::diff::list::ListedEntry;

/// Excel, LibreOffice and Google Sheets read a UTF-8 file as UTF-8 when it starts with this.
pub const BOM: &str = "\u{feff}";

fn field(s: &str) -> String {
    let s = defuse(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A cell starting with `=`, `+`, `-`, `@`, tab or carriage return is run as a formula by
/// spreadsheets (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`); a leading `'` makes it text, as OWASP
/// and the spreadsheets' own CSV export do. A plain number (`-2`, `+3.5`) stays a number.
fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Any table as CSV: a BOM, then the rows (the first is the header), every cell quoted as
/// needed and defused.
pub fn table(rows: &[Vec<String>]) -> String {
    let mut out = String::from(BOM);
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    crate::safe_text::strip_controls(&out).into_owned()
}

/// `changes --format csv`: one row per change, with its sentence, citation, dates, evidence and
/// review state.
pub fn changes(report: &super::ChangeReport<'_>) -> String {
    let mut rows = vec![
        [
            "id",
            "kind",
            "regime",
            "code",
            "announcement",
            "citation",
            "issued",
            "effective",
            "sentence",
            "url",
            "sha256",
            "observed_at",
            "review",
            "reviewed_by",
            "touches",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>(),
    ];
    for g in &report.groups {
        for c in &g.changes {
            let a = g.announcement;
            let review = report.reviews.get(&c.uid);
            rows.push(vec![
                c.uid.clone(),
                c.kind.clone(),
                c.regime.clone().unwrap_or_default(),
                c.code.clone().unwrap_or_default(),
                c.announcement.clone(),
                g.citation(),
                a.and_then(|a| a.issued)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                a.and_then(|a| a.effective.iter().map(|e| e.date).min())
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                super::sentence(c, g, report.lang),
                c.url.clone().unwrap_or_default(),
                c.sha256.clone().unwrap_or_default(),
                c.observed_at.clone(),
                review.map_or("unreviewed".to_string(), |r| r.state.as_str().to_string()),
                review.map(|r| r.by.clone()).unwrap_or_default(),
                report
                    .touches
                    .get(&c.uid)
                    .map(|t| t.join("; "))
                    .unwrap_or_default(),
            ]);
        }
    }
    table(&rows)
}

/// `list --format csv`: one row per code, customs codes space-separated.
pub fn list(entries: &[ListedEntry]) -> String {
    let mut out = String::from(BOM);
    out.push_str(
        "regime,code,description,item_type,hs_codes,status,effective_from,until,announcement,status_by,url,since\n",
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
            e.since.map(|d| d.to_string()).unwrap_or_default(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    crate::safe_text::strip_controls(&out).into_owned()
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

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(field("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("-1+1"), "'-1+1");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        assert_eq!(field("-2"), "-2");
        assert_eq!(field("+3.5"), "+3.5");
        assert_eq!(field("1E902.a"), "1E902.a");
        assert_eq!(field("稀土"), "稀土");
    }
}
