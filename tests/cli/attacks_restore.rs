//! Regressions from the adversarial review of backups, `restore`, `remove` and what `add`
//! installs: a restore that downgraded a trust store after a certifi upgrade, a tampered
//! backup that was restored, a removal that left a hand-pasted copy trusted silently, and a
//! bundle Python cannot load that was installed with "retry the failing request now".

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::common::*;

/// A fake site-packages with certifi `version` whose `cacert.pem` is `bundle`.
fn certifi_tree(sb: &Sandbox, version: &str, bundle: &[u8]) -> PathBuf {
    let site = sb.root().join("env/lib/python3.12/site-packages");
    let dir = site.join("certifi");
    std::fs::create_dir_all(&dir).unwrap();
    set_certifi_version(&site, version);
    let path = dir.join("cacert.pem");
    std::fs::write(&path, bundle).unwrap();
    path
}

/// Replaces the dist-info of certifi in `site` by one of `version` (what pip does).
fn set_certifi_version(site: &Path, version: &str) {
    for e in std::fs::read_dir(site).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("certifi-") {
            std::fs::remove_dir_all(e.path()).unwrap();
        }
    }
    let info = site.join(format!("certifi-{version}.dist-info"));
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(
        info.join("METADATA"),
        format!("Metadata-Version: 2.1\nName: certifi\nVersion: {version}\n"),
    )
    .unwrap();
}

/// The DER of every certificate block of `bundle` (decoded here, not by certpatch).
fn ders_of(bundle: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(bundle);
    pem::parse_many(text.as_bytes())
        .unwrap()
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.contents().to_vec())
        .collect()
}

/// How many certificates of `a` are not in `b`.
fn set_difference(a: &[u8], b: &[u8]) -> usize {
    let b = ders_of(b);
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for d in ders_of(a) {
        if !b.contains(&d) && !seen.contains(&d) {
            seen.push(d);
        }
    }
    seen.len()
}

fn restore_json(
    sb: &Sandbox,
    bundle: &Path,
    extra: &[&str],
) -> (std::process::Output, serde_json::Value) {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let out = sb.restore(bundle, &args);
    let v = json(&out);
    (out, v)
}

