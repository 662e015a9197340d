//! The README's examples are real: every fenced block marked ```` ```console readme-test ````
//! is replayed here, command by command, against a scene that stands in for the README's
//! story — a project folder whose `.venv` holds certifi 2024.8.30 and pip's vendored copy,
//! and `api.example.com`, played by `localhost:PORT`: a TLS server on 127.0.0.1 that sends
//! only its leaf, whose AIA URL names a local HTTP server holding the missing intermediate. The test root stands in for
//! a public root (it is in both bundles, as certifi's roots are).
//!
//! Each block starts from a fresh scene. A `$ ` line is a command (`certpatch …`, or `pip install -U certifi`, which the test
//! plays by installing a newer certifi in the venv); a trailing `# exit N` gives its exit
//! code (0 otherwise). The lines under it are its output (standard output, then standard
//! error), after the scene's volatile parts are mapped to the README's names (paths, ports,
//! fingerprints). Without a `…` line the output must match line for line; with one, each
//! shown line must appear, in order.
// The replay itself is Unix only (Linux transcripts); the README checks below run everywhere.
#![cfg_attr(not(unix), allow(dead_code))]

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;
use crate::netlab::*;

/// The fingerprint (prefix) the README shows for the scene's intermediate.
const README_SHA: &str = "5b3e9f0c7a12d846";

/// One `$ ` command of a README block, with the output the README shows for it.
#[derive(Debug)]
pub struct Example {
    /// Which block of the README (1, 2, …) it belongs to.
    pub block: usize,
    pub line: usize,
    pub command: String,
    pub exit: i32,
    pub output: Vec<String>,
}

/// The commands of every ```` ```console readme-test ```` block of `text`.
pub fn examples(text: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut inside = false;
    let mut block = 0;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if !inside {
            inside = trimmed == "```console readme-test";
            block += usize::from(inside);
            continue;
        }
        if trimmed == "```" {
            inside = false;
            continue;
        }
        if let Some(cmd) = trimmed.strip_prefix("$ ") {
            let (command, exit) = match cmd.split_once("# exit ") {
                Some((c, code)) => (c.trim().to_string(), code.trim().parse().unwrap()),
                None => (cmd.trim().to_string(), 0),
            };
            out.push(Example {
                block,
                line: i + 1,
                command,
                exit,
                output: Vec::new(),
            });
        } else if let Some(last) = out.last_mut() {
            last.output.push(trimmed.to_string());
        }
    }
    for ex in &mut out {
        while ex.output.last().is_some_and(|l| l.is_empty()) {
            ex.output.pop();
        }
    }
    out
}

/// The README's story, played on this machine.
struct Scene {
    sb: Sandbox,
    app: PathBuf,
    site: PathBuf,
    root_pem: String,
    port: u16,
    aia_port: u16,
    int_sha: String,
}

impl Scene {
    fn new() -> Scene {
        let sb = Sandbox::new();
        let root = root("Example Root CA");
        let int = intermediate("Example Issuing CA 1", &root, None);
        let (int_der, int_sha) = (int.der(), sha256(&int.der()));
        let (aia_port, _) = http_server(move |_| Answer::Body(int_der.clone()));
        let aia = format!("http://127.0.0.1:{aia_port}/ica1.der");
        let leaf = leaf(&["localhost"], &int, Some(&aia), VALID);
        let port = tls_server(vec![leaf.der()], &leaf.key);
        let app = sb.root().join("app");
        let venv = app.join(".venv");
        let site = venv.join("lib/python3.12/site-packages");
        fs::create_dir_all(&site).unwrap();
        fs::write(venv.join("pyvenv.cfg"), "home = /nonexistent/bin\n").unwrap();
        fs::write(app.join("intermediate.pem"), int.pem()).unwrap();
        let scene = Scene {
            sb,
            app,
            site,
            root_pem: root.pem(),
            port,
            aia_port,
            int_sha,
        };
        scene.install_certifi("2024.8.30");
        let pip = scene.site.join("pip/_vendor/certifi");
        fs::create_dir_all(&pip).unwrap();
        fs::write(scene.site.join("pip/__init__.py"), "").unwrap();
        fs::write(pip.join("cacert.pem"), scene.bundle_bytes("")).unwrap();
        scene
    }

    /// certifi's bundle with the scene's root, as release `version` would ship it.
    fn bundle_bytes(&self, version: &str) -> Vec<u8> {
        let mut b = read(real(CERTIFI));
        b.extend(self.root_pem.as_bytes());
        if version == "2026.10.19" {
            b.extend(b"\n");
        }
        b
    }

    /// What `pip install certifi==VERSION` leaves: the bundle and a dist-info describing it.
    fn install_certifi(&self, version: &str) {
        install_certifi_in(&self.site, version, &self.bundle_bytes(version));
    }

