//! What makes each client ignore a patched bundle, measured with the real packages from the
//! registry (requests, httpx, pip 24.1.2 and pip 24.3.1) against a local TLS server that
//! omits its intermediate — and `certpatch status` must say exactly that: for every
//! setting, a finding on the bundle if and only if the real client stops trusting the
//! patch. Each case points the setting at a file that trusts the root but lacks the
//! intermediate, so a client that reads it instead of the patched bundle fails.
//!
//! Needs `python3` 3.10+ (pip's truststore needs 3.10) and PyPI (feature `test-pypi`, on
//! by default): without them it fails, naming what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::require_python3;
use crate::python_e2e::LeafOnlyServer;
use crate::pyvenv::{make_venv, run_ok, CA_OVERRIDES};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Appends the test root and the intermediate to `bundle` (the patch, made by hand here:
/// this test is about the clients, not about `add`).
fn patch(bundle: &Path) {
    let mut bytes = std::fs::read(bundle).unwrap();
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend(std::fs::read(fixture("gen/test-root.pem")).unwrap());
    bytes.extend(std::fs::read(fixture("gen/int-good.pem")).unwrap());
    std::fs::write(bundle, bytes).unwrap();
}

struct Lab {
    tmp: PathBuf,
    url: String,
}

impl Lab {
    /// The client's environment: no CA variable of the machine's, pip's configuration
    /// files off unless the case sets `PIP_CONFIG_FILE`, a private HOME.
    fn client_env(&self, cmd: &mut Command, vars: &[(&str, String)]) {
        for var in CA_OVERRIDES.iter().chain(&[
            "PIP_CONFIG_FILE",
            "PIP_FIND_LINKS",
            "PIP_USE_DEPRECATED",
            "VIRTUAL_ENV",
        ]) {
            cmd.env_remove(var);
        }
        cmd.env("HOME", self.tmp.join("home"))
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        for (k, v) in vars {
            cmd.env(k, v);
        }
    }

    /// Whether the client reaches the server.
    fn works(&self, python: &Path, client: &str, vars: &[(&str, String)]) -> (bool, String) {
        let mut cmd = Command::new(python);
        match client {
            "requests" => cmd.args([
                "-c",
                "import sys, requests; requests.get(sys.argv[1], timeout=20)",
                &self.url,
            ]),
            "httpx" => cmd.args([
                "-c",
                "import sys, httpx; httpx.get(sys.argv[1], timeout=20)",
                &self.url,
            ]),
            "ssl" => cmd.args([
                "-c",
                "import sys, ssl, urllib.request; urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(), timeout=20)",
                &self.url,
            ]),
            _ => cmd
                .args([
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-cache-dir",
                    "--retries",
                    "0",
                    "--timeout",
                    "20",
                    "--index-url",
                ])
                .arg(format!("{}simple/", self.url))
                .arg("-d")
                .arg(self.tmp.join("dl"))
                .arg("nothing-here"),
        };
        self.client_env(&mut cmd, vars);
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let ok = if client == "pip" {
            // The server answers every path with an empty page: a pip that trusts it
            // finds no distribution; one that does not fails the handshake.
            !text.contains("CERTIFICATE_VERIFY_FAILED") && text.contains("No matching distribution")
        } else {
            out.status.success()
        };
        (ok, text)
    }

    /// The clients `certpatch status` says ignore `bundle` with these settings.
    fn status_clients(&self, bundle: &Path, vars: &[(&str, String)]) -> Vec<String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certpatch"));
        for var in CA_OVERRIDES.iter().chain(&[
            "PIP_CONFIG_FILE",
            "PIP_USE_DEPRECATED",
            "VIRTUAL_ENV",
            "CONDA_PREFIX",
        ]) {
            cmd.env_remove(var);
        }
        cmd.env("CERTPATCH_HOME", self.tmp.join("certpatch-home"))
            .env("CERTPATCH_HOST_ROOT", self.tmp.join("host"))
            .env("HOME", self.tmp.join("home"))
            .env("PIP_CONFIG_FILE", "/dev/null");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["status", "--json", "--bundle"])
            .arg(bundle)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status --json: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        doc["bundles"][0]["clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["client"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-pypi"),
    ignore = "installs packages from PyPI: feature test-pypi"
)]
fn each_client_ignores_the_patched_bundle_exactly_when_status_says_so() {
    // pip's truststore needs Python 3.10, which require_python3 asks for.
    let system = require_python3();
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().to_path_buf();
    std::fs::create_dir_all(t.join("home")).unwrap();
    let old = make_venv(
        &system,
        &t.join("old"),
        &["pip==24.1.2", "requests", "httpx"],
    );
    let new = make_venv(&system, &t.join("new"), &["pip==24.3.1"]);
    let where_ = |python: &Path, module: &str| {
        PathBuf::from(
            run_ok(
                Command::new(python).args([
                    "-I",
                    "-c",
                    &format!("import {module} as c; print(c.where())"),
                ]),
                "where()",
            )
            .trim(),
        )
    };
    let certifi = where_(&old, "certifi");
    let pip_old = where_(&old, "pip._vendor.certifi");
    let pip_new = where_(&new, "pip._vendor.certifi");
    // The file the settings name: the root, not the intermediate.
    let unpatched = t.join("root-only.pem");
    let mut bytes = std::fs::read(&certifi).unwrap();
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend(std::fs::read(fixture("gen/test-root.pem")).unwrap());
    std::fs::write(&unpatched, bytes).unwrap();
    for b in [&certifi, &pip_old, &pip_new] {
        patch(b);
    }
    let conf = t.join("pip.conf");
    std::fs::write(&conf, format!("[global]\ncert = {}\n", unpatched.display())).unwrap();
    let empty_dir = t.join("empty-certs");
    std::fs::create_dir_all(&empty_dir).unwrap();

    let server = LeafOnlyServer::start(&system);
    let lab = Lab {
        tmp: t.clone(),
        url: format!("https://localhost:{}/", server.port),
    };
    let u = || unpatched.display().to_string();
    // (client, python, bundle, settings, ignored as measured)
    type Case<'a> = (&'a str, &'a Path, &'a Path, Vec<(&'a str, String)>, bool);
    let cases: Vec<Case> = vec![
        ("requests", &old, &certifi, vec![], false),
        (
            "requests",
            &old,
            &certifi,
            vec![("REQUESTS_CA_BUNDLE", u())],
            true,
        ),
        (
            "requests",
            &old,
            &certifi,
            vec![("CURL_CA_BUNDLE", u())],
            true,
        ),
        (
            "requests",
            &old,
            &certifi,
            vec![("SSL_CERT_FILE", u())],
            false,
        ),
        ("requests", &old, &certifi, vec![("PIP_CERT", u())], false),
        ("httpx", &old, &certifi, vec![], false),
        ("httpx", &old, &certifi, vec![("SSL_CERT_FILE", u())], true),
        (
            "httpx",
            &old,
            &certifi,
            vec![("SSL_CERT_DIR", empty_dir.display().to_string())],
            true,
        ),
        (
            "httpx",
            &old,
            &certifi,
            vec![("REQUESTS_CA_BUNDLE", u())],
            false,
        ),
        ("pip", &old, &pip_old, vec![], false),
        ("pip", &old, &pip_old, vec![("PIP_CERT", u())], true),
        (
            "pip",
            &old,
            &pip_old,
            vec![("REQUESTS_CA_BUNDLE", u())],
            true,
        ),
        ("pip", &old, &pip_old, vec![("CURL_CA_BUNDLE", u())], true),
        (
            "pip",
            &old,
            &pip_old,
            vec![("PIP_CONFIG_FILE", conf.display().to_string())],
            true,
        ),
        ("pip", &old, &pip_old, vec![("SSL_CERT_FILE", u())], false),
        ("pip", &new, &pip_new, vec![], false),
        ("pip", &new, &pip_new, vec![("PIP_CERT", u())], false),
        (
            "pip",
            &new,
            &pip_new,
            vec![("REQUESTS_CA_BUNDLE", u())],
            false,
        ),
        (
            "pip",
            &new,
            &pip_new,
            vec![("PIP_CONFIG_FILE", conf.display().to_string())],
            false,
        ),
        (
            "pip",
            &new,
            &pip_new,
            vec![
                ("PIP_CERT", u()),
                ("PIP_USE_DEPRECATED", "legacy-certs".to_string()),
            ],
            true,
        ),
    ];
    let mut wrong = Vec::new();
    for (client, python, bundle, vars, ignored) in &cases {
        let (works, text) = lab.works(python, client, vars);
        let said: Vec<String> = lab.status_clients(bundle, vars);
        let says_ignored = said.iter().any(|c| c == client);
        let names: Vec<&str> = vars.iter().map(|(k, _)| *k).collect();
        if works == *ignored || says_ignored != *ignored {
            wrong.push(format!(
                "{client} with {names:?} ({}): client {} (expected {}), status says {said:?}\n{}",
                bundle.display(),
                if works { "works" } else { "fails" },
                if *ignored { "fails" } else { "works" },
                text.lines().last().unwrap_or("")
            ));
        }
    }
    // The ssl module never reads certifi: it fails with the patched certifi, and works
    // only when SSL_CERT_FILE names that bundle.
    let (works, _) = lab.works(&old, "ssl", &[]);
    if works {
        wrong.push("ssl works without SSL_CERT_FILE".into());
    }
    let (works, text) = lab.works(
        &old,
        "ssl",
        &[("SSL_CERT_FILE", certifi.display().to_string())],
    );
    if !works {
        wrong.push(format!("ssl with SSL_CERT_FILE=certifi fails: {text}"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
