//! robots.txt (RFC 9309): whether regwatch may fetch a URL. Sources respect it unless they opt
//! out (`robots_txt = false`). Pure parsing and matching here; fetching and caching per host is
//! the checker's.

/// The product token regwatch matches `User-agent` lines against.
pub const AGENT: &str = "regwatch";

/// A group of robots.txt: its user agents, then its (allow, pattern) rules.
type Group = (Vec<String>, Vec<(bool, String)>);

/// The rules that apply to regwatch on one host.
#[derive(Debug, Clone, Default)]
pub struct Robots {
    /// The group that applies: allow or not, the pattern's length (longest match wins), and
    /// the pattern as a regular expression.
    rules: Vec<(bool, usize, regex::Regex)>,
    /// robots.txt could not be fetched for a reason that means "do not crawl" (5xx, network).
    disallow_all: bool,
}

impl Robots {
    /// No robots.txt (4xx): everything is allowed.
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// robots.txt unreachable (5xx, network error): RFC 9309 says assume complete disallow.
    pub fn disallow_all() -> Robots {
        Robots {
            rules: Vec::new(),
            disallow_all: true,
        }
    }

    /// The group for `regwatch` if there is one, else the `*` group.
    pub fn parse(text: &str) -> Robots {
        // Groups: consecutive User-agent lines, then their rules.
        let mut groups: Vec<Group> = Vec::new();
        let mut in_agents = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push((Vec::new(), Vec::new()));
                        in_agents = true;
                    }
                    if let Some(g) = groups.last_mut() {
                        g.0.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut()
                        && !value.is_empty()
                    {
                        g.1.push((key == "allow", value.to_string()));
                    }
                }
                _ => {}
            }
        }
        let ours = groups
            .iter()
            .filter(|(agents, _)| {
                agents
                    .iter()
                    .any(|a| a != "*" && AGENT.contains(a.as_str()))
            })
            .flat_map(|(_, r)| r.iter().cloned())
            .collect::<Vec<_>>();
        let rules = if groups.iter().any(|(agents, _)| {
            agents
                .iter()
                .any(|a| a != "*" && AGENT.contains(a.as_str()))
        }) {
            ours
        } else {
            groups
                .iter()
                .filter(|(agents, _)| agents.iter().any(|a| a == "*"))
                .flat_map(|(_, r)| r.iter().cloned())
                .collect()
        };
        Robots {
            rules: rules
                .into_iter()
                .filter_map(|(allow, p)| Some((allow, p.len(), pattern_regex(&p)?)))
                .collect(),
            disallow_all: false,
        }
    }

    /// Whether the path (with its query) may be fetched: the longest matching rule decides, an
    /// `Allow` winning a tie; no match allows.
    pub fn allows(&self, path_and_query: &str) -> bool {
        if self.disallow_all {
            return false;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, len, re) in &self.rules {
            if re.is_match(path_and_query) {
                let better = match best {
                    None => true,
                    Some((l, a)) => *len > l || (*len == l && *allow && !a),
                };
                if better {
                    best = Some((*len, *allow));
                }
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// A robots.txt pattern as a regex: a path prefix, `*` for any run, a final `$` for the end.
fn pattern_regex(pattern: &str) -> Option<regex::Regex> {
    let (body, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let mut re = String::from("^");
    re.push_str(
        &body
            .split('*')
            .map(regex::escape)
            .collect::<Vec<_>>()
            .join(".*"),
    );
    if anchored {
        re.push('$');
    }
    regex::Regex::new(&re).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_group_wins_over_star_and_longest_rule_decides() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: RegWatch\nUser-agent: other\nDisallow: /zwgk/\nAllow: /zwgk/zcfb/\n",
        );
        assert!(r.allows("/zwgk/zcfb/art/2025/a.html"));
        assert!(!r.allows("/zwgk/other.html"));
        assert!(r.allows("/index.html"));
        let star = Robots::parse("User-agent: *\nDisallow: /private\nAllow: /private/ok$\n");
        assert!(!star.allows("/private/x"));
        assert!(star.allows("/private/ok"));
        assert!(!star.allows("/private/ok/more"));
        assert!(star.allows("/public"));
        let wild = Robots::parse("User-agent: *\nDisallow: /*.pdf$\n");
        assert!(!wild.allows("/a/b.pdf"));
        assert!(wild.allows("/a/b.pdf?x=1"));
        assert!(Robots::parse("garbage\n\u{0}\u{ffff}").allows("/anything"));
        assert!(!Robots::disallow_all().allows("/"));
        assert!(Robots::allow_all().allows("/"));
        // An empty Disallow allows everything.
        assert!(Robots::parse("User-agent: *\nDisallow:\n").allows("/x"));
    }
}