#[test]
fn restore_never_puts_an_older_certifi_over_an_upgraded_one() {
    let sb = Sandbox::new();
    let old = read(real(PIP_VENDORED));
    let new = read(real(CERTIFI));
    let bundle = certifi_tree(&sb, "2023.5.7", &old);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);

    // The backup records which certifi it was taken from.
    let metas: Vec<PathBuf> = files_under(&sb.home())
        .into_iter()
        .filter(|p| p.ends_with("meta.toml"))
        .collect();
    assert_eq!(metas.len(), 1);
    let meta = String::from_utf8(read(&metas[0])).unwrap();
    assert!(meta.contains("version = \"2023.5.7\""), "{meta}");

    // `pip install -U certifi`: a new bundle, the patch gone.
    set_certifi_version(bundle.parent().unwrap().parent().unwrap(), "2026.10.19");
    std::fs::write(&bundle, &new).unwrap();
    let brought_back = set_difference(&old, &new);
    let dropped = set_difference(&new, &old);
    assert!(brought_back > 0, "the fixtures differ as an upgrade does");

    for extra in [&[][..], &["--dry-run"][..]] {
        let out = sb.restore(&bundle, extra);
        assert_exit(&out, 1, "restore after an upgrade");
        assert_file_is(&bundle, &new, "the upgraded bundle stays");
        let err = stderr(&out);
        assert!(
            err.contains("certifi 2023.5.7 → certifi 2026.10.19"),
            "names the versions: {err}"
        );
        assert!(
            err.contains(&format!(
                "bring back (trust again) {brought_back} certificate(s)"
            )),
            "counts the roots the old copy would trust again: {err}"
        );
        assert!(
            err.contains(&format!("drop {dropped} certificate(s)")),
            "{err}"
        );
        assert!(err.contains("… and"), "the list is capped: {err}");
        assert!(
            err.contains("pip install --force-reinstall certifi"),
            "{err}"
        );
        // The way out offered is `reapply` (the patches the upgrade lost, checked again)
        // or the package's own bundle, never a forced restore (restore has no --force):
        // the whole hint, word for word.
        assert!(
            err.contains(
                "there is nothing of certpatch's to take out: the change took its patches with \
                 it. `certpatch reapply --bundle"
            ) && err.contains(
                "puts them back into this bundle, each checked again; `pip install \
                 --force-reinstall certifi` puts the package's own bundle back instead"
            ),
            "{err}"
        );
        assert!(
            err.contains("would put an older bundle over it, so nothing was written"),
            "{err}"
        );
        assert!(
            err.contains("no longer in it"),
            "says the patches were lost: {err}"
        );
    }
    let (out, v) = restore_json(&sb, &bundle, &[]);
    assert_exit(&out, 1, "restore --json");
    let b = &v["bundles"][0];
    assert_eq!(b["status"], "refused");
    assert_eq!(b["reason"], "patches-lost");
    assert_eq!(
        b["would_bring_back"].as_array().unwrap().len(),
        brought_back
    );
    assert_eq!(b["would_drop"].as_array().unwrap().len(), dropped);
    assert_eq!(b["provenance_then"]["version"], "2023.5.7");
    assert_eq!(b["provenance_now"]["version"], "2026.10.19");
    assert_file_is(&bundle, &new, "still the upgraded bundle");

    // The way out the hint names works: the lost patch goes back on the new bundle.
    let out = sb
        .cmd()
        .args(["reapply", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "reapply, as the hint says");
    let now = read(&bundle);
    assert!(now.starts_with(&new), "the new bundle's bytes stay first");
    assert_eq!(
        count_cert(&now, &der(&real("le-r10.pem"))),
        1,
        "the patch is back"
    );
}

#[test]
fn restore_refuses_an_upgrade_that_kept_the_patch_and_remove_all_is_the_way_out() {
    let sb = Sandbox::new();
    let old = read(real(PIP_VENDORED));
    let new = read(real(CERTIFI));
    let bundle = certifi_tree(&sb, "2023.5.7", &old);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    let patch = read(&bundle)[old.len()..].to_vec();
    // An upgrade whose installer kept the appended block (or a reapply after it).
    let mut upgraded = new.clone();
    upgraded.extend_from_slice(&patch);
    std::fs::write(&bundle, &upgraded).unwrap();
    set_certifi_version(bundle.parent().unwrap().parent().unwrap(), "2026.10.19");

    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore over an upgrade with the patch");
    assert_file_is(&bundle, &upgraded, "unchanged");
    let err = stderr(&out);
    assert!(err.contains("certpatch remove --all --bundle"), "{err}");
    assert!(err.contains("2023.5.7 → certifi 2026.10.19"), "{err}");

    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(
        &bundle,
        &new,
        "remove --all keeps the newer bundle, byte for byte",
    );
}

#[test]
fn restore_still_works_when_the_bundle_is_the_backup_plus_patches() {
    let sb = Sandbox::new();
    let old = read(real(PIP_VENDORED));
    let bundle = certifi_tree(&sb, "2023.5.7", &old);
    sb.add_ok(real("le-r10.pem"), &bundle, &[]);
    sb.add_ok(real("le-e5-cross.pem"), &bundle, &[]);
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore");
    assert_file_is(&bundle, &old, "pristine bytes");
    assert!(
        !files_under(&sb.home())
            .iter()
            .any(|p| p.ends_with("original")),
        "the backup is used up"
    );
}

/// The backup folder of the only backup in the sandbox.
fn only_backup(sb: &Sandbox) -> PathBuf {
    let metas: Vec<PathBuf> = files_under(&sb.home())
        .into_iter()
        .filter(|p| p.ends_with("meta.toml"))
        .collect();
    assert_eq!(metas.len(), 1, "one backup");
    metas[0].parent().unwrap().to_path_buf()
}

