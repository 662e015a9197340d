//! What a found `cacert.pem` is, and whether a file is a bundle at all.
//!
//! The kind comes from where the file sits (see [`Kind`]). A file at a known
//! certifi, pip, conda or botocore place is always a bundle, even an empty or
//! damaged one (the user must hear about it). Any other `cacert.pem` is a
//! bundle only if it looks like one — see [`looks_like_bundle`] — so that a
//! lone test certificate that happens to be called `cacert.pem` is not
//! reported, and never patched.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::host::Host;

/// The file name every bundle discovery looks for.
pub const BUNDLE_NAME: &str = "cacert.pem";

/// grpcio's roots file name (`grpc/_cython/_credentials/roots.pem`).
pub const GRPC_ROOTS: &str = "roots.pem";

/// httplib2's bundle file name (`httplib2/cacerts.txt`).
pub const HTTPLIB2_CERTS: &str = "cacerts.txt";

/// What a bundle is, from where it sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `<site-packages>/certifi/cacert.pem`: what `certifi.where()` returns,
    /// used by requests, httpx, and most of the ecosystem.
    Certifi,
    /// `<site-packages>/pip/_vendor/certifi/cacert.pem`: pip's own copy, used
    /// by `pip install`.
    PipVendored,
    /// `<prefix>/ssl/cacert.pem` (Windows: `<prefix>\Library\ssl\cacert.pem`)
    /// of a conda prefix (one with `conda-meta/`): what conda's activation
    /// points `SSL_CERT_FILE` at, and conda's OpenSSL default.
    Conda,
    /// `<site-packages>/botocore/cacert.pem`: the AWS SDK's copy.
    Botocore,
    /// `<site-packages>/grpc/_cython/_credentials/roots.pem`: grpcio's own roots, used by
    /// every gRPC client unless `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH` is set.
    Grpcio,
    /// `<site-packages>/httplib2/cacerts.txt`: httplib2's own bundle, used when certifi
    /// is not installed, unless `HTTPLIB2_CA_CERTS` is set.
    Httplib2,
    /// Any other vendored copy: `<pkg>/_vendor/certifi/cacert.pem`,
    /// `<pkg>/vendored/certifi/cacert.pem`, `<pkg>/cacert.pem`, … Only a
    /// file that [`looks_like_bundle`].
    Other,
}

