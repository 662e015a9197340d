//! Real Python venvs for the end-to-end tests, written once: finding `python3`, running a
//! command that must succeed, making a venv with packages from the registry, and a TLS
//! server in Python that forgets its intermediate ([`LeafOnlyServer`]). The
//! machine's CA override variables (which make Python ignore certifi's bundle) are listed
//! here for every test that runs Python or certpatch against one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Variables this machine (and CI) sets that make Python (and grpcio, httplib2, botocore,
/// gcloud) ignore the bundles they ship.
pub const CA_OVERRIDES: [&str; 9] = [
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "AWS_CA_BUNDLE",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "HTTPLIB2_CA_CERTS",
    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
];

/// `python3` on `PATH`, if there is one ([`crate::common::require_python3`] fails, naming
/// what to install, without it).
pub fn python3() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())
}

/// Runs `cmd`, which must succeed; its standard output.
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Creates a venv at `dir` with `system`'s Python and installs `packages` into it from the
/// registry (with the machine's CA settings, which installing may need); its interpreter.
/// Only tests behind the `test-pypi` feature install packages: where the venv module or
/// PyPI is missing, the failure says so and names the feature.
pub fn make_venv(system: &Path, dir: &Path, packages: &[&str]) -> PathBuf {
    run_ok(
        Command::new(system).args(["-m", "venv"]).arg(dir),
        "python3 -m venv (Debian: apt-get install python3-venv)",
    );
    let python = dir.join("bin/python");
    if !packages.is_empty() {
        run_ok(
            Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
            &format!(
                "pip install {} (needs PyPI: without network, switch off the `test-pypi` \
                 feature: cargo test --no-default-features \
                 --features test-python,test-python313)",
                packages.join(" ")
            ),
        );
    }
    python
}

/// A TLS server on 127.0.0.1 that sends only its leaf certificate (no intermediate).
pub struct LeafOnlyServer {
    child: Child,
    pub port: u16,
}

impl LeafOnlyServer {
    pub fn start(python: &Path) -> LeafOnlyServer {
        Self::start_with(
            python,
            &crate::common::gen("leaf.pem"),
            &crate::common::gen("leaf.key"),
        )
    }

    /// Serves `cert` alone (no chain) with `key`.
    pub fn start_with(python: &Path, cert: &Path, key: &Path) -> LeafOnlyServer {
        let script = r#"
import http.server, ssl, sys
class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the leaf-only server\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])  # the leaf alone: the intermediate is "forgotten"
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
        let mut child = Command::new(python)
            .arg("-c")
            .arg(script)
            .arg(cert)
            .arg(key)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the TLS server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("server port");
        let port = line.trim().parse().expect("server printed its port");
        LeafOnlyServer { child, port }
    }
}

impl Drop for LeafOnlyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `python` is Python 3.`minor` or newer (`None` when it does not run).
pub fn version_at_least(python: &Path, minor: u32) -> Option<bool> {
    crate::common::python_minor(python).map(|v| v >= minor)
}

/// A Python 3.13 or newer: a `python3.1X` on `PATH`, or a pyenv version.
pub fn python313() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for minor in 13..=20 {
                candidates.push(dir.join(format!("python3.{minor}")));
            }
        }
    }
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(versions) = pyenv.map(|p| p.join("versions")) {
        if let Ok(entries) = std::fs::read_dir(versions) {
            for e in entries.flatten() {
                candidates.push(e.path().join("bin/python3"));
            }
        }
    }
    candidates
        .into_iter()
        .filter(|p| p.is_file())
        .find(|p| version_at_least(p, 13) == Some(true))
}

/// The two bundles a venv's Python uses, asked of that Python: certifi's and pip's vendored
/// copy; both must be inside `venv` (a test never patches a bundle of the machine).
pub fn venv_bundles(python: &Path, venv: &Path) -> Vec<PathBuf> {
    let where_ = run_ok(
        Command::new(python).args([
            "-I",
            "-c",
            "import certifi; from pip._vendor import certifi as p; print(certifi.where()); print(p.where())",
        ]),
        "ask certifi.where()",
    );
    let bundles: Vec<PathBuf> = where_.lines().map(PathBuf::from).collect();
    assert_eq!(
        bundles.len(),
        2,
        "certifi and pip's vendored certifi: {where_}"
    );
    for b in &bundles {
        assert!(
            b.starts_with(venv),
            "{} must be inside the temporary venv",
            b.display()
        );
    }
    bundles
}
