//! A second way to capture a chain, through OpenSSL, for servers rustls cannot talk to
//! (only DHE, CBC or static-RSA suites, TLS 1.0/1.1) but Python, which links OpenSSL,
//! may: the same library then tells what Python would see.
//!
//! As with [`crate::net::capture`], nothing is verified here and no application data is
//! ever sent: the handshake runs with verification off only to read the certificates,
//! and the connection is closed right after. Direct connections only (no proxy), with
//! the same time limits as the rustls capture. Not built on Windows (see `pyssl`).

use std::net::IpAddr;
use std::time::Duration;

use crate::net::endpoint::Endpoint;

/// The chain (leaf first) the server sent to an OpenSSL client configured as Python's
/// default context (its cipher list and security level, verification off), or why not.
#[cfg(unix)]
pub fn capture(
    endpoint: &Endpoint,
    addr: Option<IpAddr>,
    limit: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
    let host = addr.map_or_else(|| endpoint.host.clone(), |a| a.to_string());
    let addrs: Vec<SocketAddr> = (host.as_str(), endpoint.port)
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .collect();
    let first = addrs.first().ok_or("no address")?;
    let sock = TcpStream::connect_timeout(first, limit).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(limit))
        .map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(limit))
        .map_err(|e| e.to_string())?;
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    // Python's own cipher string (CPython 3.10+) and no verification: only looking.
    b.set_cipher_list(
        "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
    )
    .map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::NONE);
    let connector = b.build();
    let mut config = connector.configure().map_err(|e| e.to_string())?;
    config.set_verify_hostname(false);
    let sni = endpoint.ip().is_none();
    config.set_use_server_name_indication(sni);
    let stream = config
        .connect(&endpoint.host, sock)
        .map_err(|e| e.to_string())?;
    let chain = stream
        .ssl()
        .peer_cert_chain()
        .ok_or("the server sent no certificate")?
        .iter()
        .filter_map(|c| c.to_der().ok())
        .collect::<Vec<_>>();
    let mut s = stream;
    let _ = s.shutdown();
    if chain.is_empty() {
        return Err("the server sent no certificate".into());
    }
    Ok(chain)
}

#[cfg(not(unix))]
pub fn capture(
    _endpoint: &Endpoint,
    _addr: Option<IpAddr>,
    _limit: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    Err("OpenSSL is not built in on this platform".into())
}