impl Kind {
    /// The name used in output and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Certifi => "certifi",
            Kind::PipVendored => "pip-vendored",
            Kind::Conda => "conda",
            Kind::Botocore => "botocore",
            Kind::Grpcio => "grpcio",
            Kind::Httplib2 => "httplib2",
            Kind::Other => "other",
        }
    }

    /// The kind of the bundle at `path`, judged from the path as found (not
    /// resolved) and, for conda, from the prefix's `conda-meta/`.
    pub fn of_path(path: &Path) -> Kind {
        let names: Vec<String> = path
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        let n = names.len();
        let at = |back: usize| -> &str {
            if back < n {
                names[n - 1 - back].as_str()
            } else {
                ""
            }
        };
        if at(0) == GRPC_ROOTS {
            let grpc = at(1) == "_credentials" && at(2) == "_cython" && at(3) == "grpc";
            return if grpc && is_site_dir(at(4)) {
                Kind::Grpcio
            } else {
                Kind::Other
            };
        }
        if at(0) == HTTPLIB2_CERTS {
            return if at(1) == "httplib2" && is_site_dir(at(2)) {
                Kind::Httplib2
            } else {
                Kind::Other
            };
        }
        if at(0) != BUNDLE_NAME {
            return Kind::Other;
        }
        match at(1) {
            "certifi" if at(2) == "_vendor" && at(3) == "pip" && is_site_dir(at(4)) => {
                Kind::PipVendored
            }
            "certifi" if is_site_dir(at(2)) => Kind::Certifi,
            "botocore" if is_site_dir(at(2)) => Kind::Botocore,
            "ssl" => {
                let ssl = path.parent().unwrap_or(path);
                let mut prefix = ssl.parent().map(Path::to_path_buf);
                if at(2).eq_ignore_ascii_case("Library") {
                    prefix = prefix.and_then(|p| p.parent().map(Path::to_path_buf));
                }
                match prefix {
                    Some(p) if p.join("conda-meta").is_dir() => Kind::Conda,
                    _ => Kind::Other,
                }
            }
            _ => Kind::Other,
        }
    }

    /// Known places hold bundles whatever their content; `Other` must pass
    /// [`looks_like_bundle`].
    pub fn always_a_bundle(self) -> bool {
        self != Kind::Other
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `site-packages` or `dist-packages` (Debian's name).
pub(crate) fn is_site_dir(name: &str) -> bool {
    name == "site-packages" || name == "dist-packages"
}

/// The rule for a `cacert.pem` outside the known places: it is a bundle when
/// it holds at least two `-----BEGIN CERTIFICATE-----` lines, or at least one
/// together with a certifi-style `# Issuer:` header line. A single bare
/// certificate (a test fixture, a server's own CA) is not a bundle. Reading
/// stops as soon as the answer is known, and after 16 MiB.
pub fn looks_like_bundle(path: &Path) -> bool {
    const LIMIT: u64 = 16 << 20;
    let Some(file) = open_file(path) else {
        return false;
    };
    let mut reader = BufReader::new(file.take(LIMIT));
    let mut line = Vec::new();
    let (mut certs, mut header) = (0usize, false);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
        let text = text.trim_ascii_start();
        if text.starts_with(b"-----BEGIN CERTIFICATE-----") {
            certs += 1;
        } else if text.starts_with(b"# Issuer:") {
            header = true;
        }
        if certs >= 2 || (certs >= 1 && header) {
            return true;
        }
    }
    false
}

/// Opens `path` for reading when it is a regular file, without ever blocking: a FIFO
/// (swapped in at any moment, by anyone who can write the folder) would hang discovery in
/// `open`, and a device is no file to read. The check is on the opened file.
pub(crate) fn open_file(path: &Path) -> Option<std::fs::File> {
    let file = crate::os::open_read_through_links(path).ok()?;
    file.metadata().ok().filter(|m| m.is_file())?;
    Some(file)
}

/// A small text file discovery reads (`core.py`, `pyvenv.cfg`, `environments.txt`):
/// opened with [`open_file`], at most 4 MiB read.
pub(crate) fn read_text(path: &Path) -> Option<String> {
    let mut text = String::new();
    open_file(path)?
        .take(4 << 20)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Folders that belong to the operating system's trust store. A certifi whose
/// bundle resolves into one of these was patched by the distribution to use
/// the system store (Debian's and Fedora's python3-certifi do this).
const SYSTEM_STORE_DIRS: [&str; 8] = [
    "/etc/ssl",
    "/etc/pki",
    "/etc/ca-certificates",
    "/etc/openssl",
    "/private/etc/ssl",
    "/usr/share/ca-certificates",
    "/usr/local/share/ca-certificates",
    "/usr/share/pki",
];

/// Whether `path` is in the operating system's trust store, on the real
/// filesystem or under the host's root.
pub fn in_system_store(host: &Host, path: &Path) -> bool {
    SYSTEM_STORE_DIRS
        .iter()
        .any(|dir| path.starts_with(dir) || path.starts_with(host.system_path(dir)))
}

/// For a `cacert.pem` at a certifi or pip-vendored place: the system store
/// that the `where()` beside it was patched to return, read from its
/// `core.py` (Debian's pip says `DEBIAN_CA_CERTS_PATH =
/// '/etc/ssl/certs/ca-certificates.crt'`). Such a `cacert.pem` is not used.
pub fn patched_to_system_store(bundle: &Path) -> Option<PathBuf> {
    let core = bundle.parent()?.join("core.py");
    let text = read_text(&core)?;
    for quote in ['\'', '"'] {
        for dir in ["/etc/ssl/", "/etc/pki/"] {
            let open = format!("{quote}{dir}");
            if let Some(at) = text.find(&open) {
                let rest = &text[at + 1..];
                let end = rest.find(quote)?;
                return Some(PathBuf::from(&rest[..end]));
            }
        }
    }
    None
}

/// What to tell the user about a bundle that is the system store.
pub(crate) fn system_store_message(what: &str, store: &Path) -> String {
    format!(
        "{what} is the operating system's trust store {} (a distribution-patched certifi); \
         {}",
        crate::x509::text::path_text(store),
        SYSTEM_STORE_ADVICE
    )
}

/// What to do instead of patching the operating system's store.
pub(crate) const SYSTEM_STORE_ADVICE: &str = "certpatch does not patch the system store (the \
         distribution's tool rebuilds it and would drop a patch). Add the certificate with your \
         distribution's tool instead: copy it to /usr/local/share/ca-certificates/NAME.crt \
         and run `sudo update-ca-certificates` (Debian, Ubuntu, Alpine), or to \
         /etc/pki/ca-trust/source/anchors/ and run `sudo update-ca-trust` (Fedora, RHEL, \
         CentOS), or to /etc/pki/trust/anchors/ and run `sudo update-ca-certificates` (SUSE)";

/// Folders where a zip-imported certifi extracts its temporary copy.
pub(crate) fn temp_dirs(host: &Host) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = [
        super::host::vars::TMPDIR,
        super::host::vars::TEMP,
        super::host::vars::TMP,
    ]
    .iter()
    .filter_map(|v| host.var_path(v))
    .collect();
    for fixed in [
        "/tmp",
        "/var/tmp",
        "/private/tmp",
        "/var/folders",
        "/private/var/folders",
    ] {
        dirs.push(PathBuf::from(fixed));
    }
    let canonical: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| dunce::canonicalize(d).ok())
        .collect();
    dirs.extend(canonical);
    dirs
}

