//! Reaching a ministry from a network that cannot: through an HTTP or SOCKS5 proxy, global or per
//! source; and `sources` telling "unreachable from here" apart from "the page changed".

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::support::{Server, html, outcome};

const HOST: &str = "ministry.invalid";

fn article() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "snapshots/mofcom/2025-10-09/www.mofcom.gov.cn/zwgk/zcfb/art/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html",
    ))
    .unwrap()
}

/// The ministry's pages, answered whether asked in origin form (`/x`, through a tunnel) or in
/// absolute form (`http://ministry.invalid/x`, by an HTTP proxy).
fn ministry() -> Server {
    Server::start(|path, _| {
        let path = path.strip_prefix(&format!("http://{HOST}")).unwrap_or(path);
        match path {
            "/x/index.html" => html(
                "<html><body><ul><li><a href=\"/x/art.html\">商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定</a></li></ul></body></html>",
            ),
            "/x/art.html" => html(article()),
            _ => ("404 Not Found", Vec::new(), Vec::new()),
        }
    })
}

/// A SOCKS5 proxy (RFC 1928, no authentication) that connects every CONNECT to `target`,
/// keeping the host names it was asked for.
fn socks5(target: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut c = client;
                let mut b = [0u8; 262];
                c.read_exact(&mut b[..2]).unwrap();
                let methods = b[1] as usize;
                c.read_exact(&mut b[..methods]).unwrap();
                c.write_all(&[5, 0]).unwrap();
                c.read_exact(&mut b[..4]).unwrap();
                let name = match b[3] {
                    3 => {
                        c.read_exact(&mut b[..1]).unwrap();
                        let n = b[0] as usize;
                        c.read_exact(&mut b[..n]).unwrap();
                        String::from_utf8_lossy(&b[..n]).into_owned()
                    }
                    1 => {
                        c.read_exact(&mut b[..4]).unwrap();
                        format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
                    }
                    _ => return,
                };
                c.read_exact(&mut b[..2]).unwrap();
                log.lock().unwrap().push(name);
                let upstream = TcpStream::connect(target).unwrap();
                c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).unwrap();
                let (mut c2, mut u2) = (c.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                });
                let (mut u, mut c) = (upstream, c);
                let _ = std::io::copy(&mut u, &mut c);
            });
        }
    });
    (addr, asked)
}

fn run(config: &str, args: &[&str]) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schedule.toml"), config).unwrap();
    let out = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(dir.path().join("schedule.toml"))
        .args(args)
        .env("REGWATCH_NOW", "2025-10-09T02:00:00Z")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text, dir)
}

fn source(id: &str, extra: &str) -> String {
    format!(
        "\n[[source]]\nid = \"{id}\"\nprofile = \"mofcom\"\nurl = \"http://{HOST}/x/index.html\"\nschedule = \"0 * * * *\"\n{extra}\n"
    )
}

