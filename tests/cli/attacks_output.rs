//! What certpatch shows cannot be turned against the person reading it: names, sources and
//! paths from crafted bundles and certificates are escaped (control, bidirectional
//! and zero-width characters written visibly), messages that list items stay short, a damaged certificate
//! is not called a private key, and a closed standard output ends a command quietly.

use std::path::PathBuf;
use std::process::Stdio;

use sha2::{Digest, Sha256};

use crate::common::*;

/// The forged source: an escape sequence that clears the screen, a line break followed by
/// a fake status line, and a right-to-left override.
const FORGED_SOURCE_RAW: &str = "evil\u{1b}[2J\nok: forged\u{202e}mep.pem";
/// The same, as certpatch's header writes it into the bundle (escaped to ASCII).
const FORGED_SOURCE_IN_BUNDLE: &str = "evil\\x1b[2J\\nok: forged\\u202emep.pem";
/// The same, as certpatch must show it on a terminal.
const FORGED_SOURCE_SHOWN: &str = "evil\\x1b[2J\\x0aok: forged\\u{202e}mep.pem";

/// int-good with a right-to-left override in its subject CN (`Intermedi\u{202e} A`):
/// still a readable certificate, though its signature no longer verifies.
fn rlo_cert_der() -> Vec<u8> {
    let mut der = der(&gen("int-good.pem"));
    let at = der
        .windows(14)
        .position(|w| w == b"Intermediate A")
        .expect("int-good's CN");
    // "ate" (3 bytes) becomes U+202E (3 bytes in UTF-8): lengths stay the same.
    der[at + 9..at + 12].copy_from_slice("\u{202e}".as_bytes());
    der
}

fn pem_of(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}

/// The test bundle followed by a certpatch-shaped patch of `der` whose first line names
/// the forged source.
fn forged_bundle(sb: &Sandbox, der: &[u8]) -> PathBuf {
    bundle_with_source(sb, der, FORGED_SOURCE_IN_BUNDLE)
}

/// The test bundle followed by a certpatch-shaped patch of `der` whose first line names
/// `source` (as written in a bundle: escaped to ASCII).
fn bundle_with_source(sb: &Sandbox, der: &[u8], source: &str) -> PathBuf {
    let mut bytes = test_bundle_bytes();
    let patch = format!(
        "\n# certpatch: added 2026-01-01T00:00:00Z from {source}\n\
         # Label: \"x\"\n\
         # SHA256 Fingerprint: {}\n{}",
        hex_colons(&Sha256::digest(der)).to_uppercase(),
        pem_of(der)
    );
    bytes.extend(patch.as_bytes());
    sb.write_bundle("cacert.pem", &bytes)
}

/// `certpatch list --bundle BUNDLE`, which must succeed: its standard output.
fn list_text(sb: &Sandbox, bundle: &std::path::Path) -> String {
    let out = sb
        .cmd()
        .arg("list")
        .arg("--bundle")
        .arg(bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "list");
    stdout(&out)
}

fn assert_no_raw_controls(text: &str, what: &str) {
    for bad in ['\u{1b}', '\u{202e}', '\r', '\u{7}'] {
        assert!(
            !text.contains(bad),
            "{what}: raw {:?} reached the terminal:\n{text:?}",
            bad
        );
    }
}

#[test]
fn list_escapes_a_forged_source_and_a_bidi_name() {
    let sb = Sandbox::new();
    let der = rlo_cert_der();
    let bundle = forged_bundle(&sb, &der);

    let text = list_text(&sb, &bundle);
    assert_no_raw_controls(&text, "list");
    assert!(
        !text.lines().any(|l| l.starts_with("ok: forged")),
        "a forged line:\n{text}"
    );
    assert!(text.contains(FORGED_SOURCE_SHOWN), "{text}");
    assert!(text.contains("Intermedi\\u{202e} A"), "{text}");

    // JSON carries the data itself (serde escapes the control characters).
    let v = sb.list_json(&bundle);
    let patch = &v["bundles"][0]["patches"][0];
    assert_eq!(patch["source"], FORGED_SOURCE_RAW, "{v:#}");
    assert_eq!(patch["sha256"], sha256(&der));
}

/// A source whose name holds characters that show nothing (zero-width space, joiner, word
/// joiner, byte order mark): on a terminal it would look like `cacert.pem`.
#[test]
fn list_writes_invisible_characters_of_a_source_visibly() {
    let sb = Sandbox::new();
    let der = der(&gen("int-good.pem"));
    let bundle = bundle_with_source(&sb, &der, "ca\\u200bcert\\u200d.\\u2060pem\\ufeff");
    let text = list_text(&sb, &bundle);
    assert!(
        text.contains("ca\\u{200b}cert\\u{200d}.\\u{2060}pem\\u{feff}"),
        "{text}"
    );
    for c in ['\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}'] {
        assert!(
            !text.contains(c),
            "raw {c:?} reached the terminal:\n{text:?}"
        );
    }
    // JSON carries the name itself.
    let v = sb.list_json(&bundle);
    assert_eq!(
        v["bundles"][0]["patches"][0]["source"], "ca\u{200b}cert\u{200d}.\u{2060}pem\u{feff}",
        "{v:#}"
    );
}

