//! Capturing the chain a TLS server presents, with rustls (ring provider).
//!
//! The verifier installed here records the certificates the server sent and then fails
//! the handshake on purpose: certpatch never finishes a connection to a server it has
//! not verified and never sends it any data. What is captured is only ever judged.
//!
//! Time limits are deadlines, not per-read timeouts: one for opening the connection
//! (all of the host's addresses together) and one from the connection to the server's
//! certificates (proxy tunnel included). Every read and write gets only the time left
//! ([`Deadlined`]), so a server or proxy that sends a byte a second cannot keep
//! `diagnose` running past them.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

use crate::net::endpoint::Endpoint;
use crate::net::proxy::{self, Proxy};

/// Time limits of one capture.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// To open the TCP connection (to the server, or to the proxy).
    pub connect: Duration,
    /// From the connection to the server's certificates (proxy tunnel included).
    pub handshake: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: proxy::CONNECT_TIMEOUT,
            handshake: Duration::from_secs(15),
        }
    }
}

/// A captured chain, as the server sent it (leaf first).
#[derive(Debug)]
pub struct Captured {
    pub chain: Vec<Vec<u8>>,
    /// The address connected to (the proxy's when through one).
    pub peer: SocketAddr,
    pub proxy: Option<Proxy>,
}

/// Why no chain was captured. Each says what went wrong and what to try.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot resolve `{host}`: {cause}\nhint: check the spelling; behind a proxy, set HTTPS_PROXY=http://PROXY:PORT; or save the chain elsewhere and run `certpatch diagnose --chain FILE --name {host}`")]
    Resolve { host: String, cause: String },
    #[error("{target}: connection refused: nothing listens on that port\nhint: check the port (HTTPS is usually 443) and that the server runs; a firewall may also refuse it")]
    Refused { target: String },
    #[error("{target}: unreachable ({cause})\nhint: check the address and your network; behind a proxy, set HTTPS_PROXY=http://PROXY:PORT (NO_PROXY lists hosts reached directly)")]
    Unreachable { target: String, cause: String },
    #[error("{target}: the connection was closed during the TLS handshake, before any certificate\nhint: the server may not speak TLS on this port, may require a client certificate or another server name (SNI), or a firewall cut it; try `openssl s_client -connect {target} -servername HOST`")]
    Closed { target: String },
    #[error("{target}: the server did not answer in TLS ({detail})\nhint: is this a plain-HTTP or other non-TLS port? HTTPS is usually 443")]
    NotTls { target: String, detail: String },
    #[error("{target}: the server's certificate message is larger than 64 KiB (thousands of names, or many certificates): certpatch cannot read it, and Python (OpenSSL accepts at most 100 KiB) fails on it too with \"excessive message size\"\nhint: no bundle change fixes this: the server's operator must send a smaller certificate (fewer subjectAltNames) and chain; to look at it anyway, save it with `openssl s_client -showcerts -connect {target}` and read it with `openssl x509 -noout -text`")]
    TooLarge { target: String },
    #[error("{target}: no common TLS version or cipher ({detail})\nhint: the server may offer only TLS 1.0/1.1 or ciphers certpatch (rustls) refuses; save its chain with `openssl s_client -showcerts -connect {target}` and run `certpatch diagnose --chain FILE --name HOST`")]
    Mismatch { target: String, detail: String },
    #[error("{target}: no certificate within {seconds} s of connecting\nhint: the server or the network is slow or silent; try again, or check HTTPS_PROXY/NO_PROXY")]
    TimedOut { target: String, seconds: u64 },
    #[error("proxy {proxy} (from {variable}): {detail}\nhint: check {variable}, or add the host to NO_PROXY to connect directly")]
    Proxy {
        proxy: String,
        variable: &'static str,
        detail: String,
    },
    #[error("{target}: the TLS handshake failed before the server's certificate: {detail}")]
    Tls { target: String, detail: String },
}

