//! Naming the issuer of a certificate chain the client refused. Government hosts sometimes serve
//! chains that a strict client rejects; "UnknownIssuer" alone does not tell an operator which CA
//! to add with `ca_file`. A second handshake reads the certificate the server presents and is
//! aborted as soon as it is seen: nothing is sent over it and nothing is trusted.

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Keeps the end-entity certificate and refuses it: every handshake through it fails.
#[derive(Debug)]
struct Capture {
    seen: Mutex<Option<Vec<u8>>>,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        Err(rustls::Error::General(
            "certificate read; handshake stopped".into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("not verified".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("not verified".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// The issuer (`CN=…, O=…, C=…`) of the certificate `host:port` presents, or `None` when it
/// cannot be read. Blocking; bounded by `timeout`.
pub fn presented_issuer(host: &str, port: u16, timeout: Duration) -> Option<String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let capture = Arc::new(Capture {
        seen: Mutex::new(None),
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    });
    // A verifier that refuses everything: the handshake ends at the certificate.
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))
        .ok()?
        .to_owned();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    let addr = (host.trim_start_matches('[').trim_end_matches(']'), port)
        .to_socket_addrs()
        .ok()?
        .next()?;
    let mut sock = TcpStream::connect_timeout(&addr, timeout).ok()?;
    sock.set_read_timeout(Some(timeout)).ok()?;
    sock.set_write_timeout(Some(timeout)).ok()?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut sock) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let der = capture.seen.lock().ok()?.take()?;
    issuer_of(&der)
}

/// One DER element: its tag, its contents, and what follows it.
fn element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)? as usize;
    let (len, head) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | x as usize);
        (len, 2 + n)
    };
    let content = b.get(head..head.checked_add(len)?)?;
    Some((tag, content, &b[head + len..]))
}

/// The issuer Name of an X.509 certificate, as `CN=…, O=…, OU=…, C=…` (the attributes people
/// recognise a CA by).
pub fn issuer_of(der: &[u8]) -> Option<String> {
    let (_, cert, _) = element(der)?;
    let (_, tbs, _) = element(cert)?;
    let mut rest = tbs;
    // version [0] EXPLICIT, optional
    if rest.first() == Some(&0xa0) {
        rest = element(rest)?.2;
    }
    rest = element(rest)?.2; // serialNumber
    rest = element(rest)?.2; // signature AlgorithmIdentifier
    let (_, name, _) = element(rest)?; // issuer
    let mut parts = Vec::new();
    let mut sets = name;
    while let Some((_, set, next)) = element(sets) {
        let mut atvs = set;
        while let Some((_, atv, after)) = element(atvs) {
            if let Some((_, oid, value)) = element(atv)
                && let Some((_, text, _)) = element(value)
            {
                let label = match oid {
                    [0x55, 0x04, 0x03] => Some((0, "CN")),
                    [0x55, 0x04, 0x0a] => Some((1, "O")),
                    [0x55, 0x04, 0x0b] => Some((2, "OU")),
                    [0x55, 0x04, 0x06] => Some((3, "C")),
                    _ => None,
                };
                if let Some((rank, label)) = label {
                    parts.push((rank, format!("{label}={}", String::from_utf8_lossy(text))));
                }
            }
            atvs = after;
        }
        sets = next;
    }
    parts.sort_by_key(|(rank, _)| *rank);
    let parts: Vec<String> = parts.into_iter().map(|(_, p)| p).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
