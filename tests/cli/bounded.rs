//! Issue 14's bounds: read-only commands write nothing, printed lists are capped, a
//! hostile index source costs bounded work, and every command printed for pasting is
//! quoted for the shell.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

fn ccadb(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ccadb")
        .join(name)
}

/// Every entry under `dir` (folders too) with its bytes (empty for a folder).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
                out.insert(p, Vec::new());
            } else {
                out.insert(p.clone(), read(&p));
            }
        }
    }
    out
}

#[test]
fn read_only_commands_leave_certpatch_home_as_it_was_even_with_a_stale_index() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    // A year after the snapshot's date: the index is stale, and check says so.
    let late = "2026-12-01T00:00:00Z";
    let b = bundle.to_str().unwrap().to_string();
    let cloudflare = ccadb("cloudflare-tls-issuing-rsa-ca-3.pem");
    let r10 = real("le-r10.pem");
    let dir = sb.bundle_dir();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    // The note comes when the index was asked and did not know the issuer (issue 17).
    let unknown = gen("int-unknown-issuer.pem");
    let runs: Vec<Vec<String>> = vec![
        s(&[
            "check",
            cloudflare.to_str().unwrap(),
            "--bundle",
            &b,
            "--at",
            late,
        ]),
        s(&[
            "check",
            unknown.to_str().unwrap(),
            "--bundle",
            &b,
            "--at",
            late,
        ]),
        s(&["list", "--bundle", &b]),
        s(&["status", "--bundle", &b, "--at", late]),
        s(&["find", "--root", dir.to_str().unwrap()]),
        s(&[
            "diagnose",
            "--chain",
            r10.to_str().unwrap(),
            "--bundle",
            &b,
            "--at",
            late,
        ]),
    ];
    for state in ["absent", "with a patch"] {
        if state == "with a patch" {
            sb.add_ok(real("le-r10.pem"), &bundle, &[]);
        }
        let before = tree(&sb.home());
        for args in &runs {
            let out = sb.cmd().args(args).run_output().unwrap();
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{args:?}: {code:?} {}",
                stderr(&out)
            );
            if args[0] == "check" && args[1].contains("unknown-issuer") {
                assert!(
                    stderr(&out).contains("more than a year old"),
                    "the stale note is in the output: {}",
                    stderr(&out)
                );
            }
            assert_eq!(
                tree(&sb.home()),
                before,
                "{args:?} ({state}) changed CERTPATCH_HOME"
            );
        }
        if state == "absent" {
            assert!(!sb.home().exists(), "no CERTPATCH_HOME made");
        }
    }
}

/// A CCADB CSV report holding each of `ders` as a row.
pub fn csv_of(ders: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\"Certificate Name\",\"PEM Info\"\n".to_vec();
    for der in ders {
        let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()));
        out.extend(format!("\"x\",\"'{}'\"\n", pem.trim()).into_bytes());
    }
    out
}

fn all_lines(out: &std::process::Output) -> usize {
    stdout(out).lines().count() + stderr(out).lines().count()
}

#[test]
fn index_refresh_names_at_most_ten_refused_rows_and_counts_the_rest() {
    let sb = Sandbox::new();
    let r10 = der(&real("le-r10.pem"));
    let csv = sb.file("dup.csv", &csv_of(&vec![r10; 2000]));
    let out = sb
        .cmd()
        .args(["index", "refresh", "-q", csv.to_str().unwrap()])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "refresh: one row kept");
    let err = stderr(&out);
    assert_eq!(err.matches("refused line").count(), 10, "{err}");
    assert!(err.contains("… and 1989 more refused rows"), "{err}");
    assert!(all_lines(&out) <= 12, "{} lines: {err}", all_lines(&out));
    // JSON still has every one.
    let out = sb
        .cmd()
        .args(["index", "refresh", csv.to_str().unwrap(), "--json"])
        .run_output()
        .unwrap();
    assert_eq!(json(&out)["refused"].as_array().unwrap().len(), 1999);
}

#[test]
fn diagnose_of_a_chain_of_hundreds_of_certificates_prints_a_bounded_number_of_lines() {
    let sb = Sandbox::new();
    let bundle = sb.copy_bundle(&real(CERTIFI), "cacert.pem");
    let mut chain = read(real("le-r10.pem"));
    let certifi = read(real(CERTIFI));
    while cert_count(&chain) < 300 {
        chain.extend_from_slice(&certifi);
    }
    let n = cert_count(&chain);
    let file = sb.file("chain.pem", &chain);
    let out = sb
        .cmd()
        .args(["diagnose", "--chain", file.to_str().unwrap(), "--bundle"])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains(&format!("holds {n} certificate(s)")),
        "{text}"
    );
    assert!(text.contains("more certificate(s)"), "{text}");
    assert!(all_lines(&out) <= 100, "{} lines:\n{text}", all_lines(&out));
}

