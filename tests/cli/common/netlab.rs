//! Test PKIs made at test time (rcgen) and servers on 127.0.0.1 in threads: a rustls
//! server presenting a chosen chain, and an HTTP server answering AIA fetches as a test
//! decides. Used by the CLI tests and by the `net` layer's tests (`net_layer.rs`).
//! Nothing here ever listens on or connects to any address but 127.0.0.1.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A certificate made for a test, with its key.
pub struct Issued {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
}

impl Issued {
    pub fn der(&self) -> Vec<u8> {
        self.cert.der().to_vec()
    }
    pub fn pem(&self) -> String {
        self.cert.pem()
    }
}

/// Validity of a test certificate: from `from` to `until` (years, Jan 1st).
#[derive(Clone, Copy)]
pub struct Years(pub i32, pub i32);

/// Valid from 2025 to 2031: covers TEST_CLOCK and the real clock (Python checks now).
pub const VALID: Years = Years(2025, 2031);

fn dates(p: &mut CertificateParams, v: Years) {
    p.not_before = rcgen::date_time_ymd(v.0, 1, 1);
    p.not_after = rcgen::date_time_ymd(v.1, 1, 1);
}

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

/// The DER of an authorityInfoAccess value naming `url` as "CA Issuers".
pub fn aia_value(url: &str) -> Vec<u8> {
    let oid = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut desc = oid.to_vec();
    desc.extend(tlv(0x86, url.as_bytes()));
    tlv(0x30, &tlv(0x30, &desc))
}

/// A certs-only PKCS#7 (DER) holding `certs`.
pub fn pkcs7(certs: &[Vec<u8>]) -> Vec<u8> {
    let signed_data_oid = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
    ];
    let data_oid = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ];
    let mut sd = vec![0x02, 0x01, 0x01]; // version 1
    sd.extend(tlv(0x31, &[])); // digestAlgorithms
    sd.extend(tlv(0x30, &data_oid)); // encapContentInfo
    sd.extend(tlv(0xA0, &certs.concat())); // certificates [0] IMPLICIT
    sd.extend(tlv(0x31, &[])); // signerInfos
    let mut ci = signed_data_oid.to_vec();
    ci.extend(tlv(0xA0, &tlv(0x30, &sd)));
    tlv(0x30, &ci)
}

fn named(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name
        .push(DnType::OrganizationName, "certpatch test");
    p.distinguished_name.push(DnType::CommonName, cn);
    p
}

/// A self-signed root.
pub fn root(cn: &str) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p = named(cn);
    dates(&mut p, Years(2024, 2040));
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = p.self_signed(&key).unwrap();
    Issued { cert, key }
}

/// An intermediate CA issued by `issuer`, naming `aia` as its issuer's URL.
pub fn intermediate(cn: &str, issuer: &Issued, aia: Option<&str>) -> Issued {
    ca(cn, issuer, aia, BasicConstraints::Constrained(0))
}

/// An intermediate CA that may issue other CAs (no pathLenConstraint).
pub fn issuing_ca(cn: &str, issuer: &Issued, aia: Option<&str>) -> Issued {
    ca(cn, issuer, aia, BasicConstraints::Unconstrained)
}

fn ca(cn: &str, issuer: &Issued, aia: Option<&str>, bc: BasicConstraints) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p = named(cn);
    dates(&mut p, Years(2024, 2035));
    p.is_ca = IsCa::Ca(bc);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.use_authority_key_identifier_extension = true;
    if let Some(url) = aia {
        p.custom_extensions.push(CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            aia_value(url),
        ));
    }
    let cert = p.signed_by(&key, &issuer.cert, &issuer.key).unwrap();
    Issued { cert, key }
}

/// A server certificate for `names` (DNS names or addresses) issued by `issuer`.
pub fn leaf(names: &[&str], issuer: &Issued, aia: Option<&str>, valid: Years) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    dates(&mut p, valid);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    if let Some(url) = aia {
        p.custom_extensions.push(CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            aia_value(url),
        ));
    }
    let cert = p.signed_by(&key, &issuer.cert, &issuer.key).unwrap();
    Issued { cert, key }
}

