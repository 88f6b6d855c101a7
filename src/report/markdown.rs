//! Markdown renderers, for tickets, wikis and chat.

use std::fmt::Write as _;

use super::{ChangeReport, sentence, text};

/// Escapes the characters that would break a Markdown table cell or inline text.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn changes(report: &ChangeReport<'_>) -> String {
    if report.is_empty() {
        return "No changes.\n".to_string();
    }
    let mut out = String::from("# Regulatory changes\n");
    for g in &report.groups {
        let _ = writeln!(out, "\n## {}\n", esc(&g.citation()));
        if let Some(a) = g.announcement {
            let _ = writeln!(out, "*{}*  ", esc(&a.title));
        }
        let dates = g.dates();
        if !dates.is_empty() {
            let _ = writeln!(out, "{}  ", esc(&dates));
        }
        if let Some(c) = g.changes.iter().find(|c| c.url.is_some()) {
            let url = c.url.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "Source: <{}>, first observed {}",
                url.replace('>', "%3E"),
                c.observed_at
            );
        }
        out.push_str("\n| Change | Summary |\n|---|---|\n");
        for c in &g.changes {
            let _ = writeln!(
                out,
                "| {} | {} |",
                c.kind.to_uppercase(),
                esc(&sentence(c, g))
            );
        }
        out.push_str("\n```\n");
        for c in &g.changes {
            let _ = writeln!(out, "{}", text::line(c, g).replace("```", "'''"));
        }
        out.push_str("```\n");
    }
    out
}
