//! Charts as inline SVG, drawn on the server (no script): an entry's history as a timeline of
//! statuses, and the entries of each list by status over time. Every label is escaped.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::diff::list::Status;
use crate::report::html::esc;

/// The colour of a status, as the reports use them.
fn colour(s: Status) -> &'static str {
    match s {
        Status::InForce => "#15803d",
        Status::NotYetEffective => "#9ca3af",
        Status::Suspended => "#c2410c",
        Status::Repealed => "#6b7280",
        Status::Removed => "#7f1d1d",
    }
}

const ALL: [Status; 5] = [
    Status::InForce,
    Status::NotYetEffective,
    Status::Suspended,
    Status::Repealed,
    Status::Removed,
];

/// An entry's statuses from each date on, as a bar: one segment per status, to `end`.
pub fn timeline(events: &[(NaiveDate, Status)], end: NaiveDate) -> String {
    let Some(first) = events.first().map(|e| e.0) else {
        return String::new();
    };
    let last = events.last().map_or(first, |e| e.0).max(end);
    let span = ((last - first).num_days().max(1)) as f64;
    let (w, left) = (760.0, 10.0);
    let x = |d: NaiveDate| left + (d - first).num_days() as f64 / span * (w - 2.0 * left);
    let mut out = format!(
        "<svg class=\"timeline\" role=\"img\" viewBox=\"0 0 {w} 70\" width=\"100%\" aria-label=\"status over time\">"
    );
    for (i, (d, s)) in events.iter().enumerate() {
        let to = events.get(i + 1).map_or(last, |n| n.0);
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"20\" width=\"{:.1}\" height=\"18\" fill=\"{}\"><title>{} from {}</title></rect>",
            x(*d),
            (x(to) - x(*d)).max(2.0),
            colour(*s),
            esc(s.as_str()),
            d
        );
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"54\">{}</text><text x=\"{:.1}\" y=\"14\">{}</text>",
            x(*d),
            d,
            x(*d),
            esc(s.as_str())
        );
    }
    out.push_str("</svg>");
    out
}

/// A list's entries by status (counts in the order of [`slot`]) at each date.
pub type Series = (String, Vec<(NaiveDate, [usize; 5])>);

/// Per list, stacked bars of its entries by status at each date.
pub fn status_chart(series: &[Series]) -> String {
    let mut out = String::new();
    for (regime, points) in series {
        if points.is_empty() {
            continue;
        }
        let max = points
            .iter()
            .map(|(_, c)| c.iter().sum::<usize>())
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let bar = 46.0;
        let w = points.len() as f64 * (bar + 8.0) + 20.0;
        let _ = write!(
            out,
            "<figure><figcaption>{}</figcaption><svg role=\"img\" viewBox=\"0 0 {w} 150\" width=\"{w}\" height=\"150\" aria-label=\"entries of {} by status\">",
            esc(regime),
            esc(regime)
        );
        for (i, (d, counts)) in points.iter().enumerate() {
            let x0 = 10.0 + i as f64 * (bar + 8.0);
            let mut y = 120.0;
            for (k, s) in ALL.iter().enumerate() {
                let h = counts[k] as f64 / max * 100.0;
                if h <= 0.0 {
                    continue;
                }
                y -= h;
                let _ = write!(
                    out,
                    "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{bar}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                    colour(*s),
                    d,
                    counts[k],
                    esc(s.as_str())
                );
            }
            let _ = write!(
                out,
                "<text x=\"{x0:.1}\" y=\"135\">{}</text><text x=\"{x0:.1}\" y=\"147\">{}</text>",
                d.format("%Y-%m"),
                counts.iter().sum::<usize>()
            );
        }
        out.push_str("</svg></figure>");
    }
    if !out.is_empty() {
        out.push_str("<p class=\"note\">");
        for s in ALL {
            // A square of the colour (an attribute, not a style: the CSP allows no inline style).
            let _ = write!(
                out,
                "<svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" fill=\"{}\"/></svg> {} ",
                colour(s),
                s.as_str()
            );
        }
        out.push_str("</p>");
    }
    out
}

/// The index of a status in the chart's counts.
pub fn slot(s: Status) -> usize {
    ALL.iter().position(|x| *x == s).unwrap_or(0)
}
