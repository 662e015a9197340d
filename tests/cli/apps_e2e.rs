//! The bundles that are not certifi's, proved with the real clients that trust them (issue
//! 19), each against a TLS server on 127.0.0.1 that sends its leaf alone (the intermediate
//! "forgotten"): the client fails with the classic error, works after `certpatch add` of
//! the intermediate, stops working when its own override points elsewhere (and `status`
//! says so), and `remove` gives the file back byte for byte.
//!
//! - **grpcio** (from PyPI): a gRPC client with `grpc.ssl_channel_credentials()` and no
//!   roots trusts grpcio's own `grpc/_cython/_credentials/roots.pem`; the server is a grpcio
//!   server with the leaf alone. The bundle is found by `--env` (kind `grpcio`).
//! - **httplib2** (from PyPI) without certifi: it trusts its own `httplib2/cacerts.txt`.
//! - **the Google Cloud SDK** on this machine: its own HTTP layer
//!   (`googlecloudsdk.core.requests.GetSession()`), run by its bundled Python, trusts
//!   `lib/third_party/certifi/cacert.pem`. The real SDK is never written: see
//!   [`gcloud_http_layer_fails_then_add_on_a_copy_of_its_certifi_fixes_it`].
//!
//! In every case the test root stands for a public root the bundle already trusts: it is
//! appended to the temporary copy first. Needs `python3` and PyPI (feature `test-pypi`) and
//! the Google Cloud SDK (feature `test-gcloud`), both on by default: a missing prerequisite
//! fails, naming the feature that switches the test off.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::common::PROXY_VARS;
use crate::pyvenv::CA_OVERRIDES;

const TEST_CLOCK: &str = "2026-06-01T00:00:00Z";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/gen")
        .join(rel)
}

/// Appends the test root (a "public" root the bundle already trusts) to `bundle`, after a
/// newline when the file lacks its last one (grpcio's `roots.pem` does: appended bare, the
/// two PEM lines run together and BoringSSL stops reading there).
fn trust_test_root(bundle: &Path) {
    let mut bytes = std::fs::read(bundle).unwrap();
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend(std::fs::read(fixture("test-root.pem")).unwrap());
    std::fs::write(bundle, bytes).unwrap();
}

/// The client's environment: none of the machine's CA variables, no proxy, a private HOME,
/// then `vars`.
fn client_env(cmd: &mut Command, tmp: &Path, vars: &[(&str, &Path)]) {
    for var in CA_OVERRIDES.iter().chain(&PROXY_VARS).chain(&[
        "grpc_proxy",
        "CLOUDSDK_CONFIG",
        "PYTHONPATH",
        "VIRTUAL_ENV",
    ]) {
        cmd.env_remove(var);
    }
    cmd.env("HOME", tmp.join("home"));
    for (k, v) in vars {
        cmd.env(k, v);
    }
}

/// Runs `python -c code args…`; (success, stdout + stderr).
fn run_client(
    python: &Path,
    code: &str,
    args: &[&str],
    tmp: &Path,
    vars: &[(&str, &Path)],
) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(code).args(args);
    client_env(&mut cmd, tmp, vars);
    let out = cmd.output().expect("run the client");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// certpatch with its home in `tmp`, the host hidden, none of the machine's CA variables