/// A self-signed server certificate (no CA).
pub fn self_signed_leaf(name: &str) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    dates(&mut p, VALID);
    let cert = p.self_signed(&key).unwrap();
    Issued { cert, key }
}

fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// A TLS server on 127.0.0.1 presenting `chain` (leaf first) with `key`; after a
/// handshake it answers any HTTP request with `200 ok`. Runs until the test ends.
pub fn tls_server(chain: Vec<Vec<u8>>, key: &KeyPair) -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            chain.into_iter().map(CertificateDer::from).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let config = Arc::new(config);
    let (l, port) = listener();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, &mut stream);
                let mut buf = [0u8; 4096];
                let mut request: Vec<u8> = Vec::new();
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend(&buf[..n]),
                    }
                }
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// What the AIA server answers to one request.
pub enum Answer {
    Body(Vec<u8>),
    /// Announces a body and then sends a byte every half second (too slow).
    Slow,
    Status(u16),
    /// `302 Found` with this `Location`.
    Redirect(String),
}

/// An HTTP server on 127.0.0.1 answering each request's path with `answer(path)`;
/// returns its port and the number of requests it got.
pub fn http_server(
    answer: impl Fn(&str) -> Answer + Send + Sync + 'static,
) -> (u16, Arc<AtomicUsize>) {
    let (l, port) = listener();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            let answer = answer.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let mut request: Vec<u8> = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                match answer(&path) {
                    Answer::Body(b) => {
                        let _ = stream.write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                b.len()
                            )
                            .as_bytes(),
                        );
                        let _ = stream.write_all(&b);
                    }
                    Answer::Status(code) => {
                        let _ = stream.write_all(
                            format!("HTTP/1.1 {code} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .as_bytes(),
                        );
                    }
                    Answer::Redirect(to) => {
                        let _ = stream.write_all(
                            format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .as_bytes(),
                        );
                    }
                    Answer::Slow => {
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\nConnection: close\r\n\r\n",
                        );
                        for _ in 0..120 {
                            if stream.write_all(b"0").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(500));
                        }
                    }
                }
            });
        }
    });
    (port, hits)
}

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
pub fn closed_port() -> u16 {
    let (l, port) = listener();
    drop(l);
    port
}

/// A plain-HTTP server on 127.0.0.1 that answers whatever arrives first with
/// `400 Bad Request`, as web servers answer a TLS ClientHello on an HTTP port.
pub fn plain_http_port() -> u16 {
    let (l, port) = listener();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                if stream.read(&mut buf).unwrap_or(0) > 0 {
                    let _ = stream.write_all(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
                    );
                }
            });
        }
    });
    port
}

/// A test PKI: a root and an intermediate it issued (the leaf is made once the AIA
/// server's port is known).
pub fn cas() -> (Issued, Issued) {
    let root = root("certpatch Test Root");
    let int = intermediate("certpatch Test Intermediate", &root, None);
    (root, int)
}

/// The leaf of a site on this machine (`localhost`, `127.0.0.1`) naming `aia_url`.
pub fn site_leaf(int: &Issued, aia_url: &str, valid: Years) -> Issued {
    leaf(&["localhost", "127.0.0.1"], int, Some(aia_url), valid)
}

/// An HTTP CONNECT proxy on 127.0.0.1 that tunnels only to 127.0.0.1; returns its port
/// and the targets it was asked for.
pub fn connect_proxy() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    let (l, port) = listener();
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut client) = stream else { continue };
            let log = log.clone();
            std::thread::spawn(move || {
                let _ = client.set_read_timeout(Some(Duration::from_secs(20)));
                let mut head: Vec<u8> = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let mut words = text.split_whitespace();
                let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                log.lock().unwrap().push(format!("{method} {target}"));
                if method != "CONNECT" || !target.starts_with("127.0.0.1:") {
                    let _ =
                        client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
                    return;
                }
                let Ok(server) = std::net::TcpStream::connect(target) else {
                    let _ =
                        client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut c1, mut s1) = (client, server);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, asked)
}