/// The archive (`.zip`, `.pyz`, `.egg`, `.whl`, `.pex`, `.par`) that a module
/// file sits inside, if any.
pub(crate) fn inside_archive(module_file: &Path) -> Option<PathBuf> {
    let mut prefix = PathBuf::new();
    let mut comps = module_file.components().peekable();
    while let Some(c) = comps.next() {
        prefix.push(c);
        if comps.peek().is_none() {
            break;
        }
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        if [".zip", ".pyz", ".pyzw", ".egg", ".whl", ".pex", ".par"]
            .iter()
            .any(|ext| name.ends_with(ext))
            && !prefix.is_dir()
        {
            return Some(prefix);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn kinds_from_paths() {
        let sp = "/e/lib/python3.12/site-packages";
        let k = |p: String| Kind::of_path(Path::new(&p));
        assert_eq!(k(format!("{sp}/certifi/cacert.pem")), Kind::Certifi);
        assert_eq!(
            k(format!("{sp}/pip/_vendor/certifi/cacert.pem")),
            Kind::PipVendored
        );
        assert_eq!(k(format!("{sp}/botocore/cacert.pem")), Kind::Botocore);
        assert_eq!(
            k(format!("{sp}/foo/_vendor/certifi/cacert.pem")),
            Kind::Other
        );
        assert_eq!(
            k(format!(
                "{sp}/pipenv/patched/pip/_vendor/certifi/cacert.pem"
            )),
            Kind::Other
        );
        assert_eq!(
            k("/usr/lib/python3/dist-packages/certifi/cacert.pem".into()),
            Kind::Certifi
        );
        assert_eq!(k("/x/certifi/cacert.pem".into()), Kind::Other);
        assert_eq!(k("/x/ssl/cacert.pem".into()), Kind::Other);
        assert_eq!(k(format!("{sp}/certifi/core.py")), Kind::Other);
        assert_eq!(
            k(format!("{sp}/grpc/_cython/_credentials/roots.pem")),
            Kind::Grpcio
        );
        assert_eq!(k("/x/_credentials/roots.pem".into()), Kind::Other);
        assert_eq!(k(format!("{sp}/httplib2/cacerts.txt")), Kind::Httplib2);
        assert_eq!(k(format!("{sp}/boto/cacerts.txt")), Kind::Other);
    }

    #[test]
    fn conda_kind_needs_conda_meta() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("ssl/cacert.pem");
        assert_eq!(Kind::of_path(&p), Kind::Other);
        std::fs::create_dir(t.path().join("conda-meta")).unwrap();
        assert_eq!(Kind::of_path(&p), Kind::Conda);
        assert_eq!(
            Kind::of_path(&t.path().join("Library/ssl/cacert.pem")),
            Kind::Conda
        );
    }

    #[test]
    fn bundle_rule() {
        let t = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = t.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        assert!(!looks_like_bundle(&write("one", CERT)));
        assert!(!looks_like_bundle(&write("empty", "")));
        assert!(!looks_like_bundle(&t.path().join("missing")));
        assert!(looks_like_bundle(&write("two", &format!("{CERT}{CERT}"))));
        assert!(looks_like_bundle(&write(
            "crlf-bom",
            &format!("\u{feff}{CERT}\r\n{CERT}").replace('\n', "\r\n")
        )));
        assert!(looks_like_bundle(&write(
            "header",
            &format!("\n# Issuer: CN=Root O=Example\n# Label: \"Root\"\n{CERT}")
        )));
        assert!(!looks_like_bundle(&write(
            "header-only",
            "# Issuer: CN=x\n"
        )));
    }

    #[test]
    fn system_store_paths() {
        let host = Host::for_tests(Path::new("/fake"), &[], Path::new("/"));
        assert!(in_system_store(
            &host,
            Path::new("/etc/ssl/certs/ca-certificates.crt")
        ));
        assert!(in_system_store(
            &host,
            Path::new("/etc/pki/tls/certs/ca-bundle.crt")
        ));
        assert!(in_system_store(&host, Path::new("/fake/etc/ssl/cert.pem")));
        assert!(!in_system_store(&host, Path::new("/etc/sslx/cacert.pem")));
        assert!(!in_system_store(
            &host,
            Path::new("/usr/lib/python3/dist-packages/certifi/cacert.pem")
        ));
    }

    #[test]
    fn debian_patched_where_is_recognised() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("pip/_vendor/certifi");
        std::fs::create_dir_all(&dir).unwrap();
        let pem = dir.join("cacert.pem");
        assert_eq!(patched_to_system_store(&pem), None);
        std::fs::write(
            dir.join("core.py"),
            "def where():\n    return os.path.join(f, 'cacert.pem')\n",
        )
        .unwrap();
        assert_eq!(patched_to_system_store(&pem), None);
        std::fs::write(
            dir.join("core.py"),
            "import os\nDEBIAN_CA_CERTS_PATH = '/etc/ssl/certs/ca-certificates.crt'\n",
        )
        .unwrap();
        assert_eq!(
            patched_to_system_store(&pem),
            Some(PathBuf::from("/etc/ssl/certs/ca-certificates.crt"))
        );
    }

    #[test]
    fn archives_are_recognised() {
        assert_eq!(
            inside_archive(Path::new("/app/bundle.pyz/certifi/__init__.py")),
            Some(PathBuf::from("/app/bundle.pyz"))
        );
        assert_eq!(
            inside_archive(Path::new("/l/site-packages/x-1.0.egg/certifi/core.py")),
            Some(PathBuf::from("/l/site-packages/x-1.0.egg"))
        );
        assert_eq!(
            inside_archive(Path::new("/l/site-packages/certifi/core.py")),
            None
        );
        assert_eq!(inside_archive(Path::new("/l/a.zip")), None);
    }
}
