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
#[cfg(unix)]
use std::time::Instant;

#[cfg(unix)]
use crate::net::capture::Deadlined;
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
    let tcp = TcpStream::connect_timeout(first, limit).map_err(|e| e.to_string())?;
    // One deadline for the whole handshake, as the rustls capture has: a per-read
    // timeout alone lets a server that trickles bytes keep root waiting for ever.
    let sock = Deadlined::new(&tcp, Instant::now() + limit);
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

#[cfg(all(test, unix))]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    use crate::net::endpoint;

    /// A server that starts a record and then sends one byte at a time, each well within
    /// the limit, for as long as the client listens: only a deadline for the whole
    /// handshake ends it (a per-read timeout never fires).
    #[test]
    fn a_server_that_trickles_bytes_is_cut_off_by_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut hello = [0u8; 512];
            let _ = s.read(&mut hello);
            // A handshake record announcing 16 KiB, then its body one byte at a time.
            if s.write_all(&[0x16, 0x03, 0x03, 0x40, 0x00]).is_err() {
                return;
            }
            while s.write_all(&[0x02]).is_ok() {
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let ep = endpoint::parse(&format!("127.0.0.1:{port}")).unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(super::capture(&ep, None, Duration::from_secs(1)));
        });
        // With a one-second limit the capture must end long before the trickle does
        // (16 KiB at 10 bytes a second is about half an hour).
        let result = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("the OpenSSL capture ran on past its limit while the server trickled bytes");
        assert!(result.is_err(), "{result:?}");
    }
}
