//! The question before a machine-wide write (the contract's Targets section): a write to
//! an implicit target outside a virtual environment (the `python3` on `PATH`), or to
//! `--all`, asks on a terminal; `--yes` answers yes; with no terminal and no `--yes`
//! nothing is written (exit 1, naming `--yes`). Tests run without a terminal; the
//! terminal case runs certpatch under `script`, which gives it a pseudo-terminal.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

fn write_exe(p: &Path, text: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A Python install (as pyenv or a distribution lays one out) whose `bin/` is the only
/// folder on `PATH`: `bin/python3` (which cannot run), the standard library, certifi.
/// Returns (its bin folder, its certifi bundle).
fn shared_install(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let prefix = sb.root().join("opt/python3.12");
    write_exe(&prefix.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    fs::create_dir_all(prefix.join("lib/python3.12")).unwrap();
    fs::write(prefix.join("lib/python3.12/os.py"), "").unwrap();
    let certifi = prefix.join("lib/python3.12/site-packages/certifi");
    fs::create_dir_all(&certifi).unwrap();
    fs::write(certifi.join("__init__.py"), "").unwrap();
    fs::write(certifi.join("cacert.pem"), test_bundle_bytes()).unwrap();
    (prefix.join("bin"), certifi.join("cacert.pem"))
}

/// A venv at `dir` with certifi (the test bundle); returns (the venv, its bundle).
fn venv(dir: &Path) -> (PathBuf, PathBuf) {
    let site = dir.join("lib/python3.12/site-packages");
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
    (
        dir.to_path_buf(),
        install_certifi_in(&site, "2026.10.19", &test_bundle_bytes()),
    )
}

fn add(sb: &Sandbox, bin: &Path, extra: &[&str]) -> Output {
    sb.cmd()
        .env("PATH", bin)
        .arg("add")
        .arg(gen("int-good.pem"))
        .args(["--at", TEST_CLOCK])
        .args(extra)
        .run_output()
        .unwrap()
}

fn refused_without_terminal(out: &Output, bundle: &Path, what: &str) {
    assert_exit(out, 1, what);
    let err = stderr(out);
    assert!(
        err.contains("--yes") && err.contains("nothing was written") && err.contains("--env"),
        "{what}: {err}"
    );
    assert_eq!(
        read(bundle),
        test_bundle_bytes(),
        "{what}: the bundle changed"
    );
}

#[test]
fn an_implicit_python_on_path_is_not_written_without_yes_or_a_terminal() {
    let sb = Sandbox::new();
    let (bin, bundle) = shared_install(&sb);
    let out = add(&sb, &bin, &[]);
    refused_without_terminal(&out, &bundle, "add to the python3 on PATH");
    assert!(stderr(&out).contains("opt/python3.12"), "{}", stderr(&out));
    // A dry run writes nothing, so it needs no yes.
    let out = add(&sb, &bin, &["--dry-run"]);
    assert_exit(&out, 0, "add --dry-run");
    // --yes answers the question.
    let out = add(&sb, &bin, &["--yes"]);
    assert_exit(&out, 0, "add --yes");
    assert_ne!(read(&bundle), test_bundle_bytes(), "--yes should patch");
    // remove asks too, and -y is --yes.
    let out = sb
        .cmd()
        .env("PATH", &bin)
        .args(["remove", "--all"])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "remove --all without --yes");
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    let out = sb
        .cmd()
        .env("PATH", &bin)
        .args(["remove", "--all", "-y"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "remove --all -y");
    assert_eq!(read(&bundle), test_bundle_bytes());
}

#[test]
fn all_asks_even_when_every_bundle_is_a_venv() {
    let sb = Sandbox::new();
    let (_, bundle) = venv(&sb.root().join("no-home/.virtualenvs/app"));
    let none = sb.root().join("no-bin");
    let out = add(&sb, &none, &["--all"]);
    refused_without_terminal(&out, &bundle, "add --all");
    let out = add(&sb, &none, &["--all", "--yes"]);
    assert_exit(&out, 0, "add --all --yes");
    assert_ne!(read(&bundle), test_bundle_bytes());
}

#[test]
fn an_active_venv_or_a_named_target_is_written_without_a_question() {
    let sb = Sandbox::new();
    let (venv, bundle) = venv(&sb.root().join("venv"));
    let (bin, shared) = shared_install(&sb);
    let out = sb
        .cmd()
        .env("PATH", &bin)
        .env("VIRTUAL_ENV", &venv)
        .arg("add")
        .arg(gen("int-good.pem"))
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add to $VIRTUAL_ENV");
    assert_ne!(read(&bundle), test_bundle_bytes());
    // The shared install, named with --python, is the user's explicit choice.
    let out = add(
        &sb,
        &bin,
        &["--python", &bin.join("python3").to_string_lossy()],
    );
    assert_exit(&out, 0, "add --python");
    assert_ne!(read(&shared), test_bundle_bytes());
}

/// certpatch under `script` (a pseudo-terminal), answering `answer` to the question.
fn on_a_terminal(sb: &Sandbox, bin: &Path, answer: &str) -> String {
    let command = format!(
        "'{}' add '{}' --at {TEST_CLOCK}",
        crate::common::bin().display(),
        gen("int-good.pem").display()
    );
    let mut script = std::process::Command::new("/usr/bin/script");
    script.args(["-qec", &command, "/dev/null"]);
    let probe = sb.std_cmd();
    for (k, v) in probe.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    let out = script
        .env("PATH", bin)
        .env("SHELL", "/bin/sh")
        .current_dir(sb.root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(answer.as_bytes())?;
            child.wait_with_output()
        })
        .expect("`script` (util-linux) runs certpatch on a pseudo-terminal");
    format!("{}{}", stdout(&out), stderr(&out))
}

#[test]
fn on_a_terminal_it_asks_and_writes_only_on_yes() {
    let sb = Sandbox::new();
    let (bin, bundle) = shared_install(&sb);
    let text = on_a_terminal(&sb, &bin, "n\n");
    assert!(text.contains("Change them? [y/N]"), "{text}");
    assert!(
        text.contains("not confirmed; nothing was written"),
        "{text}"
    );
    assert_eq!(read(&bundle), test_bundle_bytes());
    let text = on_a_terminal(&sb, &bin, "y\n");
    assert!(text.contains("Change them? [y/N]"), "{text}");
    assert_ne!(read(&bundle), test_bundle_bytes(), "{text}");
}