#[test]
fn find_escapes_names_in_its_patch_list() {
    let sb = Sandbox::new();
    let bundle = forged_bundle(&sb, &rlo_cert_der());
    let out = sb
        .cmd()
        .arg("find")
        .arg("--root")
        .arg(bundle.parent().unwrap())
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "find");
    let all = stdout(&out) + &stderr(&out);
    assert_no_raw_controls(&all, "find");
}

#[test]
fn check_escapes_a_bidi_certificate_name() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let input = sb.file("rlo.pem", pem_of(&rlo_cert_der()).as_bytes());
    let out = sb
        .cmd()
        .args(["check", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(&input)
        .run_output()
        .unwrap();
    // The signature no longer verifies: refused, and the refusal names the certificate.
    assert_exit(&out, 1, "check a certificate with U+202E in its name");
    let all = stdout(&out) + &stderr(&out);
    assert_no_raw_controls(&all, "check");
    assert!(all.contains("Intermedi\\u{202e} A"), "{all}");
}

#[cfg(unix)] // file names with control characters (Windows file names cannot hold them)
#[test]
fn an_input_file_name_with_controls_is_escaped_in_a_refusal() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let input = sb.file("x\u{1b}[31m\u{202e}.pem", b"not a certificate\n");
    let out = sb
        .cmd()
        .args(["add", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(&input)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add a text file");
    let err = stderr(&out);
    assert_no_raw_controls(&err, "add");
    assert!(err.contains("x\\x1b[31m\\u{202e}.pem"), "{err}");
}

/// A line break in a `--bundle` that does not exist was printed as is: the error could
/// show a second line of the caller's choosing ("error: …" under certpatch's own).
#[test]
fn a_missing_bundle_named_with_a_line_break_cannot_forge_a_line() {
    let sb = Sandbox::new();
    let forged = sb.root().join("nope\nerror: everything is fine.pem");
    let out = sb
        .cmd()
        .args(["list", "--bundle"])
        .arg(&forged)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "list of a missing bundle");
    let err = stderr(&out);
    assert!(
        !err.lines().any(|l| l.starts_with("error: everything")),
        "a forged line: {err}"
    );
    assert!(err.contains("nope\\x0aerror: everything"), "{err}");
}

#[test]
fn many_unknown_pem_blocks_give_a_bounded_message() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let mut text = String::new();
    for _ in 0..120_000 {
        text.push_str("-----BEGIN A-----\n-----END A-----\n");
    }
    let input = sb.file("blocks.pem", text.as_bytes());
    let out = sb
        .cmd()
        .args(["check", "--json", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .arg(&input)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "check 120k unknown blocks");
    let v = json(&out);
    assert_eq!(v["error"]["code"], "no-certificate", "{v:#}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("120000 `A` blocks"), "{message}");
    assert!(message.len() < 1024, "{} bytes", message.len());
    assert!(
        out.stderr.len() < 4096,
        "{} bytes on stderr",
        out.stderr.len()
    );
}

#[test]
fn a_damaged_der_certificate_is_malformed_not_a_private_key() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let mut der = der(&gen("int-good.pem"));
    // The first byte inside the certificate: tbsCertificate's SEQUENCE tag, now INTEGER.
    assert_eq!(der[4], 0x30);
    der[4] = 0x02;
    let input = sb.file("damaged.der", &der);
    let out = sb.add(&input, &bundle, &["--json"]);
    assert_exit(&out, 1, "add a damaged DER certificate");
    let v = json(&out);
    assert_eq!(v["error"]["code"], "malformed", "{v:#}");
    // The message (where a wrong "private key" verdict would show) names the real fault.
    let message = v["error"]["message"].as_str().expect("error.message");
    assert!(
        message.contains("is malformed: not a valid X.509 certificate"),
        "{message}"
    );
    assert!(!message.contains("private key"), "{message}");
    assert!(!stderr(&out).contains("private key"), "{}", stderr(&out));
    assert_file_is(&bundle, &test_bundle_bytes(), "bundle unchanged");
}

// ---------------------------------------------------------------------------------------
// A closed standard output.

/// Runs `args` with standard output a pipe whose reading end is already closed (what
/// `certpatch … | head -1` becomes once `head` has exited).
fn run_with_closed_stdout(sb: &Sandbox, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = sb
        .std_cmd()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.wait_with_output().unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

fn assert_quiet_success(out: &std::process::Output, what: &str) {
    assert_exit(out, 0, what);
    let err = stderr(out);
    for bad in ["panicked", "Broken pipe", "error"] {
        assert!(!err.contains(bad), "{what}: `{bad}` on stderr:\n{err}");
    }
}

#[test]
fn completions_into_a_closed_pipe_exit_quietly() {
    let sb = Sandbox::new();
    for shell in ["zsh", "bash", "fish"] {
        let out = run_with_closed_stdout(&sb, &[os("completions"), os(shell)]);
        assert_quiet_success(&out, &format!("completions {shell} | head -0"));
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    }
}

#[test]
fn every_command_exits_quietly_into_a_closed_pipe() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let b = bundle.as_os_str();
    let good = gen("int-good.pem");
    let g = good.as_os_str();
    let at = ["--at", TEST_CLOCK].map(os);
    let root = sb.bundle_dir();
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![os("list"), os("--bundle"), b],
        vec![os("list"), os("--json"), os("--bundle"), b],
        vec![os("find"), os("--root"), root.as_os_str()],
        vec![os("find"), os("--json"), os("--root"), root.as_os_str()],
        vec![os("check"), g, os("--bundle"), b, at[0], at[1]],
        vec![
            os("check"),
            g,
            os("--json"),
            os("--bundle"),
            b,
            at[0],
            at[1],
        ],
        vec![
            os("add"),
            g,
            os("--dry-run"),
            os("--bundle"),
            b,
            at[0],
            at[1],
        ],
    ];
    for args in &runs {
        let out = run_with_closed_stdout(&sb, args);
        assert_quiet_success(&out, &format!("{args:?}"));
    }
    // A command that writes finishes its work: the bundle is patched, and undone.
    let out = run_with_closed_stdout(&sb, &[os("add"), g, os("--bundle"), b, at[0], at[1]]);
    assert_quiet_success(&out, "add into a closed pipe");
    assert_eq!(
        count_cert(&read(&bundle), &der(&good)),
        1,
        "int-good was added"
    );
    let out = run_with_closed_stdout(&sb, &[os("remove"), os("--all"), os("--bundle"), b]);
    assert_quiet_success(&out, "remove into a closed pipe");
    assert_file_is(&bundle, &test_bundle_bytes(), "removed again");
}