    /// Runs one README command; returns (exit code, normalised output lines).
    fn run(&self, command: &str) -> (i32, Vec<String>) {
        let words: Vec<&str> = command.split_whitespace().collect();
        match words.as_slice() {
            ["pip", "install", "-U", "certifi"] => {
                self.install_certifi("2026.10.19");
                return (0, Vec::new());
            }
            ["certpatch", ..] => {}
            _ => panic!("the README test cannot play `{command}`"),
        }
        let host = format!("localhost:{}", self.port);
        let args: Vec<String> = words[1..]
            .iter()
            .map(|w| {
                w.replace("api.example.com", &host)
                    .replace(README_SHA, &self.int_sha[..16])
            })
            .collect();
        let out = self
            .sb
            .cmd()
            .current_dir(&self.app)
            .args(&args)
            .args(["--at", TEST_CLOCK])
            .run_output()
            .unwrap();
        let text = format!("{}{}", stdout(&out), stderr(&out));
        (
            out.status.code().unwrap_or(-1),
            text.lines().map(|l| self.normalise(l)).collect(),
        )
    }

    /// The scene's volatile parts, written as the README writes them.
    fn normalise(&self, line: &str) -> String {
        let app = self.app.display().to_string();
        let home = self.sb.home().display().to_string();
        let line = line
            .replace(&app, "/home/me/app")
            .replace(&home, "/home/me/.local/share/certpatch")
            .replace(&format!("localhost:{}", self.port), "api.example.com")
            .replace("localhost", "api.example.com")
            .replace(
                &format!("http://127.0.0.1:{}", self.aia_port),
                "http://ca.example.com",
            )
            .replace(&self.int_sha, README_SHA)
            .replace(&self.int_sha[..16], README_SHA);
        // A backup folder is named by a hash of the bundle's path, which is the sandbox's.
        let line = match line.split_once("/backups/") {
            Some((a, b)) if b.len() >= 16 => format!("{a}/backups/…{}", &b[16..]),
            _ => line,
        };
        without_patch_times(&line)
    }
}

/// `added 2026-12-06T05:41:29Z` (the time of this run) as `added …`.
fn without_patch_times(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("added 20") {
        let stamp = &rest[i + 6..];
        let end = stamp.find(['Z', ' ']).map_or(stamp.len(), |e| e + 1);
        out.push_str(&rest[..i + 6]);
        out.push('…');
        rest = &stamp[end..];
    }
    out.push_str(rest);
    out
}

fn readme() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// Whether `shown` (the README's lines, `…` for lines left out) matches `real`.
pub fn output_matches(shown: &[String], real: &[String]) -> bool {
    if !shown.iter().any(|l| l.trim() == "…") {
        return shown == real;
    }
    let mut rest = real.iter();
    shown
        .iter()
        .filter(|l| l.trim() != "…")
        .all(|want| rest.any(|got| got == want))
}

#[cfg(unix)] // the README's examples are Linux transcripts (Unix paths, POSIX quoting)
#[test]
fn the_readme_examples_are_what_certpatch_prints() {
    let text = readme();
    let examples = examples(&text);
    assert!(
        examples.len() >= 5,
        "README.md should hold its examples in ```console readme-test blocks: {examples:?}"
    );
    let mut wrong = Vec::new();
    let mut scene = Scene::new();
    let mut block = 0;
    for ex in &examples {
        if ex.block != block {
            // Each block tells its own story from the start.
            (scene, block) = (Scene::new(), ex.block);
        }
        let (code, real) = scene.run(&ex.command);
        if code != ex.exit || !output_matches(&ex.output, &real) {
            wrong.push(format!(
                "README.md line {}: `{}`\nexpected exit {}, got {code}\n--- README shows:\n{}\n--- certpatch printed:\n{}\n",
                ex.line,
                ex.command,
                ex.exit,
                ex.output.join("\n"),
                real.join("\n")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_readme_shows_the_one_command_and_the_test_command_near_its_top() {
    let text = readme();
    let top: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
    assert!(
        top.contains("\ncertpatch fix https://api.example.com\n"),
        "{top}"
    );
    assert!(top.contains("`cargo test`"), "{top}");
}

#[test]
fn a_changed_output_line_is_a_mismatch() {
    let real = vec!["a".to_string(), "b".to_string()];
    assert!(output_matches(&real, &real));
    assert!(!output_matches(&["a".into(), "c".into()], &real));
    assert!(output_matches(&["…".into(), "b".into()], &real));
    assert!(!output_matches(
        &["b".into(), "…".into(), "a".into()],
        &real
    ));
    let ex = examples("```console readme-test\n$ certpatch status   # exit 1\nx\n\n```\n");
    assert_eq!(
        (ex[0].command.as_str(), ex[0].exit),
        ("certpatch status", 1)
    );
    assert_eq!(ex[0].output, vec!["x".to_string()]);
    assert_eq!(
        without_patch_times("(added 2026-12-06T05:41:29Z from fix x): y"),
        "(added … from fix x): y"
    );
}
