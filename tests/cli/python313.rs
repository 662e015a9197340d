//! The `python313-strict` warning is about real behaviour: Python 3.13's
//! `ssl.create_default_context()` sets VERIFY_X509_STRICT, and a chain through a CA whose
//! basicConstraints is not critical and that lacks key identifiers fails there, while it
//! passes on an older Python. Runs against a real TLS server on 127.0.0.1 and this
//! machine's Pythons; fails, naming what to install, where no Python 3.13+ or no older
//! Python is found (feature `test-python313`, on by default).

use std::path::Path;
use std::process::Command;

use crate::common::*;
use crate::pyvenv::{python313, version_at_least, LeafOnlyServer, CA_OVERRIDES};

/// Connects to 127.0.0.1:`port` as `localhost`, trusting only `bundle`; the error text,
/// or `None` when the handshake succeeds.
fn handshake(python: &Path, bundle: &Path, port: u16) -> Option<String> {
    let script = "import socket, ssl, sys\n\
        ctx = ssl.create_default_context(cafile=sys.argv[1])\n\
        with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=20) as s:\n\
        \x20   with ctx.wrap_socket(s, server_hostname='localhost'):\n\
        \x20       print('OK')\n";
    let mut cmd = Command::new(python);
    cmd.arg("-I")
        .arg("-c")
        .arg(script)
        .arg(bundle)
        .arg(port.to_string());
    for var in CA_OVERRIDES {
        cmd.env_remove(var);
    }
    let out = cmd.run_output().expect("run python");
    if out.status.success() {
        None
    } else {
        Some(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
#[cfg_attr(
    not(feature = "test-python313"),
    ignore = "needs Python 3.13+ and an older python3: feature test-python313"
)]
fn strict_traits_warning_matches_python_313_behaviour() {
    let old = require_python3();
    let new = python313().unwrap_or_else(|| {
        panic!(
            "no Python 3.13+ found (python3.13 or newer on PATH, or a pyenv version): install \
             one (pyenv install 3.13), or switch off the `test-python313` feature: \
             cargo test --no-default-features --features test-python,test-pypi"
        )
    });
    assert_eq!(
        version_at_least(&old, 13),
        Some(false),
        "{} is already Python 3.13+: put an older python3 (3.10-3.12) first on PATH to \
         compare with, or switch off the `test-python313` feature",
        old.display()
    );
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("int-strict-traits.pem"), &bundle, &["--json"]);
    assert_exit(&out, 0, "add int-strict-traits");
    let v = json(&out);
    assert!(
        codes(&v, "warnings", 0).contains(&"python313-strict".to_string()),
        "{v:#}"
    );

    let strict = LeafOnlyServer::start_with(
        &old,
        &gen("leaf-under-strict.pem"),
        &gen("leaf-under-strict.key"),
    );
    assert_eq!(
        handshake(&old, &bundle, strict.port),
        None,
        "Python < 3.13 accepts the chain"
    );
    let err = handshake(&new, &bundle, strict.port).expect("Python 3.13+ must reject it");
    assert!(err.contains("CERTIFICATE_VERIFY_FAILED"), "{err}");

    // Control: a strict-clean intermediate works on 3.13 too, so the failure above is the
    // intermediate's traits, not the setup. No warning for it.
    let out = sb.add(gen("int-good.pem"), &bundle, &["--json"]);
    assert!(!codes(&json(&out), "warnings", 0).contains(&"python313-strict".to_string()));
    let good = LeafOnlyServer::start(&old);
    assert_eq!(
        handshake(&new, &bundle, good.port),
        None,
        "3.13 with int-good"
    );
}
