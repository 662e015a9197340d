//! The test support, one module for every test: sandboxes, the `certpatch` command
//! builder, fixture paths, independent certificate facts (fingerprints computed here, not
//! by certpatch), byte-level assertions on bundles; test PKIs and servers on 127.0.0.1
//! ([`netlab`]); real Python venvs ([`pyvenv`]); and what a test needs from the machine
//! ([`prereq`]: a missing prerequisite fails, naming what to install or which feature to
//! switch off).
//!
//! Every test runs in its own [`Sandbox`] (a temporary folder holding copies of bundles and
//! the `CERTPATCH_HOME`), and every certpatch run names its bundle with `--bundle`, so no
//! real bundle on this machine is ever read or written.

#![allow(dead_code)]

pub mod netlab;
mod prereq;
pub mod pyvenv;
pub use prereq::*;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The clock every test judges validity at (`--at`): the fixtures and the real Let's Encrypt
/// certificates are all valid then, except the ones made to be expired or not yet valid.
pub const TEST_CLOCK: &str = "2026-06-01T00:00:00Z";

/// The real certifi bundle every "test bundle" starts from.
pub const CERTIFI: &str = "certifi-2026.10.19-cacert.pem";
/// The older bundle that pip 23.2.1 vendors.
pub const PIP_VENDORED: &str = "pip-vendored-cacert.pem";

/// Environment variables that could point certpatch (or Python) at another bundle.
const SCRUBBED_ENV: &[&str] = &[
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "AWS_CA_BUNDLE",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "HTTPLIB2_CA_CERTS",
    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
    "CLOUDSDK_CONFIG",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "CERTPATCH_HOME",
    "NO_COLOR",
];

/// Environment variables that send certpatch's fetches through a proxy: the tests that
/// talk to servers on 127.0.0.1 remove them (this machine or CI may set them).
pub const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The binary under test (built once by cargo for the whole test binary).
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_certpatch"))
}