#[test]
fn index_refresh_refuses_a_source_with_more_rows_than_any_real_report() {
    let sb = Sandbox::new();
    let mut csv = b"\"Certificate Name\",\"PEM Info\"\n".to_vec();
    for _ in 0..50_001 {
        csv.extend_from_slice(b"\"x\",\"''\"\n");
    }
    let file = sb.file("huge.csv", &csv);
    let out = sb
        .cmd()
        .args(["index", "refresh", file.to_str().unwrap()])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "refresh of 50,001 rows");
    let err = stderr(&out);
    assert!(
        err.contains("more than 50000 rows") && err.contains("is it the right file?"),
        "{err}"
    );
    assert!(!sb.home().join("index/intermediates.bin").exists());
    assert!(all_lines(&out) <= 4, "{err}");
}

/// The commands a run printed for a person to paste: the `undo with:` lines, the lines
/// under `next:` (without their `# comment`), and every `certpatch …`, `pip …` or
/// `conda …` between backticks.
#[cfg(unix)]
fn printed_commands(out: &std::process::Output) -> Vec<String> {
    let text = format!("{}\n{}", stdout(out), stderr(out));
    let mut cmds = Vec::new();
    let mut in_next = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("undo with: ") {
            cmds.push(rest.to_string());
        }
        if line == "next:" {
            in_next = true;
            continue;
        }
        if in_next {
            match line.strip_prefix("  ") {
                // A command, not advice in words ("reinstall the package that owns it").
                Some(cmd) if is_command(cmd) => {
                    cmds.push(cmd.split("   # ").next().unwrap().to_string())
                }
                Some(_) => {}
                None => in_next = false,
            }
        }
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 && is_command(span) {
                cmds.push(span.to_string());
            }
        }
    }
    cmds
}

#[cfg(unix)]
fn is_command(s: &str) -> bool {
    ["certpatch ", "pip ", "conda ", "unset "]
        .iter()
        .any(|p| s.starts_with(p))
}

/// Pastes each command into `sh -c` and `bash -c` in `dir`, with stand-ins for certpatch, pip and conda
/// that do nothing; each must parse (`sh -n`) and run.
#[cfg(unix)]
fn paste(dir: &Path, cmds: &[String]) {
    let bin = dir.join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["certpatch", "pip", "conda"] {
        let p = bin.join(name);
        std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for cmd in cmds {
        let check = std::process::Command::new("sh")
            .args(["-n", "-c", cmd])
            .run_output()
            .unwrap();
        assert!(check.status.success(), "`{cmd}` does not parse: {check:?}");
        // Into sh, and into bash, where people paste (it goes on after an error).
        for shell in ["sh", "bash"] {
            let run = std::process::Command::new(shell)
                .args(["-c", cmd])
                .current_dir(dir)
                .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
                .run_output()
                .unwrap_or_else(|e| panic!("cannot run {shell}: {e}"));
            // `unset X, or point it at PATH` is advice in words: pasted, it must run
            // nothing else, but it need not succeed.
            assert!(
                run.status.success() || cmd.starts_with("unset "),
                "{shell}: `{cmd}`: {run:?}"
            );
        }
    }
}

/// Every `PWNED*` file under `dir`.
#[cfg(unix)]
fn pwned(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("PWNED"))
        })
        .collect()
}

