//! What kind of failure a recorded reason is, for people deciding what to do: a site that cannot
//! be reached from this network needs a proxy, not a new selector; a page whose layout changed
//! needs the reverse. Reasons are stored as the messages of [`crate::fetch::FetchError`] and
//! [`crate::extract::ExtractError`]; this reads them back in one place.

/// The kinds, as `sources` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No connection, a reset, a timeout, a name that does not resolve: the site may be fine
    /// but unreachable from here (some networks cannot reach MOFCOM at all).
    Network,
    /// The TLS certificate chain was not trusted.
    Certificate,
    /// The server answered with an error status.
    Server,
    /// The page was fetched but did not read as before: its layout or content changed.
    PageChanged,
    /// Refused by regwatch's own rules: robots.txt, allowed hosts, size or nesting limits.
    Refused,
    Other,
}

impl Cause {
    pub fn of(reason: &str) -> Cause {
        let r = reason.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| r.contains(w));
        if has(&["certificate", "unknownissuer", "tls handshake"]) {
            Cause::Certificate
        } else if has(&[
            "cannot connect",
            "timed out",
            "connection reset",
            "connection refused",
            "connection closed before",
            "dns error",
            "failed to lookup",
            "network is unreachable",
            "no route to host",
            "end of file before message",
        ]) {
            Cause::Network
        } else if has(&[
            "robots.txt",
            "allowed hosts",
            "larger than",
            "nest more than",
            "redirect",
            "max_links",
        ]) {
            Cause::Refused
        } else if r.contains("http ") && r.contains(" from ") {
            Cause::Server
        } else if has(&[
            "lists no announcement",
            "no document number",
            "column list:",
            "matched nothing",
            "entries collapsed",
            "a whole list has",
            "not an html page",
            "304 not modified for a page",
        ]) {
            Cause::PageChanged
        } else {
            Cause::Other
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Cause::Network => "unreachable from here (network): try again later, or set a proxy",
            Cause::Certificate => {
                "certificate not trusted: add the issuing CA with ca_file (never turn verification off)"
            }
            Cause::Server => "the server answered with an error",
            Cause::PageChanged => "the page changed: it no longer reads as before",
            Cause::Refused => "refused by regwatch's limits or the site's rules",
            Cause::Other => "other",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Network => "network",
            Cause::Certificate => "certificate",
            Cause::Server => "server",
            Cause::PageChanged => "page-changed",
            Cause::Refused => "refused",
            Cause::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recorded_reason_has_its_kind() {
        let url = "https://www.mofcom.gov.cn/zwgk/zcfb/index.html";
        for (reason, cause) in [
            (
                format!("{url}: cannot connect to {url}: Network is unreachable (os error 101)"),
                Cause::Network,
            ),
            (format!("{url}: timed out fetching {url}"), Cause::Network),
            (
                format!("{url}: fetching {url}: Connection reset by peer (os error 104)"),
                Cause::Network,
            ),
            (
                format!("{url}: cannot connect to {url}: invalid peer certificate: UnknownIssuer"),
                Cause::Certificate,
            ),
            (format!("{url}: HTTP 503 from {url}"), Cause::Server),
            (
                format!(
                    "{url}: the index page lists no announcement links; its layout may have changed"
                ),
                Cause::PageChanged,
            ),
            (
                format!("{url}: column list: the list API answered success=false, code=500"),
                Cause::PageChanged,
            ),
            (
                format!("{url}: {url} is disallowed by the host's robots.txt"),
                Cause::Refused,
            ),
        ] {
            assert_eq!(Cause::of(&reason), cause, "{reason}");
        }
    }
}