#[test]
fn a_tampered_backup_is_never_restored() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let patched = read(&bundle);
    let dir = only_backup(&sb);
    let original = dir.join("original");

    // The attacker swaps the copy for one holding their root.
    let mut evil = read(&original);
    evil.extend(read(gen("impostor-root.pem")));
    std::fs::write(&original, &evil).unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore of a tampered backup");
    assert_file_is(&bundle, &patched, "bundle unchanged");
    let err = stderr(&out);
    assert!(err.contains("damaged backup"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
    assert!(
        err.contains(&original.display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains("certpatch remove --all --bundle"), "{err}");
    assert!(!err.contains("put back as it was"), "{err}");

    // ... and fixes meta.toml to match: the bytes are then not what the bundle was.
    let meta = String::from_utf8(read(dir.join("meta.toml"))).unwrap();
    let fixed: String = meta
        .lines()
        .map(|l| {
            if l.starts_with("sha256") {
                format!("sha256 = \"{}\"", sha256(&evil))
            } else if l.starts_with("size") {
                format!("size = {}", evil.len())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("meta.toml"), fixed).unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore of a consistent but foreign backup");
    assert_file_is(&bundle, &patched, "bundle unchanged");
    assert!(stderr(&out).contains("bring back (trust again) 1 certificate(s)"));
    let impostor = sha256(&der(&gen("impostor-root.pem")));
    assert!(
        stderr(&out).contains(&format!("{}  certpatch Test Root CA", &impostor[..16])),
        "names the root the copy would bring in: {}",
        stderr(&out)
    );

    // An unreadable meta.toml is damaged too.
    std::fs::write(dir.join("meta.toml"), "sha256 = ").unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 1, "restore with a broken meta.toml");
    assert!(stderr(&out).contains("damaged backup"));
    assert_file_is(&bundle, &patched, "bundle unchanged");
}

#[test]
fn backups_of_older_and_newer_certpatch_versions_are_read() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let dir = only_backup(&sb);
    // The 0.1 format (no provenance, no size), plus a field from a future version.
    std::fs::write(
        dir.join("meta.toml"),
        format!(
            "bundle = \"x\"\nsaved = \"2026-01-01T00:00:00Z\"\nsha256 = \"{}\"\nfrom-the-future = 1\n",
            sha256(&original)
        ),
    )
    .unwrap();
    let out = sb.restore(&bundle, &[]);
    assert_exit(&out, 0, "restore with an old-format meta");
    assert_file_is(&bundle, &original, "restored");
}

#[test]
fn remove_warns_when_a_hand_pasted_copy_stays_trusted() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    // Someone pastes the same certificate by hand below the patch.
    let mut edited = read(&bundle);
    edited.extend_from_slice(b"\n# pasted by hand\n");
    let line = edited.iter().filter(|&&b| b == b'\n').count() + 1;
    edited.extend(read(gen("int-good.pem")));
    std::fs::write(&bundle, &edited).unwrap();

    let out = sb.remove(&bundle, &["--all"]);
    assert_exit(&out, 0, "remove --all");
    let after = read(&bundle);
    assert_eq!(patch_count(&after), 0);
    assert_eq!(
        count_cert(&after, &der(&gen("int-good.pem"))),
        1,
        "the pasted copy stays"
    );
    let err = stderr(&out);
    assert!(
        err.contains("still trusted: certpatch Test Intermediate A"),
        "{err}"
    );
    // The line in the bundle as it is now (the patch above it is gone).
    let text = String::from_utf8_lossy(&after).into_owned();
    let at = text.find("# pasted by hand").unwrap();
    let now_line = text[..at].matches('\n').count() + 2;
    assert!(line > now_line, "the patch above was removed");
    assert!(err.contains(&format!("at line {now_line} of")), "{err}");
    // Without a copy, no such warning.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    let out = sb.remove(&bundle, &["--all"]);
    assert!(!stderr(&out).contains("still trusted"));
}

// ---------------------------------------------------------------------------------------
// Nothing Python cannot load is installed.

/// `der` with its serial number given an illegal leading zero byte (a non-minimal INTEGER:
/// x509 parsers in Rust accept it, OpenSSL refuses the whole PEM file), re-signed with
/// `key` so that it is still a valid certificate for certpatch's rules.
fn padded_serial(der: &[u8], key: &Path, tmp: &Path) -> Vec<u8> {
    // Outer SEQUENCE and TBS SEQUENCE with two-byte lengths, then [0] version, then serial.
    assert_eq!(&der[..2], &[0x30, 0x82]);
    assert_eq!(&der[4..6], &[0x30, 0x82]);
    let tbs_len = u16::from_be_bytes([der[6], der[7]]) as usize;
    let tbs_body = &der[8..8 + tbs_len];
    assert_eq!(&tbs_body[..5], &[0xa0, 0x03, 0x02, 0x01, 0x02]);
    assert_eq!(tbs_body[5], 0x02);
    let serial_len = tbs_body[6] as usize;
    let serial = &tbs_body[7..7 + serial_len];
    assert!(serial[0] < 0x80 && serial_len < 120);
    let mut body = tbs_body[..5].to_vec();
    body.extend([0x02, (serial_len + 1) as u8, 0x00]);
    body.extend_from_slice(serial);
    body.extend_from_slice(&tbs_body[7 + serial_len..]);
    let mut tbs = vec![0x30, 0x82];
    tbs.extend((body.len() as u16).to_be_bytes());
    tbs.extend(body);
    // The signature algorithm follows the TBS in the original.
    let rest = &der[8 + tbs_len..];
    assert_eq!(rest[0], 0x30);
    let alg = &rest[..2 + rest[1] as usize];
    let tbs_file = tmp.join("tbs.der");
    std::fs::write(&tbs_file, &tbs).unwrap();
    let out = StdCommand::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg(&tbs_file)
        .run_output()
        .unwrap_or_else(|e| {
            panic!(
                "the openssl command ({e}): install it (Debian: apt-get install openssl), or \
                 switch off the `test-python` feature (README, \"Run the tests\")"
            )
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sig = out.stdout;
    let mut bits = vec![0x03, 0x82];
    bits.extend(((sig.len() + 1) as u16).to_be_bytes());
    bits.push(0);
    bits.extend(sig);
    let mut all = tbs;
    all.extend_from_slice(alg);
    all.extend(bits);
    let mut cert = vec![0x30, 0x82];
    cert.extend((all.len() as u16).to_be_bytes());
    cert.extend(all);
    cert
}

fn pem_of(der: &[u8]) -> Vec<u8> {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
    .into_bytes()
}

/// A venv (no pip) of the host's python3 with a hand-made `certifi` whose bundle is
/// `bundle`: `--python` asks this interpreter, so its bundle gets the Python load check.
/// Fails, naming what to install, where python3 is absent (feature `test-python`).
fn venv_with_certifi(sb: &Sandbox, bundle: &[u8]) -> (PathBuf, PathBuf) {
    let python = require_python3();
    let venv = sb.root().join("venv");
    let mut cmd = StdCommand::new(&python);
    for var in crate::python_e2e::CA_OVERRIDES {
        cmd.env_remove(var);
    }
    let out = cmd
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .run_output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = venv.join("bin/python");
    let site = StdCommand::new(&exe)
        .args([
            "-I",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .run_output()
        .unwrap();
    let site = PathBuf::from(String::from_utf8(site.stdout).unwrap().trim());
    let dir = site.join("certifi");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("__init__.py"),
        "import os\n__version__ = '2026.10.19'\ndef where():\n    return os.path.join(os.path.dirname(__file__), 'cacert.pem')\n",
    )
    .unwrap();
    let path = dir.join("cacert.pem");
    std::fs::write(&path, bundle).unwrap();
    (exe, path)
}

fn add_python(sb: &Sandbox, file: &Path, python: &Path) -> std::process::Output {
    sb.cmd()
        .arg("add")
        .arg(file)
        .arg("--python")
        .arg(python)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap()
}

#[test]
#[cfg_attr(
    not(feature = "test-python"),
    ignore = "runs python3: feature test-python"
)]
fn add_never_installs_a_bundle_the_targets_python_cannot_load() {
    // The certificate that broke Python in the review (a serial with a padding byte,
    // re-signed) is now stopped at intake by the strict-DER rule, before any bundle is
    // planned; the load check behind it (`pyload::python_loads`, unit-tested with a real
    // Python on an outer-encoding mutation) is the second line of defence.
    let sb = Sandbox::new();
    let (python, bundle) = venv_with_certifi(&sb, &test_bundle_bytes());
    let before = read(&bundle);
    let bad = padded_serial(&der(&gen("int-good.pem")), &gen("test-root.key"), sb.root());
    let input = sb.file("padded.pem", &pem_of(&bad));
    let out = add_python(&sb, &input, &python);
    assert_exit(&out, 1, "add of a certificate OpenSSL cannot parse");
    assert_file_is(&bundle, &before, "bundle unchanged");
    assert!(
        stderr(&out).contains("malformed") || stderr(&out).contains("DER"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stdout(&out).contains("retry the failing request"),
        "{}",
        stdout(&out)
    );
    assert!(!sb.backups_exist(), "no backup left behind");
    // A good certificate still goes in, after the same checks (Python loads the result).
    let out = add_python(&sb, &gen("int-good.pem"), &python);
    assert_exit(&out, 0, "add of a good certificate");
    assert_eq!(patch_count(&read(&bundle)), 1);
}

#[test]
#[cfg_attr(
    not(feature = "test-python"),
    ignore = "runs python3: feature test-python"
)]
fn add_to_a_bundle_python_already_cannot_load_says_so() {
    let sb = Sandbox::new();
    // A foreign block (pasted by someone) that OpenSSL refuses: the bundle is broken
    // before certpatch touches it.
    let bad = padded_serial(
        &der(&gen("int-good-twin.pem")),
        &gen("test-root.key"),
        sb.root(),
    );
    let mut broken = test_bundle_bytes();
    broken.extend(pem_of(&bad));
    let (python, bundle) = venv_with_certifi(&sb, &broken);
    let out = add_python(&sb, &gen("int-good.pem"), &python);
    assert_exit(&out, 1, "add to a bundle Python cannot load");
    assert_file_is(&bundle, &broken, "bundle unchanged");
    let err = stderr(&out);
    assert!(
        err.contains("Python could not load this bundle before certpatch either"),
        "{err}"
    );
    assert!(!stdout(&out).contains("retry the failing request now"));
}

#[test]
fn add_to_a_bundle_with_blocks_that_do_not_decode_does_not_say_retry_now() {
    // A bundle named by path: no interpreter to try it, so only the parse check runs;
    // the patch goes in, but the summary does not promise that the request now works.
    let sb = Sandbox::new();
    let mut broken = test_bundle_bytes();
    broken.extend(read(gen("bad-base64.pem")));
    let bundle = sb.write_bundle("cacert.pem", &broken);
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert_exit(&out, 0, "add");
    assert_eq!(patch_count(&read(&bundle)), 1);
    assert!(
        !stdout(&out).contains("retry the failing request now"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("read the warnings above"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("Python's ssl may refuse to load the whole file"),
        "{}",
        stderr(&out)
    );
    // A clean bundle still gets the plain advice.
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let out = sb.add(gen("int-good.pem"), &bundle, &[]);
    assert!(stdout(&out).contains("retry the failing request now"));
}