impl CaptureError {
    /// A stable code for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            CaptureError::Resolve { .. } => "unresolved",
            CaptureError::Refused { .. } => "refused",
            CaptureError::Unreachable { .. } => "unreachable",
            CaptureError::Closed { .. } => "closed",
            CaptureError::NotTls { .. } => "not-tls",
            CaptureError::TooLarge { .. } => "too-large",
            CaptureError::Mismatch { .. } => "tls-mismatch",
            CaptureError::TimedOut { .. } => "timed-out",
            CaptureError::Proxy { .. } => "proxy",
            CaptureError::Tls { .. } => "tls-error",
        }
    }
}

/// The verifier that records the chain and refuses it.
#[derive(Debug)]
struct Recorder {
    seen: Mutex<Option<Vec<Vec<u8>>>>,
    schemes: Vec<SignatureScheme>,
}

/// The text of the error the recorder ends the handshake with.
const RECORDED: &str = "certpatch recorded the chain and ends the handshake unverified";

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(chain);
        Err(rustls::Error::General(RECORDED.to_string()))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(RECORDED.to_string()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(RECORDED.to_string()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// Connects to `endpoint` (through the `HTTPS_PROXY` of the environment unless `NO_PROXY`
/// names it), sends a ClientHello with SNI for a host name, and returns the certificates
/// the server presents. The handshake is always aborted.
pub fn capture(endpoint: &Endpoint, timeouts: Timeouts) -> Result<Captured, CaptureError> {
    capture_at(endpoint, None, timeouts)
}

/// [`capture`], connecting to `addr` instead of resolving the host when given (`--resolve`;
/// the host is still the name sent and checked). Through a proxy, the proxy resolves the
/// host and `addr` is not used, as with curl.
pub fn capture_at(
    endpoint: &Endpoint,
    addr: Option<std::net::IpAddr>,
    timeouts: Timeouts,
) -> Result<Captured, CaptureError> {
    let proxy =
        proxy::for_https(&endpoint.host, endpoint.port).map_err(|detail| CaptureError::Proxy {
            proxy: "?".into(),
            variable: "HTTPS_PROXY",
            detail,
        })?;
    capture_via(endpoint, addr, proxy, timeouts)
}

/// [`capture`] through `proxy` (or directly, to `addr` when given), whatever the
/// environment says.
pub fn capture_via(
    endpoint: &Endpoint,
    addr: Option<std::net::IpAddr>,
    proxy: Option<Proxy>,
    timeouts: Timeouts,
) -> Result<Captured, CaptureError> {
    let target = endpoint.authority();
    let (sock, peer, deadline) = match &proxy {
        None => {
            let host = addr.map_or_else(|| endpoint.host.clone(), |a| a.to_string());
            let (sock, peer) = open(&host, endpoint.port, &target, timeouts.connect)?;
            (sock, peer, Instant::now() + timeouts.handshake)
        }
        Some(p) => {
            let (host, port) = split_authority(&p.authority);
            let proxy_error = |detail: String| CaptureError::Proxy {
                proxy: p.shown(),
                variable: p.variable,
                detail,
            };
            let (sock, peer) = open(&host, port, &p.authority, timeouts.connect)
                .map_err(|e| proxy_error(first_line(&e.to_string())))?;
            let deadline = Instant::now() + timeouts.handshake;
            proxy::connect_tunnel(&mut Deadlined::new(&sock, deadline), p, &target).map_err(
                |detail| match detail {
                    proxy::TunnelError::TimedOut => CaptureError::TimedOut {
                        target: target.clone(),
                        seconds: timeouts.handshake.as_secs(),
                    },
                    proxy::TunnelError::Failed(detail) => proxy_error(detail),
                },
            )?;
            (sock, peer, deadline)
        }
    };
    let _ = sock.set_nodelay(true);
    let mut sock = Deadlined::new(&sock, deadline);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        seen: Mutex::new(None),
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CaptureError::Tls {
            target: target.clone(),
            detail: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = match endpoint.ip() {
        Some(ip) => ServerName::IpAddress(ip.into()),
        None => ServerName::try_from(endpoint.host.clone()).map_err(|e| CaptureError::Tls {
            target: target.clone(),
            detail: format!("`{}` is not a valid server name: {e}", endpoint.host),
        })?,
    };
    let mut conn =
        ClientConnection::new(Arc::new(config), name).map_err(|e| CaptureError::Tls {
            target: target.clone(),
            detail: e.to_string(),
        })?;
    let taken = |r: &Recorder| r.seen.lock().unwrap_or_else(|e| e.into_inner()).take();
    loop {
        let result = conn.complete_io(&mut sock);
        if let Some(chain) = taken(&recorder) {
            // Close without a word more: the alert rustls queued is all the server gets.
            let _ = conn.write_tls(&mut sock);
            let _ = sock.sock.shutdown(std::net::Shutdown::Both);
            return Ok(Captured { chain, peer, proxy });
        }
        match result {
            Ok(_) if conn.is_handshaking() => {
                if Instant::now() >= deadline {
                    return Err(CaptureError::TimedOut {
                        target,
                        seconds: timeouts.handshake.as_secs(),
                    });
                }
            }
            Ok(_) => {
                // Unreachable: the recorder refuses every chain, so no handshake ends.
                return Err(CaptureError::Tls {
                    target,
                    detail: "the handshake ended without a certificate".into(),
                });
            }
            Err(e) => return Err(classify(&target, e, timeouts)),
        }
    }
}

fn classify(target: &str, e: io::Error, timeouts: Timeouts) -> CaptureError {
    let target = target.to_string();
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        use rustls::AlertDescription as A;
        return match tls {
            rustls::Error::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge) => {
                CaptureError::TooLarge { target }
            }
            rustls::Error::InvalidMessage(m) => CaptureError::NotTls {
                target,
                detail: format!("its answer is not a TLS record: {m:?}"),
            },
            rustls::Error::AlertReceived(
                a @ (A::ProtocolVersion | A::HandshakeFailure | A::InsufficientSecurity),
            ) => CaptureError::Mismatch {
                target,
                detail: format!("the server answered with the alert {a:?}"),
            },
            rustls::Error::PeerIncompatible(p) => CaptureError::Mismatch {
                target,
                detail: format!("{p:?}"),
            },
            other => CaptureError::Tls {
                target,
                detail: other.to_string(),
            },
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => CaptureError::Closed { target },
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => CaptureError::TimedOut {
            target,
            seconds: timeouts.handshake.as_secs(),
        },
        _ => CaptureError::Tls {
            target,
            detail: e.to_string(),
        },
    }
}

/// A socket whose reads and writes must all end by one deadline: each gets only the time
/// left, and none starts after it (`TimedOut`).
#[derive(Debug)]
pub(crate) struct Deadlined<'a> {
    sock: &'a TcpStream,
    deadline: Instant,
}

impl<'a> Deadlined<'a> {
    pub(crate) fn new(sock: &'a TcpStream, deadline: Instant) -> Self {
        Deadlined { sock, deadline }
    }

    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the time limit passed",
            ));
        }
        Ok(left)
    }
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.set_read_timeout(Some(self.left()?))?;
        (&mut &*self.sock).read(buf)
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.set_write_timeout(Some(self.left()?))?;
        (&mut &*self.sock).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&mut &*self.sock).flush()
    }
}

fn split_authority(a: &str) -> (String, u16) {
    let (h, p) = a.rsplit_once(':').unwrap_or((a, "80"));
    (
        h.trim_start_matches('[').trim_end_matches(']').to_string(),
        p.parse().unwrap_or(80),
    )
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Opens a TCP connection to the first address of `host` that answers.
fn open(
    host: &str,
    port: u16,
    target: &str,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), CaptureError> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| CaptureError::Resolve {
            host: host.to_string(),
            cause: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(CaptureError::Resolve {
            host: host.to_string(),
            cause: "no address".into(),
        });
    }
    let deadline = Instant::now() + timeout;
    let mut last = None;
    for addr in &addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => return Ok((s, *addr)),
            Err(e) => last = Some(e),
        }
    }
    let e = last.unwrap_or_else(|| io::Error::from(io::ErrorKind::TimedOut));
    Err(match e.kind() {
        io::ErrorKind::ConnectionRefused => CaptureError::Refused {
            target: target.to_string(),
        },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => CaptureError::Unreachable {
            target: target.to_string(),
            cause: format!("no answer within {} s", timeout.as_secs()),
        },
        _ => CaptureError::Unreachable {
            target: target.to_string(),
            cause: e.to_string(),
        },
    })
}
