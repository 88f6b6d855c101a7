//! Text from pages is shown in terminals, spreadsheets, feed readers and mail clients. Control
//! characters in it (ESC sequences that retitle or clear a terminal, BEL, characters XML forbids)
//! are removed where text is extracted, and again by every renderer on its own: defence in depth,
//! since a store written by an older version may still hold them.

use std::borrow::Cow;

/// Whether `c` is a C0 or C1 control character (or DEL) other than newline and tab, or a
/// character XML 1.0 cannot carry (U+FFFE, U+FFFF).
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{fffe}' || c == '\u{ffff}'
}

/// `s` without control characters; newline and tab are kept (layouts use them), a carriage
/// return is dropped (a lone one rewrites a terminal line).
pub fn strip_controls(s: &str) -> Cow<'_, str> {
    if s.chars().any(unsafe_char) {
        Cow::Owned(s.chars().filter(|c| !unsafe_char(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// [`strip_controls`] in place, for the strings of extracted data.
pub fn scrub(s: &mut String) {
    if let Cow::Owned(clean) = strip_controls(s) {
        *s = clean;
    }
}

/// One line of text: controls removed, newlines and tabs turned into spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(' '),
            c if unsafe_char(c) => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_sequences_lose_their_escape() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\r\u{9b}31md";
        assert_eq!(strip_controls(hostile), "a]0;pwnedb[2Jc31md");
        assert_eq!(strip_controls("line\n\tkept"), "line\n\tkept");
        assert!(matches!(strip_controls("稀土 1E902.a"), Cow::Borrowed(_)));
        assert_eq!(one_line("a\nb\tc\u{7}"), "a b c");
    }
}