/// (then `vars`); (exit code, stdout, stderr).
fn certpatch(tmp: &Path, args: &[&str], vars: &[(&str, &Path)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_certpatch"));
    cmd.env("CERTPATCH_HOME", tmp.join("certpatch-home"))
        .env("CERTPATCH_HOST_ROOT", tmp.join("host"))
        .env("HOME", tmp.join("home"));
    for var in CA_OVERRIDES
        .iter()
        .chain(&["VIRTUAL_ENV", "CONDA_PREFIX", "CLOUDSDK_CONFIG"])
    {
        cmd.env_remove(var);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `status --json` of `target_args`: the clients that ignore `bundle`.
fn status_clients(
    tmp: &Path,
    target_args: &[&str],
    bundle: &Path,
    vars: &[(&str, &Path)],
) -> Vec<String> {
    let mut args = vec!["status", "--json", "--at", TEST_CLOCK];
    args.extend(target_args);
    let (_, out, err) = certpatch(tmp, &args, vars);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let entry = doc["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["path"].as_str() == Some(s(bundle)))
        .unwrap_or_else(|| panic!("{} not in status: {doc:#}", bundle.display()));
    entry["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["client"].as_str().unwrap(), c["setting"]))
        .collect()
}

/// A file that trusts the test root but lacks the intermediate: what an override points
/// at in these tests, so that a client reading it instead of the patched bundle fails.
fn root_only(tmp: &Path) -> PathBuf {
    let p = tmp.join("root-only.pem");
    std::fs::copy(fixture("test-root.pem"), &p).unwrap();
    p
}

/// The file a Python module's package holds: `python -c "import MOD; …"`.
fn package_file(python: &Path, module: &str, rel: &str) -> PathBuf {
    let code = format!(
        "import os, {module}; print(os.path.join(os.path.dirname({module}.__file__), {rel:?}))"
    );
    let out = crate::pyvenv::run_ok(Command::new(python).arg("-c").arg(code), module);
    let p = PathBuf::from(out.trim());
    assert!(p.is_file(), "{}", p.display());
    std::fs::canonicalize(p).unwrap()
}

/// A grpcio server on 127.0.0.1 whose certificate chain is the leaf alone; one unary
/// method, `/certpatch.Echo/Say`.
struct GrpcServer {
    child: Child,
    port: u16,
}

const GRPC_SERVER: &str = r#"
import sys, grpc
from concurrent import futures
cert, key = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
say = grpc.unary_unary_rpc_method_handler(lambda req, ctx: b"hello from the leaf-only gRPC server")
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("certpatch.Echo", {"Say": say}),))
# The leaf alone as the chain: the intermediate is "forgotten".
port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key, cert)]))
server.start()
print(port, flush=True)
server.wait_for_termination()
"#;

/// A gRPC client trusting grpcio's default roots (no `root_certificates`): grpcio's own
/// `roots.pem`, unless `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH` is set.
const GRPC_CLIENT: &str = r#"
import sys, grpc
with grpc.secure_channel("localhost:" + sys.argv[1], grpc.ssl_channel_credentials()) as ch:
    try:
        print(ch.unary_unary("/certpatch.Echo/Say")(b"hi", timeout=30).decode())
    except grpc.RpcError as e:
        print("rpc failed:", e.code(), e.details(), file=sys.stderr)
        sys.exit(1)
"#;

