//! Where a source may go: origins (scheme, host, port) compared after the host is normalised the
//! way browsers do (IDNA, case, a trailing dot, IPv4 written as `0x7f.0.0.1`, `2130706433` or in
//! full-width digits). A link or redirect to the same host on another port is another server,
//! and is not followed.

use std::fmt;

use url::{Host, Url};

/// One `allowed_hosts` value: `host` (http or https on their default ports), `host:port` (either
/// scheme on that port) or `scheme://host[:port]` (exactly that origin).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct AllowedHost {
    /// As written, for messages.
    pub written: String,
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
}

impl TryFrom<String> for AllowedHost {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        AllowedHost::parse(&s)
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl AllowedHost {
    pub fn parse(s: &str) -> Result<AllowedHost, String> {
        let bad = |why: &str| format!("invalid allowed host {s:?}: {why}");
        let t = s.trim();
        if t.is_empty() {
            return Err(bad("empty"));
        }
        let (scheme, rest) = match t.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = scheme.to_ascii_lowercase();
                if !matches!(scheme.as_str(), "http" | "https") {
                    return Err(bad("only http:// and https:// origins can be allowed"));
                }
                (Some(scheme), rest.trim_end_matches('/'))
            }
            None => (None, t),
        };
        if rest.contains(['/', '?', '#', '@']) {
            return Err(bad(
                "give a host, host:port or scheme://host[:port], without a path or user",
            ));
        }
        // Parsed as a URL so the host and port are read exactly as in links.
        let probe = format!("{}://{rest}/", scheme.as_deref().unwrap_or("http"));
        let url = Url::parse(&probe).map_err(|e| bad(&e.to_string()))?;
        let host = normal_host(&url).ok_or_else(|| bad("no host"))?;
        let port = match (url.port(), &scheme) {
            (Some(p), _) => Some(p),
            // `http://host` means port 80; `https://host` port 443.
            (None, Some(_)) => url.port_or_known_default(),
            (None, None) if rest.ends_with(":80") => Some(80),
            (None, None) => None,
        };
        Ok(AllowedHost {
            written: s.to_string(),
            scheme,
            host,
            port,
        })
    }

    /// The origin of a configured index page: exactly its scheme, host and port.
    pub fn origin_of(url: &Url) -> Option<AllowedHost> {
        Some(AllowedHost {
            written: url.origin().ascii_serialization(),
            scheme: Some(url.scheme().to_string()),
            host: normal_host(url)?,
            port: url.port_or_known_default(),
        })
    }

    /// The host alone (http and https on their default ports), for an index page served on
    /// its scheme's default port: a site moving between http and https is the same site.
    pub fn host_of(url: &Url) -> Option<AllowedHost> {
        let default = url.port().is_none();
        default.then(|| AllowedHost {
            written: normal_host(url).unwrap_or_default(),
            scheme: None,
            host: normal_host(url).unwrap_or_default(),
            port: None,
        })
    }

    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(host) = normal_host(url) else {
            return false;
        };
        if host != self.host {
            return false;
        }
        if let Some(s) = &self.scheme
            && s != url.scheme()
        {
            return false;
        }
        match self.port {
            Some(p) => url.port_or_known_default() == Some(p),
            // A bare host: the scheme's default port only.
            None => url.port().is_none(),
        }
    }
}

/// The host as compared: IDNA-encoded, lower case, without a trailing dot; IP addresses in their
/// canonical form (the URL parser already turns `0x7f.0.0.1` and `2130706433` into `127.0.0.1`).
fn normal_host(url: &Url) -> Option<String> {
    Some(match url.host()? {
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            // `127.0.0.1.` is a domain to some parsers and an address to others: read it again.
            match Host::parse(&d) {
                Ok(Host::Ipv4(a)) => a.to_string(),
                _ => d,
            }
        }
        Host::Ipv4(a) => a.to_string(),
        Host::Ipv6(a) => format!("[{a}]"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        let o = AllowedHost::origin_of(&u("http://127.0.0.1:8080/index.html")).unwrap();
        assert!(o.allows(&u("http://127.0.0.1:8080/a")));
        for other in [
            "http://127.0.0.1:8081/a",
            "http://127.0.0.1./a",
            "https://127.0.0.1:8080/a",
            "http://localhost:8080/a",
        ] {
            assert!(!o.allows(&u(other)), "{other}");
        }
        // Every way of writing the same address is the same address, and port still matters.
        for same in [
            "http://127.0.0.1.:8080/a",
            "http://0x7f.0.0.1:8080/a",
            "http://2130706433:8080/a",
            "http://１２７.０.０.１:8080/a",
        ] {
            assert!(o.allows(&u(same)), "{same}");
            assert!(!o.allows(&u(&same.replace("8080", "9090"))), "{same}");
        }
    }

    #[test]
    fn a_configured_host_is_normalised_like_a_link() {
        let h = AllowedHost::parse("Example.GOV.").unwrap();
        assert!(h.allows(&u("https://example.gov/a")));
        assert!(h.allows(&u("http://EXAMPLE.gov./a")));
        assert!(!h.allows(&u("https://example.gov:8443/a")));
        assert!(!h.allows(&u("https://sub.example.gov/a")));
        let idn = AllowedHost::parse("商务部.中国").unwrap();
        assert!(
            idn.allows(&u("https://xn--g6w251d.xn--fiqs8s/"))
                || idn.allows(&u("https://商务部.中国/"))
        );
        assert!(idn.allows(&u("https://商务部.中国/a")));
        let with_port = AllowedHost::parse("example.gov:8443").unwrap();
        assert!(with_port.allows(&u("https://example.gov:8443/a")));
        assert!(!with_port.allows(&u("https://example.gov/a")));
        let exact = AllowedHost::parse("https://example.gov").unwrap();
        assert!(exact.allows(&u("https://example.gov/a")));
        assert!(!exact.allows(&u("http://example.gov/a")));
        assert!(AllowedHost::parse("ftp://example.gov").is_err());
        assert!(AllowedHost::parse("example.gov/path").is_err());
        assert!(AllowedHost::parse("user@example.gov").is_err());
        assert!(AllowedHost::parse("").is_err());
    }

    #[test]
    fn non_http_schemes_are_never_allowed() {
        let h = AllowedHost::parse("example.gov").unwrap();
        assert!(!h.allows(&u("file:///etc/passwd")));
        assert!(!h.allows(&u("gopher://example.gov/")));
    }
}