#[cfg(unix)] // pastes into `sh` and `bash` (Windows quoting: the unit test in src/x509/text.rs)
#[test]
fn every_printed_command_pastes_safely_with_hostile_folder_and_package_names() {
    let sb = Sandbox::new();
    let paste_dir = sb.root().join("paste");
    std::fs::create_dir_all(&paste_dir).unwrap();
    let mut cmds = Vec::new();

    // A bundle in a folder whose name is a command.
    let dir = sb.bundle_dir().join("proj;touch${IFS}PWNED;x");
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("cacert.pem");
    let pristine = read(real(CERTIFI));
    std::fs::write(&bundle, &pristine).unwrap();
    let out = sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    cmds.extend(printed_commands(&out));
    // The patch lost (an upgrade): status names reapply; restore names remove --all.
    std::fs::write(&bundle, &pristine).unwrap();
    let status = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    cmds.extend(printed_commands(&status));
    // A client that ignores the bundle: the advice names the bundle's path.
    let ignored = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .env("REQUESTS_CA_BUNDLE", real(CERTIFI))
        .run_output()
        .unwrap();
    let advice = printed_commands(&ignored);
    assert!(
        advice
            .iter()
            .any(|c| c.starts_with("unset REQUESTS_CA_BUNDLE") && c.contains("PWNED")),
        "{advice:#?}"
    );
    cmds.extend(advice);
    let mut edited = pristine.clone();
    edited.extend(read(real("le-e5.pem")));
    std::fs::write(&bundle, &edited).unwrap();
    cmds.extend(printed_commands(&sb.restore(&bundle, &[])));

    // A conda prefix whose record names a package that is a command.
    let prefix = sb.root().join("conda;touch${IFS}PWNED3;x");
    let conda_bundle = prefix.join("ssl/cacert.pem");
    std::fs::create_dir_all(conda_bundle.parent().unwrap()).unwrap();
    std::fs::create_dir_all(prefix.join("conda-meta")).unwrap();
    std::fs::write(&conda_bundle, &pristine).unwrap();
    std::fs::write(
        prefix.join("conda-meta/ca-certificates-1.json"),
        format!(
            r#"{{"name": "ca-certificates;touch${{IFS}}PWNED2;", "version": "1", "files": ["ssl/cacert.pem"], "paths_data": {{"paths": [{{"_path": "ssl/cacert.pem", "sha256": "{}"}}]}}}}"#,
            "0".repeat(64)
        ),
    )
    .unwrap();
    let out = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&conda_bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    cmds.extend(printed_commands(&out));
    sb.add_ok(real("le-r10.pem"), &conda_bundle, &[]);
    std::fs::write(&conda_bundle, &edited).unwrap();
    cmds.extend(printed_commands(&sb.restore(&conda_bundle, &[])));

    assert!(
        cmds.iter().filter(|c| c.contains("PWNED")).count() >= 3,
        "the hostile names are in the commands: {cmds:#?}"
    );
    paste(&paste_dir, &cmds);
    assert_eq!(pwned(sb.root()), Vec::<PathBuf>::new(), "{cmds:#?}");
}

#[test]
fn a_conda_record_above_a_venv_names_no_package_and_does_not_call_the_bundle_edited() {
    let sb = Sandbox::new();
    let venv = sb.root().join("shared/venv");
    let bundle = venv.join("lib/python3.12/site-packages/certifi/cacert.pem");
    std::fs::create_dir_all(bundle.parent().unwrap()).unwrap();
    std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(&bundle, read(real(CERTIFI))).unwrap();
    // Another user's record, in a folder above the venv, claiming the venv's bundle.
    let rel = "venv/lib/python3.12/site-packages/certifi/cacert.pem";
    std::fs::create_dir_all(sb.root().join("shared/conda-meta")).unwrap();
    std::fs::write(
        sb.root().join("shared/conda-meta/x.json"),
        format!(
            r#"{{"name": "planted", "version": "6.6.6", "files": ["{rel}"], "paths_data": {{"paths": [{{"_path": "{rel}", "sha256": "{}"}}]}}}}"#,
            "0".repeat(64)
        ),
    )
    .unwrap();
    let out = sb
        .cmd()
        .args(["status", "--json", "--bundle"])
        .arg(&bundle)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    let doc = json(&out);
    let b = &doc["bundles"][0];
    assert!(
        !doc.to_string().contains("planted"),
        "the planted record names nothing: {doc:#}"
    );
    assert_ne!(b["state"], "edited", "{doc:#}");
}

/// A package's version comes from the header of its `dist-info/METADATA`: only the header is
/// read, and only a few such folders per package. A venv's owner can make the file (and
/// their number) as large as they like; `status` of grpcio's `roots.pem` read 64 MiB of
/// every `grpcio-*.dist-info/METADATA` (100 sparse ones: 26 s), and a METADATA over 64 MiB
/// gave no version at all.
#[test]
fn a_package_version_is_read_from_the_metadata_header_only() {
    let sb = Sandbox::new();
    let sp = sb.root().join("v/lib/python3.12/site-packages");
    let roots = sp.join("grpc/_cython/_credentials/roots.pem");
    std::fs::create_dir_all(roots.parent().unwrap()).unwrap();
    std::fs::write(&roots, test_bundle_bytes()).unwrap();
    let info = sp.join("grpcio-1.60.0.dist-info");
    std::fs::create_dir_all(&info).unwrap();
    let metadata = std::fs::File::create(info.join("METADATA")).unwrap();
    use std::io::Write;
    (&metadata)
        .write_all(b"Metadata-Version: 2.1\nName: grpcio\nVersion: 1.60.0\n\n")
        .unwrap();
    // The description after the header: sparse, past the 64 MiB bundle cap.
    metadata.set_len(65 << 20).unwrap();
    let out = sb
        .cmd()
        .args(["status", "--json", "--bundle", roots.to_str().unwrap()])
        .run_output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["bundles"][0]["package"]["package"], "grpcio", "{v:#}");
    assert_eq!(v["bundles"][0]["package"]["version"], "1.60.0", "{v:#}");
}