impl GrpcServer {
    fn start(python: &Path, tmp: &Path) -> GrpcServer {
        let mut cmd = Command::new(python);
        cmd.arg("-c")
            .arg(GRPC_SERVER)
            .arg(fixture("leaf.pem"))
            .arg(fixture("leaf.key"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        client_env(&mut cmd, tmp, &[]);
        let mut child = cmd.spawn().expect("start the gRPC server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the gRPC server's port");
        let port = line.trim().parse().expect("the server printed its port");
        GrpcServer { child, port }
    }
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The entries of a change's JSON (`add`, `remove`): (kind, serves, status) of each bundle.
fn entries(out: &str) -> Vec<(String, String, String)> {
    let doc: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["target"]["kind"].as_str().unwrap_or("").to_string(),
                b["target"]["serves"].as_str().unwrap_or("").to_string(),
                b["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs grpcio from PyPI: feature test-pypi"
)]
fn grpc_client_fails_then_add_on_grpcios_roots_fixes_it_and_remove_gives_them_back() {
    let system = crate::common::require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let venv = tmp.join("venv");
    let python = crate::pyvenv::make_venv(&system, &venv, &["grpcio"]);
    let roots = package_file(&python, "grpc", "_cython/_credentials/roots.pem");
    trust_test_root(&roots);
    // `--env` patches pip's vendored copy too: the root is "public" there as well.
    trust_test_root(&package_file(&python, "pip._vendor.certifi", "cacert.pem"));
    let before = std::fs::read(&roots).unwrap();
    let server = GrpcServer::start(&python, tmp);
    let port = server.port.to_string();

    let (ok, text) = run_client(&python, GRPC_CLIENT, &[&port], tmp, &[]);
    assert!(!ok, "the gRPC client must fail before the patch: {text}");
    assert!(
        text.contains("CERTIFICATE_VERIFY_FAILED") && text.contains("unable to get local issuer"),
        "the failure is the TLS verification: {text}"
    );

    // Found by `--env` as grpcio's own roots, and patched.
    let (code, out, err) = certpatch(
        tmp,
        &[
            "add",
            s(&fixture("int-good.pem")),
            "--env",
            s(&venv),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "certpatch add --env: {out}{err}");
    let got = entries(&out);
    assert!(
        got.contains(&("grpcio".into(), "grpcio".into(), "patched".into())),
        "{got:?}"
    );

    let (ok, text) = run_client(&python, GRPC_CLIENT, &[&port], tmp, &[]);
    assert!(ok, "the gRPC client must work after the patch: {text}");
    assert!(
        text.contains("hello from the leaf-only gRPC server"),
        "{text}"
    );

    // GRPC_DEFAULT_SSL_ROOTS_FILE_PATH makes the patch useless, and `status` says so.
    let other = root_only(tmp);
    let var = [("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", other.as_path())];
    let (ok, text) = run_client(&python, GRPC_CLIENT, &[&port], tmp, &var);
    assert!(!ok, "the variable wins over roots.pem: {text}");
    let clients = status_clients(tmp, &["--env", s(&venv)], &roots, &var);
    assert_eq!(
        clients,
        ["grpc \"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH\""],
        "{clients:?}"
    );
    assert!(status_clients(tmp, &["--env", s(&venv)], &roots, &[]).is_empty());

    let (code, out, err) = certpatch(tmp, &["remove", "--all", "--env", s(&venv)], &[]);
    assert_eq!(code, 0, "certpatch remove --all --env: {out}{err}");
    assert!(
        std::fs::read(&roots).unwrap() == before,
        "remove gives roots.pem back byte for byte"
    );
    let (ok, text) = run_client(&python, GRPC_CLIENT, &[&port], tmp, &[]);
    assert!(!ok, "the gRPC client fails again after remove: {text}");
    drop(server);
}

const HTTPLIB2_GET: &str = "import sys, httplib2; r, body = httplib2.Http(timeout=30).request(sys.argv[1]); print(r.status, body.decode().strip())";

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs httplib2 from PyPI: feature test-pypi"
)]
fn httplib2_without_certifi_fails_then_add_on_its_cacerts_fixes_it_and_remove_gives_it_back() {
    let system = crate::common::require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let venv = tmp.join("venv");
    let python = crate::pyvenv::make_venv(&system, &venv, &["httplib2"]);
    let (has_certifi, _) = run_client(&python, "import certifi", &[], tmp, &[]);
    assert!(
        !has_certifi,
        "httplib2 must come without certifi for this test"
    );
    let cacerts = package_file(&python, "httplib2", "cacerts.txt");
    // `--env` patches pip's vendored copy too: the root is "public" there as well.
    trust_test_root(&package_file(&python, "pip._vendor.certifi", "cacert.pem"));
    let (_, used) = run_client(
        &python,
        "import httplib2; print(httplib2.CA_CERTS)",
        &[],
        tmp,
        &[],
    );
    assert_eq!(
        std::fs::canonicalize(used.trim()).unwrap(),
        cacerts,
        "httplib2 without certifi uses its own cacerts.txt"
    );
    trust_test_root(&cacerts);
    let before = std::fs::read(&cacerts).unwrap();
    let server = crate::pyvenv::LeafOnlyServer::start(&system);
    let url = format!("https://localhost:{}/", server.port);

    let (ok, text) = run_client(&python, HTTPLIB2_GET, &[&url], tmp, &[]);
    assert!(!ok, "httplib2 must fail before the patch: {text}");
    assert!(text.contains("CERTIFICATE_VERIFY_FAILED"), "{text}");

    let (code, out, err) = certpatch(
        tmp,
        &[
            "add",
            s(&fixture("int-good.pem")),
            "--env",
            s(&venv),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "certpatch add --env: {out}{err}");
    let got = entries(&out);
    assert!(
        got.contains(&("httplib2".into(), "httplib2".into(), "patched".into())),
        "{got:?}"
    );

    let (ok, text) = run_client(&python, HTTPLIB2_GET, &[&url], tmp, &[]);
    assert!(ok, "httplib2 must work after the patch: {text}");
    assert!(
        text.contains("200 hello from the leaf-only server"),
        "{text}"
    );

    // HTTPLIB2_CA_CERTS makes the patch useless, and `status` says so.
    let other = root_only(tmp);
    let var = [("HTTPLIB2_CA_CERTS", other.as_path())];
    let (ok, text) = run_client(&python, HTTPLIB2_GET, &[&url], tmp, &var);
    assert!(!ok, "the variable wins over cacerts.txt: {text}");
    let clients = status_clients(tmp, &["--env", s(&venv)], &cacerts, &var);
    assert_eq!(clients, ["httplib2 \"HTTPLIB2_CA_CERTS\""], "{clients:?}");

    let (code, out, err) = certpatch(tmp, &["remove", "--all", "--env", s(&venv)], &[]);
    assert_eq!(code, 0, "certpatch remove --all --env: {out}{err}");
    assert!(
        std::fs::read(&cacerts).unwrap() == before,
        "remove gives cacerts.txt back byte for byte"
    );
    drop(server);
}

/// The Google Cloud SDK's install folder: the real folder of the `gcloud` on PATH
/// (`<sdk>/bin/gcloud`), else `/usr/lib/google-cloud-sdk`.
fn gcloud_sdk() -> PathBuf {
    let on_path = which::which("gcloud")
        .ok()
        .and_then(|exe| std::fs::canonicalize(exe).ok())
        .and_then(|real| real.parent()?.parent().map(Path::to_path_buf));
    let sdk = on_path.unwrap_or_else(|| PathBuf::from("/usr/lib/google-cloud-sdk"));
    assert!(
        sdk.join("lib/gcloud.py").is_file(),
        "the Google Cloud SDK is not installed (no `gcloud` on PATH, no \
         /usr/lib/google-cloud-sdk): install it (https://cloud.google.com/sdk/docs/install), \
         or switch this test off: cargo test --no-default-features --features \
         test-python,test-pypi,test-python313"
    );
    sdk
}

/// The SDK's own HTTP layer: a `requests` session from `googlecloudsdk.core.requests`
/// (what gcloud's commands use), with the trimmed copy's `lib/third_party` first on the
/// path so that `certifi` is the copy's; prints `certifi.where()` to show which bundle.
const GCLOUD_GET: &str = r#"
import sys
copy, sdk, url = sys.argv[1:4]
sys.path[:0] = [copy + "/lib/third_party", sdk + "/lib/third_party", sdk + "/lib"]
from googlecloudsdk.core import requests as core_requests
import certifi
print("certifi:", certifi.where(), file=sys.stderr)
r = core_requests.GetSession(timeout=30).get(url)
print(r.status_code, r.text.strip())
"#;

/// Route: a **trimmed copy** of the SDK — `bin/`, `lib/gcloud.py`, `VERSION`, `properties`
/// and `lib/third_party/certifi/` (370 KB; `lib/` is 545 MB) — whose `lib/third_party` is
/// put first on `sys.path` of the SDK's bundled Python, before the real SDK's `lib/` and
/// `lib/third_party`. The SDK's own HTTP layer then imports the real SDK's code and the
/// copy's certifi, so the bundle patched is the one the SDK's code really reads, the real
/// SDK is never written, and the copy is still an SDK folder to certpatch (it names it
/// `gcloud`, reads its `VERSION` and its `properties`). gcloud's own
/// `core/custom_ca_certs_file` (in the user's configuration, `CLOUDSDK_CONFIG`) is shown
/// to win over the patch, as `status` reports it.
#[test]
#[cfg_attr(
    not(feature = "test-gcloud"),
    ignore = "needs the Google Cloud SDK: feature test-gcloud"
)]
fn gcloud_http_layer_fails_then_add_on_a_copy_of_its_certifi_fixes_it() {
    let sdk = gcloud_sdk();
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let copy = tmp.join("google-cloud-sdk");
    std::fs::create_dir_all(copy.join("bin")).unwrap();
    std::fs::create_dir_all(copy.join("lib/third_party/certifi")).unwrap();
    for rel in ["lib/gcloud.py", "VERSION", "properties"] {
        if sdk.join(rel).is_file() {
            std::fs::copy(sdk.join(rel), copy.join(rel)).unwrap();
        }
    }
    for entry in std::fs::read_dir(sdk.join("lib/third_party/certifi")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(
                entry.path(),
                copy.join("lib/third_party/certifi").join(entry.file_name()),
            )
            .unwrap();
        }
    }
    let bundle = copy.join("lib/third_party/certifi/cacert.pem");
    trust_test_root(&bundle);
    let bundle = std::fs::canonicalize(bundle).unwrap();
    let before = std::fs::read(&bundle).unwrap();
    let bundled = sdk.join("platform/bundledpythonunix/bin/python3");
    let python = if bundled.is_file() {
        bundled
    } else {
        crate::common::require_python3()
    };
    let config = tmp.join("gcloud-config");
    std::fs::create_dir_all(&config).unwrap();
    let cfg = [("CLOUDSDK_CONFIG", config.as_path())];
    let system = crate::common::require_python3();
    let server = crate::pyvenv::LeafOnlyServer::start(&system);
    let url = format!("https://localhost:{}/", server.port);
    let args = [s(&copy), s(&sdk), url.as_str()];