#[cfg(unix)] // file names with control characters (Windows file names cannot hold them)
#[test]
fn a_line_break_in_an_input_file_name_cannot_forge_a_line() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let input = sb.file("x\nerror: forged.pem", b"not a certificate\n");
    let out = sb.add(&input, &bundle, &[]);
    assert_exit(&out, 1, "add a text file");
    let err = stderr(&out);
    assert!(
        !err.lines().any(|l| l.starts_with("error: forged")),
        "a forged line:\n{err}"
    );
    assert!(err.contains("x\\x0aerror: forged.pem"), "{err}");
}

#[test]
fn a_whole_bundle_as_input_lists_a_few_certificates_and_counts_the_rest() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let total = cert_count(&read(real(CERTIFI)));
    assert!(total > 100, "{total}");
    let run = |json_flag: bool| {
        let mut cmd = sb.cmd();
        cmd.args(["check", "--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .arg(real(CERTIFI));
        if json_flag {
            cmd.arg("--json");
        }
        cmd.run_output().unwrap()
    };
    let out = run(false);
    assert_exit(
        &out,
        0,
        "check a whole bundle (every certificate already present)",
    );
    let text = stdout(&out) + &stderr(&out);
    let shown = text.lines().filter(|l| l.contains("(sha256 ")).count();
    assert_eq!(shown, 10, "{text}");
    assert!(
        text.contains(&format!("… and {} more certificate(s)", total - 10)),
        "{text}"
    );
    // JSON keeps every verdict.
    let v = json(&run(true));
    assert_eq!(
        v["bundles"][0]["certificates"].as_array().unwrap().len(),
        total,
        "{v:#}"
    );
}

#[test]
fn output_lost_to_a_full_disk_is_a_failure_not_a_panic() {
    // /dev/full is part of every Linux system (devtmpfs): no feature for it.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap_or_else(|e| panic!("/dev/full (a Linux device that is always full): {e}"));
    let sb = Sandbox::new();
    let out = sb
        .std_cmd()
        .args(["completions", "zsh"])
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    assert_exit(&out, 1, "completions zsh > /dev/full");
    let err = stderr(&out);
    assert!(err.contains("cannot write to standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A line break in a bundle's folder name reached the terminal as itself inside the
/// commands certpatch prints for pasting (`undo with: certpatch remove … --bundle '…'`,
/// `next:` under `status`): the shell quoting kept it, and the output showed a line of
/// the folder's author's choosing. Printed commands escape it like every other name.
#[cfg(unix)] // folder names with control characters (Windows names cannot hold them)
#[test]
fn a_line_break_in_a_bundle_folder_cannot_forge_a_line_in_a_printed_command() {
    let sb = Sandbox::new();
    let dir = sb.bundle_dir().join("p\nerror: forged");
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("cacert.pem");
    std::fs::write(&bundle, test_bundle_bytes()).unwrap();
    let out = sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.lines().any(|l| l.starts_with("undo with: ")), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("error: forged")),
        "a forged line:\n{text}"
    );
    // The patch lost (the file replaced), `status` prints `next:` commands naming it.
    std::fs::write(&bundle, test_bundle_bytes()).unwrap();
    let out = sb
        .cmd()
        .args(["status", "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "status of a lost patch");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("certpatch reapply"), "{text}");
    assert!(
        !text.lines().any(|l| l.starts_with("error: forged")),
        "a forged line:\n{text}"
    );
}