/// Copies the binary under test to `dst` (mode 0755) through `cp`, a child process: this
/// process never holds a write descriptor to the copy, so no other test thread's fork can
/// inherit one, and running the copy at once never fails with "Text file busy" (no retry,
/// no sleep).
pub fn copy_binary(dst: &Path) {
    // Windows has no fork to inherit a descriptor, nor `cp`: a plain copy.
    #[cfg(windows)]
    fs::copy(bin(), dst).unwrap();
    #[cfg(unix)]
    {
        let out = std::process::Command::new("cp")
            .arg(bin())
            .arg(dst)
            .run_output()
            .unwrap_or_else(|e| panic!("cp (coreutils) to copy the binary: {e}"));
        assert!(
            out.status.success(),
            "cp {} {}: {}",
            bin().display(),
            dst.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dst, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn existing(p: PathBuf) -> PathBuf {
    assert!(
        p.exists(),
        "fixture {} is missing (fixtures/make-fixtures.sh builds fixtures/gen/)",
        p.display()
    );
    p
}

/// A file of `fixtures/real/`.
pub fn real(name: &str) -> PathBuf {
    existing(fixtures_dir().join("real").join(name))
}

/// A file of `fixtures/gen/`.
pub fn gen(name: &str) -> PathBuf {
    existing(fixtures_dir().join("gen").join(name))
}

pub fn read(p: impl AsRef<Path>) -> Vec<u8> {
    let p = p.as_ref();
    fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// `output()`, with one allowance for Wine: under load, Wine 8.0's `CreateProcess` now and
/// then fails with `ERROR_INTERNAL_ERROR` (1359) before the child runs (seen once in a
/// full CI run, in a test that had passed every other run). Such a spawn is tried again,
/// up to 5 times; any other error, and every child that started, is returned as is, so
/// nothing runs twice and no failure of certpatch's is hidden.
pub trait RunOutput {
    fn run_output(&mut self) -> std::io::Result<Output>;
}

/// The error Wine gives for a process it could not start.
const WINE_SPAWN_FLAKE: i32 = 1359;

fn retry_spawn(mut once: impl FnMut() -> std::io::Result<Output>) -> std::io::Result<Output> {
    let mut tries = 0;
    loop {
        match once() {
            Err(e) if cfg!(windows) && e.raw_os_error() == Some(WINE_SPAWN_FLAKE) && tries < 5 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

#[test]
fn a_spawn_wine_could_not_start_is_tried_again_and_nothing_else_is() {
    let mut calls = 0;
    let out = retry_spawn(|| {
        calls += 1;
        if calls < 3 {
            Err(std::io::Error::from_raw_os_error(WINE_SPAWN_FLAKE))
        } else {
            std::process::Command::new(bin()).arg("--version").output()
        }
    });
    if cfg!(windows) {
        assert!(out.unwrap().status.success());
        assert_eq!(calls, 3, "tried again until it started");
    } else {
        assert!(out.is_err(), "only Windows tries again");
        assert_eq!(calls, 1);
    }
    let mut calls = 0;
    let out = retry_spawn(|| {
        calls += 1;
        Err(std::io::Error::from_raw_os_error(2))
    });
    assert!(out.is_err());
    assert_eq!(calls, 1, "any other error is returned at once");
}

impl RunOutput for Command {
    fn run_output(&mut self) -> std::io::Result<Output> {
        retry_spawn(|| self.output())
    }
}

impl RunOutput for std::process::Command {
    fn run_output(&mut self) -> std::io::Result<Output> {
        retry_spawn(|| self.output())
    }
}

/// `certpatch` with a clean environment: no variable that names a bundle or an environment,
/// `CERTPATCH_HOME` set to `<tmp>/home`, and `tmp` as the working folder.
pub fn certpatch(tmp: &Path) -> Command {
    let mut cmd = Command::new(bin());
    for var in SCRUBBED_ENV {
        cmd.env_remove(var);
    }
    for (var, value) in host_isolation(tmp) {
        cmd.env(var, value);
    }
    cmd.env("CERTPATCH_HOME", tmp.join("home"))
        .current_dir(tmp)
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// The same environment as [`certpatch`], as a plain `std::process::Command` (for tests
/// that spawn several processes or kill one).
pub fn certpatch_std(tmp: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    for var in SCRUBBED_ENV {
        cmd.env_remove(var);
    }
    for (var, value) in host_isolation(tmp) {
        cmd.env(var, value);
    }
    cmd.env("CERTPATCH_HOME", tmp.join("home")).current_dir(tmp);
    cmd
}

/// A fake `HOME`, `PATH` and system root inside `tmp`: a test that forgot `--bundle`
/// finds no environment (and fails) instead of patching one of this machine's Pythons.
fn host_isolation(tmp: &Path) -> [(&'static str, PathBuf); 4] {
    [
        ("HOME", tmp.join("no-home")),
        ("PATH", tmp.join("no-bin")),
        ("CERTPATCH_HOST_ROOT", tmp.join("no-host")),
        ("PYENV_ROOT", tmp.join("no-pyenv")),
    ]
}

/// A temporary folder for one test: bundles are copied into `<tmp>/b/`, certpatch's home is
/// `<tmp>/home/`.
pub struct Sandbox {
    pub tmp: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::Builder::new()
            .prefix("certpatch-test-")
            .tempdir()
            .expect("temporary folder");
        fs::create_dir(tmp.path().join("b")).unwrap();
        Sandbox { tmp }
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// The folder that holds the bundles (and nothing else).
    pub fn bundle_dir(&self) -> PathBuf {
        self.root().join("b")
    }

    pub fn cmd(&self) -> Command {
        certpatch(self.root())
    }

    pub fn std_cmd(&self) -> std::process::Command {
        certpatch_std(self.root())
    }

    /// Copies `src` into the bundle folder as `name`.
    pub fn copy_bundle(&self, src: &Path, name: &str) -> PathBuf {
        let dst = self.bundle_dir().join(name);
        fs::copy(src, &dst).unwrap();
        dst
    }

    /// Writes `bytes` into the bundle folder as `name`.
    pub fn write_bundle(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let dst = self.bundle_dir().join(name);
        fs::write(&dst, bytes).unwrap();
        dst
    }

    /// The test bundle: the real certifi bundle with test-root.pem appended, as
    /// `b/cacert.pem`.
    pub fn test_bundle(&self) -> PathBuf {
        self.write_bundle("cacert.pem", &test_bundle_bytes())
    }

    /// A scratch file outside the bundle folder.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.root().join(name);
        fs::write(&p, bytes).unwrap();
        p
    }

    /// `certpatch add FILE --bundle BUNDLE --at TEST_CLOCK` plus `extra`.
    pub fn add(&self, file: impl AsRef<OsStr>, bundle: &Path, extra: &[&str]) -> Output {
        self.cmd()
            .arg("add")
            .arg(file)
            .arg("--bundle")
            .arg(bundle)
            .args(["--at", TEST_CLOCK])
            .args(extra)
            .run_output()
            .unwrap()
    }

    /// `add` that must succeed (exit 0).
    pub fn add_ok(&self, file: impl AsRef<OsStr>, bundle: &Path, extra: &[&str]) -> Output {
        let out = self.add(file, bundle, extra);
        assert_exit(&out, 0, "add");
        out
    }

    /// `certpatch remove ARGS... --bundle BUNDLE`.
    pub fn remove(&self, bundle: &Path, args: &[&str]) -> Output {
        self.cmd()
            .arg("remove")
            .args(args)
            .arg("--bundle")
            .arg(bundle)
            .run_output()
            .unwrap()
    }

    /// `certpatch restore ARGS... --bundle BUNDLE`.
    pub fn restore(&self, bundle: &Path, args: &[&str]) -> Output {
        self.cmd()
            .arg("restore")
            .args(args)
            .arg("--bundle")
            .arg(bundle)
            .run_output()
            .unwrap()
    }

    /// `certpatch list --json --bundle BUNDLE`, parsed.
    pub fn list_json(&self, bundle: &Path) -> Value {
        let out = self
            .cmd()
            .args(["list", "--json", "--bundle"])
            .arg(bundle)
            .run_output()
            .unwrap();
        assert_exit(&out, 0, "list --json");
        json(&out)
    }

    /// The SHA-256 fingerprints (lowercase hex) of the patches `list --json` reports.
    pub fn listed_patches(&self, bundle: &Path) -> Vec<String> {
        let v = self.list_json(bundle);
        v["bundles"][0]["patches"]
            .as_array()
            .expect("list --json: bundles[0].patches is an array")
            .iter()
            .map(|p| p["sha256"].as_str().expect("patch sha256").to_string())
            .collect()
    }

    pub fn backups_exist(&self) -> bool {
        self.home().join("backups").exists()
    }

    /// Names of the entries of the bundle folder, sorted (hidden ones included).
    pub fn bundle_dir_entries(&self) -> Vec<String> {
        dir_entries(&self.bundle_dir())
    }
}

pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every file under `dir`, recursively (for scanning certpatch's home).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The real certifi bundle followed by test-root.pem.
pub fn test_bundle_bytes() -> Vec<u8> {
    let mut b = read(real(CERTIFI));
    b.extend(read(gen("test-root.pem")));
    b
}

// ---------------------------------------------------------------------------------------
// Process output.

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_exit(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: expected exit {code}, got {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Standard output parsed as one JSON document.
pub fn json(out: &Output) -> Value {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e})\n--- stdout\n{}\n--- stderr\n{}",
            stdout(out),
            stderr(out)
        )
    });
    assert_sha256_keys_canonical(&v);
    v
}

/// Every `sha256` value in a JSON document is 64 lowercase hex digits without colons.
pub fn assert_sha256_keys_canonical(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if k == "sha256" {
                    let s = val
                        .as_str()
                        .unwrap_or_else(|| panic!("sha256 not a string: {val}"));
                    assert!(is_sha256_hex(s), "sha256 value `{s}` is not lowercase hex");
                }
                assert_sha256_keys_canonical(val);
            }
        }
        Value::Array(a) => a.iter().for_each(assert_sha256_keys_canonical),
        _ => {}
    }
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The reason (or warning) codes of certificate `i` of bundle 0 in `check`/`add` JSON.
pub fn codes(v: &Value, key: &str, i: usize) -> Vec<String> {
    v["bundles"][0]["certificates"][i][key]
        .as_array()
        .unwrap_or_else(|| panic!("bundles[0].certificates[{i}].{key} missing in {v:#}"))
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_string())
        .collect()
}

/// The certificate entry of bundle 0 whose sha256 is `sha`.
pub fn cert_entry<'a>(v: &'a Value, sha: &str) -> &'a Value {
    v["bundles"][0]["certificates"]
        .as_array()
        .expect("bundles[0].certificates")
        .iter()
        .find(|c| c["sha256"] == sha)
        .unwrap_or_else(|| panic!("no certificate {sha} in {v:#}"))
}

// ---------------------------------------------------------------------------------------
// Certificates, computed independently of certpatch.

/// The DER of every `CERTIFICATE` block of a clean PEM fixture.
pub fn ders(pem_file: &Path) -> Vec<Vec<u8>> {
    pem::parse_many(read(pem_file))
        .unwrap()
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.into_contents())
        .collect()
}

