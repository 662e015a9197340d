//! Which installed client libraries use which bundle, so that `find -v` can say whether a
//! patch reaches the program that fails: requests and httpx read certifi's bundle, pip its
//! vendored copy, gRPC clients grpcio's own `roots.pem`, httplib2 certifi's bundle when
//! certifi is installed beside it (else its own `cacerts.txt`), botocore its own
//! `cacert.pem`; aiohttp, and urllib3 used without requests, read none of them but the ssl
//! module's default paths (the system store, `SSL_CERT_FILE`), which no patch here reaches.
//!
//! Judged from the package folders of the bundle's site-packages only (nothing is
//! imported or run), so it says what is installed, not what a program imports.

use std::path::Path;

use super::kinds::Kind;

/// A client library whose trust certpatch can tell from what is installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Library {
    Requests,
    Httpx,
    Httplib2,
    Pip,
    Grpcio,
    Botocore,
    Aiohttp,
    Urllib3,
}

impl Library {
    /// The package's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Library::Requests => "requests",
            Library::Httpx => "httpx",
            Library::Httplib2 => "httplib2",
            Library::Pip => "pip",
            Library::Grpcio => "grpcio",
            Library::Botocore => "botocore",
            Library::Aiohttp => "aiohttp",
            Library::Urllib3 => "urllib3",
        }
    }
}

impl std::fmt::Display for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The site-packages folder holding a bundle of `kind` at `bundle`, for the kinds that sit
/// at a fixed place in one.
fn site_of(bundle: &Path, kind: Kind) -> Option<&Path> {
    let up = match kind {
        Kind::Certifi | Kind::Botocore | Kind::Httplib2 => 2,
        Kind::PipVendored | Kind::Grpcio => 4,
        Kind::Conda | Kind::Other => return None,
    };
    bundle.ancestors().nth(up)
}

fn has(site: &Path, package: &str) -> bool {
    site.join(package).is_dir()
}

/// The installed libraries that verify against the bundle at `bundle` (of `kind`).
pub fn users_of(bundle: &Path, kind: Kind) -> Vec<Library> {
    let Some(site) = site_of(bundle, kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match kind {
        Kind::Certifi => {
            for (package, lib) in [
                ("requests", Library::Requests),
                ("httpx", Library::Httpx),
                ("httplib2", Library::Httplib2),
            ] {
                if has(site, package) {
                    out.push(lib);
                }
            }
        }
        Kind::PipVendored => out.push(Library::Pip),
        Kind::Grpcio => out.push(Library::Grpcio),
        Kind::Botocore => out.push(Library::Botocore),
        // httplib2 prefers certifi's bundle when certifi is installed.
        Kind::Httplib2 if !has(site, "certifi") => out.push(Library::Httplib2),
        _ => {}
    }
    out
}

/// The installed libraries beside the bundle at `bundle` that verify against the ssl
/// module's default paths instead of any bundle: aiohttp, and urllib3 when requests (which
/// gives urllib3 certifi's bundle) is not installed.
pub fn ssl_default_users(bundle: &Path, kind: Kind) -> Vec<Library> {
    let Some(site) = site_of(bundle, kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if has(site, "aiohttp") {
        out.push(Library::Aiohttp);
    }
    if has(site, "urllib3") && !has(site, "requests") {
        out.push(Library::Urllib3);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_library_uses_the_bundle_it_really_reads() {
        let t = tempfile::tempdir().unwrap();
        let sp = t.path().join("lib/python3.12/site-packages");
        for dir in [
            "certifi",
            "requests",
            "httplib2",
            "pip/_vendor/certifi",
            "grpc/_cython/_credentials",
            "aiohttp",
            "urllib3",
        ] {
            std::fs::create_dir_all(sp.join(dir)).unwrap();
        }
        let certifi = sp.join("certifi/cacert.pem");
        assert_eq!(
            users_of(&certifi, Kind::Certifi),
            [Library::Requests, Library::Httplib2]
        );
        let pip = sp.join("pip/_vendor/certifi/cacert.pem");
        assert_eq!(users_of(&pip, Kind::PipVendored), [Library::Pip]);
        let roots = sp.join("grpc/_cython/_credentials/roots.pem");
        assert_eq!(users_of(&roots, Kind::Grpcio), [Library::Grpcio]);
        // httplib2 reads certifi's bundle while certifi is installed, else its own.
        let own = sp.join("httplib2/cacerts.txt");
        assert!(users_of(&own, Kind::Httplib2).is_empty());
        std::fs::remove_dir(sp.join("certifi")).unwrap();
        assert_eq!(users_of(&own, Kind::Httplib2), [Library::Httplib2]);
        // aiohttp never reads certifi; urllib3 only through requests.
        assert_eq!(
            ssl_default_users(&certifi, Kind::Certifi),
            [Library::Aiohttp]
        );
        std::fs::remove_dir(sp.join("requests")).unwrap();
        assert_eq!(
            ssl_default_users(&certifi, Kind::Certifi),
            [Library::Aiohttp, Library::Urllib3]
        );
        assert!(users_of(Path::new("/x/ssl/cacert.pem"), Kind::Conda).is_empty());
    }
}
