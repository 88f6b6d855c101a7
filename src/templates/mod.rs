//! The HTML templates every HTML output is made from — the web view's pages, the HTML change
//! report, the email digest's HTML part, the HTML list and comparison — compiled into the binary.
//! Auto-escaping for `.html`: every value is escaped (`&<>"'`, and control characters removed)
//! unless a template marks it safe, which only server-made markup (SVG charts, redlines built from
//! escaped runs) is.

use std::sync::LazyLock;

use minijinja::{AutoEscape, Environment, Error, ErrorKind};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("base.html")),
    ("overview.html", include_str!("overview.html")),
    ("list.html", include_str!("list.html")),
    ("entry.html", include_str!("entry.html")),
    ("announcement.html", include_str!("announcement.html")),
    ("announcements.html", include_str!("announcements.html")),
    ("changes.html", include_str!("changes.html")),
    ("compare.html", include_str!("compare.html")),
    ("screen.html", include_str!("screen.html")),
    ("code.html", include_str!("code.html")),
    ("error.html", include_str!("error.html")),
    ("report_base.html", include_str!("report_base.html")),
    ("report.html", include_str!("report.html")),
    ("report_list.html", include_str!("report_list.html")),
    ("report_compare.html", include_str!("report_compare.html")),
];

/// The stylesheet of the web view (served as a file) and of the standalone documents (inline).
pub const STYLE: &str = include_str!("style.css");
/// The standalone documents' own rules (a report file, an email).
pub const REPORT_STYLE: &str = include_str!("report.css");

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .expect("the shipped templates parse (tested)");
    }
    // The same escaping as everywhere else in regwatch (`/` stays `/`).
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Html)
            && !value.is_safe()
            && !value.is_none()
            && !value.is_undefined()
        {
            out.write_str(&crate::report::html::esc(&value.to_string()))
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "writing the page"))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
});

/// Renders a template.
pub fn render(name: &str, ctx: minijinja::Value) -> Result<String, Error> {
    ENV.get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses_and_escapes() {
        assert_eq!(super::ENV.templates().count(), super::TEMPLATES.len());
        let html = super::render(
            "error.html",
            minijinja::context! { title => "<b>x</b>", message => "a/b <script>", db => "" },
        )
        .unwrap();
        assert!(html.contains("&lt;script&gt;") && html.contains("a/b"));
        assert!(!html.contains("<script>"));
    }
}