/// The DER of the only certificate of a clean PEM fixture.
pub fn der(pem_file: &Path) -> Vec<u8> {
    let mut v = ders(pem_file);
    assert_eq!(v.len(), 1, "{} holds one certificate", pem_file.display());
    v.remove(0)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hex_colons(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub fn sha256(der: &[u8]) -> String {
    hex(&Sha256::digest(der))
}

/// The SHA-256 (lowercase hex) of the only certificate of a PEM fixture.
pub fn fp(pem_file: &Path) -> String {
    sha256(&der(pem_file))
}

/// The base64 body of a certificate, without line breaks.
pub fn b64_body(der: &[u8]) -> String {
    let text = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
    text.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// How many times a certificate (by its DER) appears in a bundle, whatever the line breaks.
pub fn count_cert(bundle: &[u8], der: &[u8]) -> usize {
    let squeezed: String = String::from_utf8_lossy(bundle)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let body = b64_body(der);
    // Certificates begin with the same base64 header bytes; anchor on the PEM boundaries.
    squeezed
        .matches(&format!(
            "-----BEGINCERTIFICATE-----{body}-----ENDCERTIFICATE-----"
        ))
        .count()
}

/// The number of certpatch patch blocks in a bundle (lines starting `# certpatch:`).
pub fn patch_count(bundle: &[u8]) -> usize {
    String::from_utf8_lossy(bundle)
        .lines()
        .filter(|l| l.starts_with("# certpatch:"))
        .count()
}

pub fn cert_count(bundle: &[u8]) -> usize {
    String::from_utf8_lossy(bundle)
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
}

// ---------------------------------------------------------------------------------------
// Byte assertions that do not dump megabytes on failure.

pub fn assert_same_bytes(actual: &[u8], expected: &[u8], what: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    let window = |b: &[u8]| {
        let s = first.saturating_sub(60);
        let e = (first + 60).min(b.len());
        String::from_utf8_lossy(&b[s..e]).into_owned()
    };
    panic!(
        "{what}: bytes differ (actual {} bytes, expected {} bytes, first difference at byte {first})\n\
         --- actual near there\n{:?}\n--- expected near there\n{:?}",
        actual.len(),
        expected.len(),
        window(actual),
        window(expected)
    );
}

/// The file at `path` holds exactly `expected`.
pub fn assert_file_is(path: &Path, expected: &[u8], what: &str) {
    assert_same_bytes(&read(path), expected, what);
}

pub fn assert_ascii(bytes: &[u8], what: &str) {
    if let Some(i) = bytes.iter().position(|b| !b.is_ascii()) {
        let s = i.saturating_sub(80);
        panic!(
            "{what}: non-ASCII byte {:#04x} at {i}: {:?}",
            bytes[i],
            String::from_utf8_lossy(&bytes[s..(i + 20).min(bytes.len())])
        );
    }
}

/// The patch blocks that a certpatch run appended, as text: the lines from each
/// `# certpatch:` line to its `-----END CERTIFICATE-----`.
pub fn patch_blocks(bundle: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8_lossy(bundle);
    let mut blocks = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("# certpatch:") {
            cur = Some(Vec::new());
        }
        if let Some(b) = cur.as_mut() {
            b.push(line.to_string());
            if line == "-----END CERTIFICATE-----" {
                blocks.push(cur.take().unwrap());
            }
        }
    }
    blocks
}

/// Unique lines, for quick membership checks.
pub fn line_set(bytes: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// A certifi as pip installs it.

/// The wheel RECORD's encoding of a SHA-256: URL-safe base64 without padding.
pub fn record_hash(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let d = Sha256::digest(bytes);
    let mut out = String::new();
    for chunk in d.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Installs `bytes` as certifi `version` in the site-packages folder `site` (replacing any
/// certifi there): the bundle, `__init__.py`, and a dist-info whose METADATA and RECORD
/// describe it, as pip leaves them. Returns the bundle's path.
pub fn install_certifi_in(site: &Path, version: &str, bytes: &[u8]) -> PathBuf {
    if let Ok(entries) = fs::read_dir(site) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "certifi" || name.starts_with("certifi-") {
                fs::remove_dir_all(e.path()).unwrap();
            }
        }
    }
    fs::create_dir_all(site.join("certifi")).unwrap();
    let bundle = site.join("certifi/cacert.pem");
    fs::write(&bundle, bytes).unwrap();
    fs::write(
        site.join("certifi/__init__.py"),
        format!("__version__ = \"{version}\"\n"),
    )
    .unwrap();
    let info = site.join(format!("certifi-{version}.dist-info"));
    fs::create_dir_all(&info).unwrap();
    fs::write(
        info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: certifi\nVersion: {version}\n"),
    )
    .unwrap();
    fs::write(
        info.join("RECORD"),
        format!(
            "certifi/__init__.py,,\ncertifi/cacert.pem,sha256={},{}\n",
            record_hash(bytes),
            bytes.len()
        ),
    )
    .unwrap();
    bundle
}