#[test]
fn a_site_unreachable_from_here_is_read_through_a_proxy() {
    let site = ministry();
    let (socks, asked) = socks5(site.addr);
    let config = format!(
        "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 10\nconnect_timeout_secs = 3\nproxy = \"http://{}\"\n[politeness]\nmin_interval_ms = 0\n{}{}{}",
        site.addr,
        source("via-http-proxy", ""),
        source("via-socks", &format!("proxy = \"socks5h://{socks}\"")),
        source("direct", "proxy = \"\""),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schedule.toml"), &config).unwrap();
    let cmd = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("regwatch")
            .unwrap()
            .arg("--config")
            .arg(dir.path().join("schedule.toml"))
            .args(args)
            .env("REGWATCH_NOW", "2025-10-09T02:00:00Z")
            .env_remove("REGWATCH_DB")
            .output()
            .unwrap()
    };
    let out = cmd(&["check", "--all", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |id: &str| outcome(&summary, id).clone();
    // Through the global HTTP proxy: requests in absolute form, for the ministry's host.
    assert_eq!(of("via-http-proxy")["ok"], true, "{summary:#}");
    assert!(
        site.seen()
            .iter()
            .any(|s| s.path == format!("http://{HOST}/x/art.html"))
    );
    // Through the source's own SOCKS5 proxy, which resolved the name (socks5h).
    assert_eq!(of("via-socks")["ok"], true, "{summary:#}");
    assert!(asked.lock().unwrap().iter().any(|h| h == HOST), "{asked:?}");
    // Directly, the name does not resolve: unreachable from here, said as such.
    assert_eq!(of("direct")["ok"], false);
    let sources = String::from_utf8(cmd(&["sources"]).stdout).unwrap();
    assert!(
        sources.contains("unreachable from here (network)"),
        "{sources}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&cmd(&["sources", "--format", "json"]).stdout).unwrap();
    let direct = json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "direct")
        .unwrap();
    assert_eq!(direct["failure_kind"], "network", "{direct:#}");
}

#[test]
fn proxy_and_ca_settings_are_checked_before_anything_runs() {
    let (code, text, _dir) = run(
        &format!(
            "{}\n[http]\nproxy = \"ftp://127.0.0.1:21\"\n",
            source("x", "")
        ),
        &["check", "--all"],
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("invalid proxy") && text.contains("socks5h://"),
        "{text}"
    );
    let (code, text, _dir) = run(
        &format!("[http]\nca_file = \"missing.pem\"\n{}", source("x", "")),
        &["check", "--all"],
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("http.ca_file") && text.contains("missing.pem"),
        "{text}"
    );
}

/// A test PKI: a CA no system trusts, and a certificate for 127.0.0.1 it issued.
struct Pki {
    ca_pem: String,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Test Government Root CA");
    ca.distinguished_name
        .push(rcgen::DnType::OrganizationName, "Ministry Test PKI");
    ca.distinguished_name.push(rcgen::DnType::CountryName, "CN");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        chain: vec![leaf_cert.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    }
}

/// An HTTPS server on 127.0.0.1 with `pki`'s certificate, serving the ministry's pages.
fn https_ministry(pki: &Pki) -> SocketAddr {
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = match path.as_str() {
                    "/x/index.html" => ("200 OK", "<html><body><ul><li><a href=\"/x/art.html\">商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定</a></li></ul></body></html>".to_string()),
                    "/x/art.html" => ("200 OK", article()),
                    _ => ("404 Not Found", String::new()),
                };
                let _ = write!(
                    tls,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

#[test]
fn an_untrusted_chain_names_its_issuer_and_a_ca_file_makes_it_trusted() {
    let pki = pki();
    let addr = https_ministry(&pki);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ministry-ca.pem"), &pki.ca_pem).unwrap();
    let source = |id: &str, extra: &str| {
        format!(
            "\n[[source]]\nid = \"{id}\"\nprofile = \"mofcom\"\nurl = \"https://{addr}/x/index.html\"\nschedule = \"0 * * * *\"\n{extra}\n"
        )
    };
    let config = format!(
        "[store]\npath = \"test.db\"\n[http]\ntimeout_secs = 10\n[politeness]\nmin_interval_ms = 0\n{}{}",
        source("strict", ""),
        source("trusting", "ca_file = \"ministry-ca.pem\""),
    );
    std::fs::write(dir.path().join("schedule.toml"), config).unwrap();
    let out = assert_cmd::Command::cargo_bin("regwatch")
        .unwrap()
        .arg("--config")
        .arg(dir.path().join("schedule.toml"))
        .args(["check", "--all", "--format", "json"])
        .env("REGWATCH_NOW", "2025-10-09T02:00:00Z")
        .env_remove("REGWATCH_DB")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |id: &str| outcome(&summary, id).clone();
    let strict = of("strict");
    let error = strict["error"].as_str().unwrap();
    assert!(
        error.contains("was not trusted")
            && error.contains("issued by CN=Test Government Root CA, O=Ministry Test PKI, C=CN")
            && error.contains("ca_file"),
        "{error}"
    );
    // Added to the system's roots for this source only: it reads the site.
    let trusting = of("trusting");
    assert_eq!(trusting["ok"], true, "{trusting:#}");
    assert!(trusting["changes"].as_u64().unwrap() > 0);
}