    let (ok, text) = run_client(&python, GCLOUD_GET, &args, tmp, &cfg);
    assert!(
        !ok,
        "the SDK's HTTP layer must fail before the patch: {text}"
    );
    assert!(
        text.contains(&format!("certifi: {}", bundle.display())),
        "it reads the copy's bundle: {text}"
    );
    assert!(text.contains("CERTIFICATE_VERIFY_FAILED"), "{text}");

    let (code, out, err) = certpatch(
        tmp,
        &[
            "add",
            s(&fixture("int-good.pem")),
            "--bundle",
            s(&bundle),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        &cfg,
    );
    assert_eq!(code, 0, "certpatch add --bundle: {out}{err}");
    assert_eq!(
        entries(&out),
        [("certifi".into(), "gcloud".into(), "patched".into())]
    );

    let (ok, text) = run_client(&python, GCLOUD_GET, &args, tmp, &cfg);
    assert!(ok, "the SDK's HTTP layer must work after the patch: {text}");
    assert!(
        text.contains("200 hello from the leaf-only server"),
        "{text}"
    );

    // The SDK's version is recorded as certifi's is.
    let (_, out, _) = certpatch(
        tmp,
        &[
            "status",
            "--json",
            "--bundle",
            s(&bundle),
            "--at",
            TEST_CLOCK,
        ],
        &cfg,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let version = std::fs::read_to_string(copy.join("VERSION")).unwrap();
    assert_eq!(
        doc["bundles"][0]["package"]["package"], "google-cloud-sdk",
        "{doc:#}"
    );
    assert_eq!(
        doc["bundles"][0]["package"]["version"],
        version.trim(),
        "{doc:#}"
    );

    // gcloud's own setting, in the active configuration, wins over the patch, and `status`
    // says so.
    let other = root_only(tmp);
    let active = std::fs::read_to_string(config.join("active_config"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "default".to_string());
    let properties = config
        .join("configurations")
        .join(format!("config_{active}"));
    std::fs::create_dir_all(properties.parent().unwrap()).unwrap();
    std::fs::write(
        &properties,
        format!("[core]\ncustom_ca_certs_file = {}\n", other.display()),
    )
    .unwrap();
    let (ok, text) = run_client(&python, GCLOUD_GET, &args, tmp, &cfg);
    assert!(!ok, "core/custom_ca_certs_file wins over the patch: {text}");
    let clients = status_clients(tmp, &["--bundle", s(&bundle)], &bundle, &cfg);
    assert_eq!(clients.len(), 1, "{clients:?}");
    assert!(
        clients[0].starts_with("gcloud \"core/custom_ca_certs_file in "),
        "{clients:?}"
    );
    std::fs::remove_file(&properties).unwrap();

    let (code, out, err) = certpatch(tmp, &["remove", "--all", "--bundle", s(&bundle)], &cfg);
    assert_eq!(code, 0, "certpatch remove --all --bundle: {out}{err}");
    assert!(
        std::fs::read(&bundle).unwrap() == before,
        "remove gives the copy's bundle back byte for byte"
    );
    let (ok, text) = run_client(&python, GCLOUD_GET, &args, tmp, &cfg);
    assert!(!ok, "the SDK's HTTP layer fails again after remove: {text}");
    drop(server);
}
