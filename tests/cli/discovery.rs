//! Discovery and targets through the command line: `find` (with and without `--root`),
//! `--env`, `--python`, `--bundle`, the default target (`VIRTUAL_ENV`, `.venv`), and the
//! variables that make Python ignore a bundle.
//!
//! Each test builds a fake machine in a temporary folder and runs the binary with a fully
//! controlled environment (`env_clear()`, then only `PATH`, `HOME`, `CERTPATCH_HOST_ROOT`,
//! `CERTPATCH_HOME` and the variables under test), so the machine's real Pythons
//! (`/root/.pyenv`, `/usr/bin/python3`, …) are never seen: every reported path is checked to
//! lie inside the fake machine, and [`HostGuard`] checks that no real bundle changed.
//!
//! Fake trees hold real bundles (the real certifi and pip-vendored bundles, with
//! `fixtures/gen/test-root.pem` appended so that `int-good.pem` chains), so `add` and
//! `remove` really run. Fake interpreters are `#!/bin/sh` scripts that print the JSON line
//! the probe script prints (see `src/discover/interpreter.rs`), using only shell builtins,
//! so `PATH` need not contain `/usr/bin` or `/bin`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

use assert_cmd::Command;
use serde_json::{json, Value};

use crate::common::*;

// ---------------------------------------------------------------------------------------
// The fake machine.

/// A temporary folder standing for a whole machine:
/// `bin/` (the only `PATH` folder), `home/` (`HOME`), `root/` (`CERTPATCH_HOST_ROOT`: the
/// fake `/usr`, `/etc`, …) and `state/` (`CERTPATCH_HOME`).
struct Machine {
    _tmp: tempfile::TempDir,
    base: PathBuf,
}

impl Machine {
    fn new() -> Machine {
        let tmp = tempfile::Builder::new()
            .prefix("certpatch-discovery-")
            .tempdir()
            .expect("temporary folder");
        let base = fs::canonicalize(tmp.path()).unwrap();
        for d in ["bin", "home", "root", "state"] {
            fs::create_dir_all(base.join(d)).unwrap();
        }
        Machine { _tmp: tmp, base }
    }

    /// A path inside the machine.
    fn p(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    fn home(&self) -> PathBuf {
        self.p("home")
    }

    fn host_root(&self) -> PathBuf {
        self.p("root")
    }

    fn state(&self) -> PathBuf {
        self.p("state")
    }

    /// certpatch with nothing from this process's environment: only `PATH` (the fake bin
    /// folder), `HOME`, `CERTPATCH_HOST_ROOT` and `CERTPATCH_HOME`, run in the machine's
    /// base folder.
    fn cmd(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env_clear()
            .env("PATH", self.p("bin"))
            .env("HOME", self.home())
            .env("CERTPATCH_HOST_ROOT", self.host_root())
            .env("CERTPATCH_HOME", self.state())
            .current_dir(&self.base)
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// Runs certpatch with `args` and the extra variables `vars`.
    fn run(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut cmd = self.cmd();
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.args(args).run_output().unwrap()
    }

    /// `add --all --yes int-good.pem --at TEST_CLOCK` with the extra variables `vars`.
    fn add_all_good(&self, vars: &[(&str, &str)]) -> Output {
        self.run(
            &[
                "add",
                "--all",
                "--yes",
                &s(&gen("int-good.pem")),
                "--at",
                TEST_CLOCK,
            ],
            vars,
        )
    }

    /// `find ARGS --json`, exit 0, parsed; every path checked to be inside the machine.
    fn find_json(&self, args: &[&str], vars: &[(&str, &str)]) -> Vec<Value> {
        let mut all = vec!["find", "--json"];
        all.extend_from_slice(args);
        let out = self.run(&all, vars);
        assert_exit(&out, 0, "find --json");
        self.assert_only_machine_paths(&stdout(&out));
        let v = json(&out);
        assert_eq!(v["command"], "find", "{v:#}");
        assert_eq!(v["ok"], true, "{v:#}");
        let items = v["bundles"]
            .as_array()
            .unwrap_or_else(|| panic!("find --json has no `bundles` array: {v:#}"))
            .clone();
        for item in &items {
            assert_find_item_shape(item);
            self.assert_inside(item["path"].as_str().unwrap());
            if let Some(env) = item["environment"].as_str() {
                self.assert_inside(env);
            }
        }
        items
    }

    fn assert_inside(&self, path: &str) {
        assert!(
            Path::new(path).starts_with(&self.base),
            "{path} is outside the fake machine {}",
            self.base.display()
        );
    }

    /// No path of the real machine in `text` (standard output): no `/root/.pyenv`, and every
    /// `/usr/` is the fake root's.
    fn assert_only_machine_paths(&self, text: &str) {
        assert!(
            !text.contains("/root/.pyenv"),
            "the host's pyenv leaked into the output:\n{text}"
        );
        let fake_root = s(&self.host_root());
        for (i, _) in text.match_indices("/usr/") {
            // The advice in the system-store note (also in `find --json`'s notes) names
            // where to put a certificate; that is no path of this machine.
            if text[i..].starts_with("/usr/local/share/ca-certificates/NAME.crt") {
                continue;
            }
            assert!(
                text[..i].ends_with(&fake_root),
                "a real /usr path leaked into the output near byte {i}:\n{text}"
            );
        }
    }
}

/// Every object of `find --json` has at least these keys, with these types.
fn assert_find_item_shape(item: &Value) {
    let o = item
        .as_object()
        .unwrap_or_else(|| panic!("find --json item is not an object: {item}"));
    for key in [
        "path",
        "kind",
        "environment",
        "via",
        "certificates",
        "patches",
        "ignored_by",
    ] {
        assert!(
            o.contains_key(key),
            "find --json item lacks `{key}`: {item:#}"
        );
    }
    assert!(item["path"].is_string(), "{item:#}");
    assert!(
        [
            "certifi",
            "pip-vendored",
            "conda",
            "botocore",
            "grpcio",
            "httplib2",
            "other"
        ]
        .contains(&item["kind"].as_str().unwrap_or("")),
        "{item:#}"
    );
    assert!(
        item["environment"].is_string() || item["environment"].is_null(),
        "{item:#}"
    );
    assert!(item["via"].is_string(), "{item:#}");
    assert!(item["certificates"].is_u64(), "{item:#}");
    for p in item["patches"].as_array().expect("patches is a list") {
        assert!(p["sha256"].is_string(), "a patch without sha256: {item:#}");
    }
    for v in item["ignored_by"].as_array().expect("ignored_by is a list") {
        assert!(v.is_string(), "{item:#}");
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn write_exe(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(path, text.as_bytes());
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The real certifi bundle followed by the test root (so `int-good.pem` chains).
fn certifi_bytes() -> Vec<u8> {
    test_bundle_bytes()
}

/// The real bundle pip vendors, followed by the test root.
fn pip_bytes() -> Vec<u8> {
    let mut b = read(real(PIP_VENDORED));
    b.extend(read(gen("test-root.pem")));
    b
}

/// A site-packages folder with certifi and pip (and pip's vendored certifi).
fn fill_site(sp: &Path) {
    write(&sp.join("certifi/cacert.pem"), &certifi_bytes());
    write(
        &sp.join("certifi/__init__.py"),
        b"from .core import where\n",
    );
    write(&sp.join("certifi/core.py"), b"def where(): ...\n");
    write(&sp.join("pip/__init__.py"), b"");
    write(&sp.join("pip/_vendor/certifi/cacert.pem"), &pip_bytes());
    write(&sp.join("pip/_vendor/certifi/__init__.py"), b"");
}

/// A venv (`pyvenv.cfg`, `bin/python3` that cannot run) with certifi and pip.
fn make_venv(dir: &Path, version: &str) -> PathBuf {
    write(
        &dir.join("pyvenv.cfg"),
        format!("home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = {version}.1\n")
            .as_bytes(),
    );
    write_exe(&dir.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    fill_site(&dir.join(format!("lib/python{version}/site-packages")));
    dir.to_path_buf()
}

/// The site-packages folder of a venv made by [`venv`].
fn site(dir: &Path, version: &str) -> PathBuf {
    dir.join(format!("lib/python{version}/site-packages"))
}

/// A conda prefix: `conda-meta/`, `ssl/cacert.pem`, certifi (no pip).
fn make_conda(dir: &Path, version: &str) -> PathBuf {
    write(&dir.join("conda-meta/history"), b"");
    write_exe(&dir.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    write(&dir.join("ssl/cacert.pem"), &certifi_bytes());
    write(
        &dir.join(format!(
            "lib/python{version}/site-packages/certifi/cacert.pem"
        )),
        &certifi_bytes(),
    );
    dir.to_path_buf()
}

/// A Python install root (a pyenv version): `bin/python3`, the standard library, certifi and
/// pip.
fn make_install(dir: &Path, version: &str) -> PathBuf {
    write_exe(&dir.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    write_exe(
        &dir.join(format!("bin/python{version}")),
        "#!/bin/sh\nexit 1\n",
    );
    write(&dir.join(format!("lib/python{version}/os.py")), b"");
    fill_site(&dir.join(format!("lib/python{version}/site-packages")));
    dir.to_path_buf()
}

/// A fake interpreter: a shell script (builtins only) that records its arguments and
/// exported variables beside itself (`NAME.args`, `NAME.env`), prints a line of noise
/// (as a `sitecustomize` might) and then `answer` as one JSON line.
fn fake_python(path: &Path, answer: &Value) -> PathBuf {
    let line = serde_json::to_string(answer).unwrap();
    assert!(
        !line.contains('\''),
        "the answer must not hold a single quote"
    );
    let record = |ext: &str| format!("{}.{ext}", path.display());
    write_exe(
        path,
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{args}'\nexport -p > '{env}'\n\
             printf '%s\\n' 'noise from sitecustomize'\nprintf '%s\\n' '{line}'\n",
            args = record("args"),
            env = record("env"),
        ),
    );
    path.to_path_buf()
}

/// The answer of an interpreter of the venv `dir` (made by [`venv`]).
fn answer_for_venv(dir: &Path, version: &str) -> Value {
    let sp = site(dir, version);
    json!({
        "prefix": dir,
        "executable": dir.join("bin/python3"),
        "base_prefix": "/nonexistent",
        "version": format!("{version}.1"),
        "certifi": sp.join("certifi/cacert.pem"),
        "certifi_file": sp.join("certifi/__init__.py"),
        "pip_certifi": sp.join("pip/_vendor/certifi/cacert.pem"),
        "pip_certifi_file": sp.join("pip/_vendor/certifi/__init__.py"),
    })
}

// ---------------------------------------------------------------------------------------
// The real machine must stay untouched.

/// A snapshot (size, modification time, inode) of the real machine's Python bundles and
/// system store, to check after a test that wrote bundles that none of them changed.
struct HostGuard {
    files: BTreeMap<PathBuf, Option<(u64, SystemTime, u64)>>,
}

impl HostGuard {
    fn new() -> HostGuard {
        let mut paths = vec![PathBuf::from("/etc/ssl/certs/ca-certificates.crt")];
        let places = [
            "certifi/cacert.pem",
            "pip/_vendor/certifi/cacert.pem",
            "botocore/cacert.pem",
        ];
        let mut sites = vec![
            PathBuf::from("/usr/lib/python3/dist-packages"),
            PathBuf::from("/usr/local/lib/python3/dist-packages"),
        ];
        for versions in ["/root/.pyenv/versions", "/usr/local/lib", "/usr/lib"] {
            for v in fs::read_dir(versions).into_iter().flatten().flatten() {
                let p = v.path();
                let name = v.file_name().to_string_lossy().into_owned();
                if name.starts_with("python3") {
                    sites.push(p.join("site-packages"));
                    sites.push(p.join("dist-packages"));
                } else if versions.ends_with("versions") {
                    for lib in fs::read_dir(p.join("lib")).into_iter().flatten().flatten() {
                        sites.push(lib.path().join("site-packages"));
                    }
                }
            }
        }
        for sp in sites {
            for place in places {
                paths.push(sp.join(place));
            }
        }
        let files: BTreeMap<PathBuf, Option<(u64, SystemTime, u64)>> = paths
            .into_iter()
            .map(|p| {
                let id = Self::id(&p);
                (p, id)
            })
            .collect();
        HostGuard { files }
    }

    fn id(p: &Path) -> Option<(u64, SystemTime, u64)> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(p).ok()?;
        Some((m.len(), m.modified().ok()?, m.ino()))
    }

    fn check(&self) {
        for (p, before) in &self.files {
            assert_eq!(
                &Self::id(p),
                before,
                "a real bundle of this machine changed: {}",
                p.display()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Small readers of command output.

/// The find items whose path is `path`.
fn item<'a>(items: &'a [Value], path: &Path) -> &'a Value {
    let matching: Vec<&Value> = items.iter().filter(|i| i["path"] == s(path)).collect();
    assert_eq!(
        matching.len(),
        1,
        "{} reported {} times in {items:#?}",
        path.display(),
        matching.len()
    );
    matching[0]
}

/// `(path, kind, environment, certificates)` of each find item, sorted.
fn summary(items: &[Value]) -> Vec<(String, String, Option<String>, u64)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_string(),
                i["kind"].as_str().unwrap().to_string(),
                i["environment"].as_str().map(str::to_string),
                i["certificates"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// What the find table should say about a bundle, computed here from the file.
fn expect(path: &Path, kind: &str, env: &Path) -> (String, String, Option<String>, u64) {
    (
        s(path),
        kind.to_string(),
        Some(s(env)),
        cert_count(&read(path)) as u64,
    )
}

/// The find table as (heading, bundle lines) groups.
fn table_groups(text: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    // The last line, `found N bundle(s)`, is the summary, not a heading.
    let summary = |l: &str| l.starts_with("found ") && l.ends_with(" bundle(s)");
    for line in text.lines().filter(|l| !l.trim().is_empty() && !summary(l)) {
        if line.starts_with(' ') {
            groups
                .last_mut()
                .unwrap_or_else(|| panic!("a bundle line before any heading:\n{text}"))
                .1
                .push(line.to_string());
        } else {
            groups.push((line.to_string(), Vec::new()));
        }
    }
    groups
}

fn targets_of(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v["bundles"]
        .as_array()
        .unwrap_or_else(|| panic!("no bundles in {v:#}"))
        .iter()
        .map(|b| {
            let t = if b["target"].is_object() {
                &b["target"]
            } else {
                b
            };
            (
                t["path"].as_str().unwrap().to_string(),
                t["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pair(path: &Path, kind: &str) -> (String, String) {
    (s(path), kind.to_string())
}

// ---------------------------------------------------------------------------------------
// find --root

/// A tree holding one environment of each layout, a lone test certificate, and links.
struct Tree {
    root: PathBuf,
    venv: PathBuf,
    conda: PathBuf,
    tools: PathBuf,
    win: PathBuf,
}

impl Tree {
    /// `links` names the folder of the symlink and hard link; it sorts after every
    /// environment unless the caller says otherwise.
    fn build(m: &Machine, links: &str) -> Tree {
        let root = m.p("tree");
        let venv = make_venv(&root.join("proj/venv"), "3.12");
        let conda = make_conda(&root.join("conda-ds"), "3.11");
        // A venv with botocore's copy beside certifi.
        let tools = make_venv(&root.join("tools-venv"), "3.12");
        write(
            &site(&tools, "3.12").join("botocore/cacert.pem"),
            &read(real(CERTIFI)),
        );
        write(&site(&tools, "3.12").join("botocore/__init__.py"), b"");
        // A Windows-layout venv.
        let win = root.join("win-venv");
        write(&win.join("pyvenv.cfg"), b"home = C:\\Python312\r\n");
        write(&win.join("Scripts/python.exe"), b"MZ");
        fill_site(&win.join("Lib/site-packages"));
        // A lone test certificate named cacert.pem: not a bundle.
        write(&root.join("tests/cacert.pem"), &read(gen("test-root.pem")));
        // A symlink to the venv's certifi bundle, and a hard link to conda's bundle.
        let links = root.join(links);
        fs::create_dir_all(links.join("sym")).unwrap();
        fs::create_dir_all(links.join("hard")).unwrap();
        std::os::unix::fs::symlink(
            site(&venv, "3.12").join("certifi/cacert.pem"),
            links.join("sym/cacert.pem"),
        )
        .unwrap();
        fs::hard_link(conda.join("ssl/cacert.pem"), links.join("hard/cacert.pem")).unwrap();
        Tree {
            root,
            venv,
            conda,
            tools,
            win,
        }
    }

    /// Every bundle `find --root` must report, as [`summary`] gives them.
    fn expected(&self) -> Vec<(String, String, Option<String>, u64)> {
        let vsp = site(&self.venv, "3.12");
        let tsp = site(&self.tools, "3.12");
        let wsp = self.win.join("Lib/site-packages");
        let mut v = vec![
            expect(&vsp.join("certifi/cacert.pem"), "certifi", &self.venv),
            expect(
                &vsp.join("pip/_vendor/certifi/cacert.pem"),
                "pip-vendored",
                &self.venv,
            ),
            expect(&self.conda.join("ssl/cacert.pem"), "conda", &self.conda),
            expect(
                &self
                    .conda
                    .join("lib/python3.11/site-packages/certifi/cacert.pem"),
                "certifi",
                &self.conda,
            ),
            expect(&tsp.join("certifi/cacert.pem"), "certifi", &self.tools),
            expect(
                &tsp.join("pip/_vendor/certifi/cacert.pem"),
                "pip-vendored",
                &self.tools,
            ),
            expect(&tsp.join("botocore/cacert.pem"), "botocore", &self.tools),
            expect(&wsp.join("certifi/cacert.pem"), "certifi", &self.win),
            expect(
                &wsp.join("pip/_vendor/certifi/cacert.pem"),
                "pip-vendored",
                &self.win,
            ),
        ];
        v.sort();
        v
    }
}

#[test]
fn find_root_reports_every_kind_once_with_counts() {
    let m = Machine::new();
    let t = Tree::build(&m, "zz-links");

    let items = m.find_json(&["--root", &s(&t.root)], &[]);
    assert_eq!(summary(&items), t.expected(), "{items:#?}");
    for i in &items {
        assert_eq!(i["via"], "under --root", "{i:#}");
        assert_eq!(i["patches"], json!([]), "{i:#}");
        assert_eq!(i["ignored_by"], json!([]), "{i:#}");
    }
    // The certificate counts are real: 117 + the test root, 140 + the test root.
    let vsp = site(&t.venv, "3.12");
    assert_eq!(
        item(&items, &vsp.join("certifi/cacert.pem"))["certificates"],
        118
    );
    assert_eq!(
        item(&items, &vsp.join("pip/_vendor/certifi/cacert.pem"))["certificates"],
        141
    );

    // The table says the same, each real file once, no lone test certificate, no link.
    let out = m.run(&["find", "--root", &s(&t.root)], &[]);
    assert_exit(&out, 0, "find --root");
    let text = stdout(&out);
    m.assert_only_machine_paths(&text);
    for (path, kind, _, certs) in t.expected() {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(&path)).collect();
        assert_eq!(lines.len(), 1, "{path} once in the table:\n{text}");
        assert!(lines[0].contains(&kind), "{}", lines[0]);
        assert!(lines[0].contains(&format!("{certs} certs")), "{}", lines[0]);
    }
    assert!(!text.contains("tests/cacert.pem"), "{text}");
    assert!(!text.contains("zz-links"), "{text}");
}

#[test]
fn find_root_without_environments_reports_loose_bundles_only() {
    let m = Machine::new();
    // A loose real bundle outside any environment is `other`; a lone certificate is not.
    let loose = m.p("tree/vendor/thing/cacert.pem");
    write(&loose, &read(real(CERTIFI)));
    write(&m.p("tree/tests/cacert.pem"), &read(gen("test-root.pem")));
    // A folder skipped by the walk.
    write(&m.p("tree/node_modules/x/cacert.pem"), &read(real(CERTIFI)));
    let items = m.find_json(&["--root", &s(&m.p("tree"))], &[]);
    assert_eq!(
        summary(&items),
        vec![(s(&loose), "other".to_string(), None, 117)],
        "{items:#?}"
    );
}

#[test]
fn find_root_of_a_missing_folder_is_exit_1() {
    let m = Machine::new();
    let out = m.run(&["find", "--root", &s(&m.p("nope"))], &[]);
    assert_exit(&out, 1, "find --root MISSING");
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
}

/// Bug repro (see the report): a link met by the walk before the environment it points into
/// claims the bundle as `other`, with no environment; the walk order decides the kind.
#[test]
fn find_root_kinds_do_not_depend_on_where_links_sit() {
    let m = Machine::new();
    let t = Tree::build(&m, "a-links");
    let items = m.find_json(&["--root", &s(&t.root)], &[]);
    assert_eq!(summary(&items), t.expected(), "{items:#?}");
}

// ---------------------------------------------------------------------------------------
// find without --root: the sources of a (fake) machine.

#[test]
fn find_searches_path_pyenv_pipx_workon_home_and_system_grouped_by_environment() {
    let m = Machine::new();
    let home = m.home();
    let pyenv = make_install(&home.join(".pyenv/versions/3.12.1"), "3.12");
    let pipx = make_venv(&home.join(".local/share/pipx/venvs/httpie"), "3.12");
    let workon = make_venv(&m.p("workon/proj"), "3.11");
    let system = m.host_root().join("usr");
    let system_certifi = system.join("lib/python3/dist-packages/certifi/cacert.pem");
    write(&system_certifi, &read(real(CERTIFI)));
    // A `python3` on PATH whose path says nothing about its environment (like a shim): it
    // is asked, and names a venv elsewhere.
    let asked = make_venv(&m.p("elsewhere/asked-venv"), "3.13");
    fake_python(&m.p("bin/python3"), &answer_for_venv(&asked, "3.13"));

    let workon_home = s(&m.p("workon"));
    let vars = [("WORKON_HOME", workon_home.as_str())];
    let items = m.find_json(&[], &vars);

    let asp = site(&asked, "3.13");
    let psp = pyenv.join("lib/python3.12/site-packages");
    let xsp = site(&pipx, "3.12");
    let wsp = site(&workon, "3.11");
    let mut expected = vec![
        expect(&asp.join("certifi/cacert.pem"), "certifi", &asked),
        expect(
            &asp.join("pip/_vendor/certifi/cacert.pem"),
            "pip-vendored",
            &asked,
        ),
        expect(&psp.join("certifi/cacert.pem"), "certifi", &pyenv),
        expect(
            &psp.join("pip/_vendor/certifi/cacert.pem"),
            "pip-vendored",
            &pyenv,
        ),
        expect(&xsp.join("certifi/cacert.pem"), "certifi", &pipx),
        expect(
            &xsp.join("pip/_vendor/certifi/cacert.pem"),
            "pip-vendored",
            &pipx,
        ),
        expect(&wsp.join("certifi/cacert.pem"), "certifi", &workon),
        expect(
            &wsp.join("pip/_vendor/certifi/cacert.pem"),
            "pip-vendored",
            &workon,
        ),
        expect(&system_certifi, "certifi", &system),
    ];
    expected.sort();
    assert_eq!(summary(&items), expected, "{items:#?}");

    // Each says how it was found.
    let via = |p: &Path| item(&items, p)["via"].as_str().unwrap().to_string();
    assert!(via(&asp.join("certifi/cacert.pem")).contains("PATH"));
    assert!(via(&psp.join("certifi/cacert.pem")).contains("pyenv"));
    assert!(via(&xsp.join("certifi/cacert.pem")).contains("pipx"));
    assert!(via(&wsp.join("certifi/cacert.pem")).contains("WORKON_HOME"));
    assert!(via(&system_certifi).contains("system"));

    // The table: one heading per environment, in source order, each followed by exactly
    // its own bundles.
    let out = m.run(&["find"], &vars);
    assert_exit(&out, 0, "find");
    let text = stdout(&out);
    m.assert_only_machine_paths(&text);
    let groups = table_groups(&text);
    let envs = [&asked, &pyenv, &pipx, &workon, &system];
    assert_eq!(
        groups.len(),
        envs.len(),
        "one group per environment:\n{text}"
    );
    for ((heading, lines), env) in groups.iter().zip(envs) {
        assert!(
            heading.starts_with(&format!("{} (", env.display())),
            "heading `{heading}` should name {}:\n{text}",
            env.display()
        );
        let mine: Vec<&(String, String, Option<String>, u64)> = expected
            .iter()
            .filter(|e| e.2.as_deref() == Some(s(env).as_str()))
            .collect();
        assert_eq!(lines.len(), mine.len(), "{heading}:\n{text}");
        for e in mine {
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains(&format!("{} ", e.0)) || l.ends_with(&e.0)),
                "{} should be listed under `{heading}`:\n{text}",
                e.0
            );
        }
    }

    // The PATH interpreter was asked isolated, without the CA override variables.
    let args = fs::read_to_string(m.p("bin/python3.args")).unwrap();
    assert_eq!(args.lines().next(), Some("-I"), "{args}");
}

#[test]
fn find_on_an_empty_machine_finds_nothing_and_says_how_to_look() {
    let m = Machine::new();
    let out = m.run(&["find"], &[]);
    assert_exit(&out, 0, "find on an empty machine");
    assert!(
        stdout(&out).contains("no CA bundle found"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("--root"), "{}", stderr(&out));
    assert_eq!(m.find_json(&[], &[]), Vec::<Value>::new());
}

// ---------------------------------------------------------------------------------------
// Patches in find.

#[test]
fn find_shows_patches_added_with_bundle() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let v = make_venv(&m.p("tree/venv"), "3.12");
    let certifi = site(&v, "3.12").join("certifi/cacert.pem");
    let pip = site(&v, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let before = read(&certifi);

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--bundle",
            &s(&certifi),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    assert_exit(&out, 0, "add --bundle");

    let items = m.find_json(&["--root", &s(&m.p("tree"))], &[]);
    let sha = fp(&gen("int-good.pem"));
    let c = item(&items, &certifi);
    let shas: Vec<&str> = c["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(shas, vec![sha.as_str()], "{c:#}");
    assert_eq!(c["certificates"], cert_count(&before) as u64 + 1, "{c:#}");
    assert_eq!(item(&items, &pip)["patches"], json!([]));

    let out = m.run(&["find", "--root", &s(&m.p("tree"))], &[]);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains(&s(&certifi)))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("1 patch"), "{line}");
    assert!(line.contains(&sha[..16]), "{line}");
    let pip_line = text.lines().find(|l| l.contains(&s(&pip))).unwrap();
    assert!(pip_line.contains("no patches"), "{pip_line}");

    // And away again.
    let out = m.run(&["remove", "--all", "--bundle", &s(&certifi)], &[]);
    assert_exit(&out, 0, "remove --all --bundle");
    assert_file_is(&certifi, &before, "remove gives back the bundle");
    let items = m.find_json(&["--root", &s(&m.p("tree"))], &[]);
    assert_eq!(item(&items, &certifi)["patches"], json!([]));
    guard.check();
}

// ---------------------------------------------------------------------------------------
// Targets.

#[test]
fn env_target_patches_certifi_and_pip_and_remove_restores_both() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let v = make_venv(&m.p("projects/app/venv"), "3.12");
    let other = make_venv(&m.p("projects/other/venv"), "3.12");
    let certifi = site(&v, "3.12").join("certifi/cacert.pem");
    let pip = site(&v, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let (c0, p0) = (read(&certifi), read(&pip));
    let other_certifi = site(&other, "3.12").join("certifi/cacert.pem");
    let o0 = read(&other_certifi);
    let sha = fp(&gen("int-good.pem"));

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--env",
            &s(&v),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        &[],
    );
    assert_exit(&out, 0, "add --env");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")],
        "{doc:#}"
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert_eq!(b["status"], "patched", "{b:#}");
        assert_eq!(b["added"], json!([sha]), "{b:#}");
        assert_eq!(b["target"]["environment"], s(&v), "{b:#}");
    }
    assert_eq!(count_cert(&read(&certifi), &der(&gen("int-good.pem"))), 1);
    assert_eq!(count_cert(&read(&pip), &der(&gen("int-good.pem"))), 1);
    assert_file_is(&other_certifi, &o0, "another venv is not touched");

    let out = m.run(&["list", "--env", &s(&v), "--json"], &[]);
    assert_exit(&out, 0, "list --env");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")]
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert_eq!(b["patches"][0]["sha256"], sha, "{b:#}");
        assert_eq!(b["patches"].as_array().unwrap().len(), 1, "{b:#}");
    }
    let out = m.run(&["list", "--env", &s(&v)], &[]);
    let text = stdout(&out);
    assert!(text.contains(&sha[..16]), "{text}");
    assert!(text.contains("named by --env"), "{text}");

    let out = m.run(&["remove", "--all", "--env", &s(&v)], &[]);
    assert_exit(&out, 0, "remove --all --env");
    assert_file_is(&certifi, &c0, "certifi bundle restored byte for byte");
    assert_file_is(&pip, &p0, "pip-vendored bundle restored byte for byte");
    guard.check();
}

#[test]
fn default_target_is_virtual_env() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let v = make_venv(&m.p("envs/active"), "3.12");
    // A `.venv` in the current folder must lose to VIRTUAL_ENV.
    let dot = make_venv(&m.p(".venv"), "3.12");
    let certifi = site(&v, "3.12").join("certifi/cacert.pem");
    let pip = site(&v, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let (c0, p0) = (read(&certifi), read(&pip));
    let d0 = read(site(&dot, "3.12").join("certifi/cacert.pem"));
    let active = s(&v);
    let vars = [("VIRTUAL_ENV", active.as_str())];

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        &vars,
    );
    assert_exit(&out, 0, "add with VIRTUAL_ENV and no target flag");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")],
        "{doc:#}"
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert_eq!(b["status"], "patched", "{b:#}");
        assert!(
            b["target"]["via"].as_str().unwrap().contains("VIRTUAL_ENV"),
            "{b:#}"
        );
    }
    assert_file_is(
        &site(&dot, "3.12").join("certifi/cacert.pem"),
        &d0,
        "the .venv is not the target while VIRTUAL_ENV is set",
    );

    let out = m.run(&["list"], &vars);
    assert_exit(&out, 0, "list with VIRTUAL_ENV");
    assert!(stdout(&out).contains("VIRTUAL_ENV"), "{}", stdout(&out));

    let out = m.run(&["remove", "--all"], &vars);
    assert_exit(&out, 0, "remove --all with VIRTUAL_ENV");
    assert_file_is(&certifi, &c0, "certifi restored");
    assert_file_is(&pip, &p0, "pip-vendored restored");
    guard.check();
}

#[test]
fn default_target_is_dot_venv_in_a_parent_folder() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let v = make_venv(&m.p("project/.venv"), "3.12");
    let sub = m.p("project/src/pkg");
    fs::create_dir_all(&sub).unwrap();
    let certifi = site(&v, "3.12").join("certifi/cacert.pem");
    let pip = site(&v, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let c0 = read(&certifi);

    let out = m
        .cmd()
        .current_dir(&sub)
        .args(["list", "--json"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "list from a subfolder of a project with .venv");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")],
        "{doc:#}"
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert!(b["via"].as_str().unwrap().contains(".venv"), "{b:#}");
        assert_eq!(b["environment"], s(&v), "{b:#}");
    }

    let out = m
        .cmd()
        .current_dir(&sub)
        .args(["add", &s(&gen("int-good.pem")), "--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "add from a subfolder of a project with .venv");
    assert_eq!(patch_count(&read(&certifi)), 1);
    assert_eq!(patch_count(&read(&pip)), 1);
    let out = m
        .cmd()
        .current_dir(&sub)
        .args(["remove", "--all"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "remove --all from the subfolder");
    assert_file_is(&certifi, &c0, "restored");
    guard.check();
}

#[test]
fn no_environment_at_all_is_exit_1_naming_the_target_flags() {
    let m = Machine::new();
    let cwd = m.p("nothing/here");
    fs::create_dir_all(&cwd).unwrap();
    for args in [
        vec!["add", "INPUT", "--at", TEST_CLOCK],
        vec!["list"],
        vec!["check", "INPUT", "--at", TEST_CLOCK],
    ] {
        let good = s(&gen("int-good.pem"));
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "INPUT" { good.as_str() } else { a })
            .collect();
        let out = m.cmd().current_dir(&cwd).args(&args).run_output().unwrap();
        assert_exit(&out, 1, &format!("{args:?} with no environment"));
        let err = stderr(&out);
        for flag in ["--python", "--env", "--bundle"] {
            assert!(
                err.contains(flag),
                "{args:?}: stderr should name {flag}:\n{err}"
            );
        }
        assert!(err.contains("VIRTUAL_ENV"), "says what was tried:\n{err}");
        assert!(!m.state().join("backups").exists());
    }
}

#[test]
fn python_target_asks_the_interpreter_and_patches_both_bundles() {
    let guard = HostGuard::new();
    let m = Machine::new();
    // The venv's own bin/python3 cannot run; the interpreter that knows about it lives
    // elsewhere, so the bundles can only come from its answer.
    let v = make_venv(&m.p("deep/inside/venv"), "3.12");
    let exe = fake_python(
        &m.p("interpreters/python3.12"),
        &answer_for_venv(&v, "3.12"),
    );
    let certifi = site(&v, "3.12").join("certifi/cacert.pem");
    let pip = site(&v, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let (c0, p0) = (read(&certifi), read(&pip));
    let sha = fp(&gen("int-good.pem"));

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--python",
            &s(&exe),
            "--at",
            TEST_CLOCK,
            "--json",
        ],
        // Set here to check that the interpreter does not see them.
        &[("REQUESTS_CA_BUNDLE", "/x"), ("SSL_CERT_FILE", "/y")],
    );
    assert_exit(&out, 0, "add --python FAKE");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")],
        "{doc:#}"
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert_eq!(b["status"], "patched", "{b:#}");
        assert_eq!(b["added"], json!([sha]), "{b:#}");
        assert!(
            b["target"]["via"].as_str().unwrap().contains("--python"),
            "{b:#}"
        );
        assert_eq!(b["target"]["environment"], s(&v), "{b:#}");
    }

    // Asked isolated, with the override variables removed, the rest kept.
    let args = fs::read_to_string(m.p("interpreters/python3.12.args")).unwrap();
    assert_eq!(args.lines().next(), Some("-I"), "{args}");
    assert!(args.lines().any(|l| l == "-c"), "{args}");
    let env = fs::read_to_string(m.p("interpreters/python3.12.env")).unwrap();
    assert!(!env.contains("REQUESTS_CA_BUNDLE"), "{env}");
    assert!(!env.contains("SSL_CERT_FILE"), "{env}");
    assert!(env.contains(&s(&m.home())), "HOME is kept:\n{env}");

    // A bare name is looked up on PATH.
    fake_python(&m.p("bin/python3.12"), &answer_for_venv(&v, "3.12"));
    let out = m.run(&["list", "--python", "python3.12", "--json"], &[]);
    assert_exit(&out, 0, "list --python NAME");
    let doc = json(&out);
    assert_eq!(
        targets_of(&doc),
        vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")]
    );
    for b in doc["bundles"].as_array().unwrap() {
        assert_eq!(b["patches"][0]["sha256"], sha, "{b:#}");
    }

    let out = m.run(&["remove", "--all", "--python", &s(&exe)], &[]);
    assert_exit(&out, 0, "remove --all --python");
    assert_file_is(&certifi, &c0, "certifi restored");
    assert_file_is(&pip, &p0, "pip-vendored restored");
    guard.check();
}

#[test]
fn python_whose_certifi_is_the_system_store_is_not_patched() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let empty = m.p("empty");
    fs::create_dir_all(&empty).unwrap();
    // Debian's python3-certifi: where() returns the system store. Here the store is the
    // fake root's (CERTPATCH_HOST_ROOT moves /etc/ssl), a real file that must not change.
    let store = m.host_root().join("etc/ssl/certs/ca-certificates.crt");
    write(&store, &certifi_bytes());
    let store0 = read(&store);
    let usr = m.host_root().join("usr");
    let deb = fake_python(
        &m.p("interpreters/python3-debian"),
        &json!({
            "prefix": usr,
            "version": "3.12.3",
            "certifi": store,
            "certifi_file": usr.join("lib/python3/dist-packages/certifi/__init__.py"),
            "pip_certifi_error": "ModuleNotFoundError: No module named pip",
        }),
    );

    // find: not a bundle, a warning that says which tool to use instead.
    let out = m.run(&["find", "--python", &s(&deb), "--root", &s(&empty)], &[]);
    assert_exit(&out, 0, "find --python DEBIAN");
    assert!(!stdout(&out).contains(&s(&store)), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("update-ca-certificates"), "{err}");
    let items = m.find_json(&["--python", &s(&deb), "--root", &s(&empty)], &[]);
    assert_eq!(items, Vec::<Value>::new());

    // add: nothing to patch. As implemented: exit 1 ("no CA bundle found in the named
    // targets"); the store is byte for byte unchanged and nothing was backed up.
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--python",
            &s(&deb),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    assert_exit(&out, 1, "add --python DEBIAN");
    assert!(stderr(&out).contains("no CA bundle"), "{}", stderr(&out));
    assert_file_is(&store, &store0, "the system store is never patched");
    assert!(!m.state().join("backups").exists());

    // The real path, as Debian really answers. Dry run: even a regression could not write.
    let real_store = fake_python(
        &m.p("interpreters/python3-real-store"),
        &json!({
            "prefix": usr,
            "version": "3.12.3",
            "certifi": "/etc/ssl/certs/ca-certificates.crt",
            "certifi_file": usr.join("lib/python3/dist-packages/certifi/__init__.py"),
        }),
    );
    let out = m.run(
        &["find", "--python", &s(&real_store), "--root", &s(&empty)],
        &[],
    );
    assert_exit(&out, 0, "find --python REAL-STORE");
    assert!(
        stderr(&out).contains("update-ca-certificates"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("/etc/ssl"), "{}", stdout(&out));
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--python",
            &s(&real_store),
            "--at",
            TEST_CLOCK,
            "--dry-run",
        ],
        &[],
    );
    assert_exit(&out, 1, "add --dry-run --python REAL-STORE");
    guard.check();
}

/// Bug repro (see the report): `add`/`list --python` drop discovery's note when no bundle is
/// left, so the user sees only "no CA bundle found" and not why, nor `update-ca-certificates`.
#[test]
fn add_to_a_system_store_certifi_says_update_ca_certificates() {
    let m = Machine::new();
    let usr = m.host_root().join("usr");
    let deb = fake_python(
        &m.p("interpreters/python3-debian"),
        &json!({
            "prefix": usr,
            "certifi": "/etc/ssl/certs/ca-certificates.crt",
            "certifi_file": usr.join("lib/python3/dist-packages/certifi/__init__.py"),
        }),
    );
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--python",
            &s(&deb),
            "--at",
            TEST_CLOCK,
            "--dry-run",
        ],
        &[],
    );
    assert!(
        stderr(&out).contains("update-ca-certificates"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_bundle_is_exit_1() {
    let m = Machine::new();
    let missing = m.p("nope/cacert.pem");
    for cmd in ["add", "check"] {
        let out = m.run(
            &[
                cmd,
                &s(&gen("int-good.pem")),
                "--bundle",
                &s(&missing),
                "--at",
                TEST_CLOCK,
            ],
            &[],
        );
        assert_exit(&out, 1, &format!("{cmd} --bundle MISSING"));
        assert!(stderr(&out).contains(&s(&missing)), "{}", stderr(&out));
    }
    let out = m.run(&["list", "--bundle", &s(&missing)], &[]);
    assert_exit(&out, 1, "list --bundle MISSING");
    let out = m.run(&["list", "--env", &s(&m.p("nope"))], &[]);
    assert_exit(&out, 1, "list --env MISSING");
    assert!(!missing.exists(), "nothing created");
}

// ---------------------------------------------------------------------------------------
// Variables that make Python ignore a bundle.

#[test]
fn requests_ca_bundle_is_reported_by_find_and_add_and_in_ignored_by() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let t = Tree::build(&m, "zz-links");
    let vars = [("REQUESTS_CA_BUNDLE", "/x")];

    let out = m.run(&["find", "--root", &s(&t.root)], &vars);
    assert_exit(&out, 0, "find with REQUESTS_CA_BUNDLE");
    assert!(
        stderr(&out).contains("REQUESTS_CA_BUNDLE"),
        "{}",
        stderr(&out)
    );

    let items = m.find_json(&["--root", &s(&t.root)], &vars);
    assert!(!items.is_empty());
    for i in &items {
        let ignored = i["ignored_by"].as_array().unwrap();
        let has = ignored.contains(&json!("REQUESTS_CA_BUNDLE"));
        match i["kind"].as_str().unwrap() {
            "certifi" | "pip-vendored" => assert!(has, "{i:#}"),
            "conda" => assert!(!has, "conda's bundle is OpenSSL's, not requests': {i:#}"),
            _ => {}
        }
    }

    let certifi = site(&t.venv, "3.12").join("certifi/cacert.pem");
    let c0 = read(&certifi);
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--env",
            &s(&t.venv),
            "--at",
            TEST_CLOCK,
        ],
        &vars,
    );
    assert_exit(&out, 0, "add with REQUESTS_CA_BUNDLE");
    assert!(
        stderr(&out).contains("REQUESTS_CA_BUNDLE"),
        "{}",
        stderr(&out)
    );
    let out = m.run(&["remove", "--all", "--env", &s(&t.venv)], &vars);
    assert_exit(&out, 0, "remove");
    assert_file_is(&certifi, &c0, "restored");
    guard.check();
}

#[test]
fn pip_cert_is_only_in_pip_vendored_ignored_by() {
    let m = Machine::new();
    let t = Tree::build(&m, "zz-links");
    let vars = [("PIP_CERT", "/p.pem")];
    let items = m.find_json(&["--root", &s(&t.root)], &vars);
    assert!(items.iter().any(|i| i["kind"] == "pip-vendored"));
    for i in &items {
        if i["kind"] == "pip-vendored" {
            assert_eq!(i["ignored_by"], json!(["PIP_CERT"]), "{i:#}");
        } else {
            assert_eq!(i["ignored_by"], json!([]), "{i:#}");
        }
    }
    let out = m.run(&["find", "--root", &s(&t.root)], &vars);
    assert!(stderr(&out).contains("PIP_CERT"), "{}", stderr(&out));
}

/// Issue 17: with the CA variables a machine commonly sets, `find` says in one warning
/// which variable turns which client away (grouped by value), leaves out a variable that
/// concerns no bundle listed (no grpcio here), and `-v` gives the line per variable.
#[test]
fn find_reports_the_variables_in_one_warning_for_the_bundles_listed_and_each_with_v() {
    let m = Machine::new();
    let t = Tree::build(&m, "zz-links");
    let vars = [
        ("REQUESTS_CA_BUNDLE", "/etc/corp.pem"),
        ("CURL_CA_BUNDLE", "/etc/corp.pem"),
        ("PIP_CERT", "/etc/corp.pem"),
        ("SSL_CERT_DIR", "/etc/corp.d"),
        ("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "/etc/corp.pem"),
    ];
    let out = m.run(&["find", "--root", &s(&t.root)], &vars);
    assert_exit(&out, 0, "find with the variables");
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    let about: Vec<&&str> = warnings
        .iter()
        .filter(|l| l.contains("REQUESTS_CA_BUNDLE"))
        .collect();
    assert_eq!(about.len(), 1, "{err}");
    let w = about[0];
    assert!(
        w.contains("REQUESTS_CA_BUNDLE (pip, requests), CURL_CA_BUNDLE (pip, requests), PIP_CERT (pip) = /etc/corp.pem"),
        "{w}"
    );
    assert!(w.contains("SSL_CERT_DIR (httpx, ssl) = /etc/corp.d"), "{w}");
    assert!(
        !err.contains("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"),
        "no grpcio bundle listed: {err}"
    );
    assert!(
        err.contains("`certpatch find -v` says how each is read"),
        "{err}"
    );
    assert!(!err.contains("is set:"), "{err}");
    let out = m.run(&["find", "-v", "--root", &s(&t.root)], &vars);
    let err = stderr(&out);
    for var in [
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "PIP_CERT",
        "SSL_CERT_DIR",
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    ] {
        assert_eq!(
            err.matches(&format!("warning: {var}=")).count(),
            1,
            "{var}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Hard links between environments (uv and conda link bundles from their caches).

#[test]
fn hard_linked_bundles_of_two_environments_are_both_reported_and_patched() {
    let m = Machine::new();
    let a = make_venv(&m.p("tree/env-a"), "3.12");
    let b = make_venv(&m.p("tree/env-b"), "3.12");
    let (ca, cb) = (
        site(&a, "3.12").join("certifi/cacert.pem"),
        site(&b, "3.12").join("certifi/cacert.pem"),
    );
    // Both bundles trust the test root; env-b's certifi is a hard link to env-a's.
    let mut bytes = certifi_bytes();
    bytes.extend(read(gen("test-root.pem")));
    write(&ca, &bytes);
    fs::remove_file(&cb).unwrap();
    fs::hard_link(&ca, &cb).unwrap();

    let tree = m.p("tree");
    let items = m.find_json(&["--root", &s(&tree)], &[]);
    let certifi: Vec<&str> = items
        .iter()
        .filter(|i| i["kind"] == "certifi")
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        certifi.len(),
        2,
        "one certifi bundle per environment: {items:#?}"
    );

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--env",
            &s(&a),
            "--env",
            &s(&b),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    assert_exit(&out, 0, "add to two hard-linked environments");
    for bundle in [&ca, &cb] {
        assert_eq!(
            count_cert(&read(bundle), &der(&gen("int-good.pem"))),
            1,
            "{} patched once",
            bundle.display()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Regressions from the second adversarial round.

#[test]
fn a_folder_name_that_is_not_utf8_does_not_crash() {
    use std::os::unix::ffi::OsStrExt;
    let m = Machine::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
    let venv = make_venv(&m.p("t").join(name), "3.12");
    let out = m.run(&["find", "--json", "--root", &s(&m.p("t"))], &[]);
    assert_exit(&out, 0, "find --root over a non-UTF-8 folder");
    assert_eq!(json(&out)["bundles"].as_array().unwrap().len(), 2);
    let env_arg = venv.as_os_str().to_owned();
    let out = m
        .cmd()
        .arg("add")
        .arg(gen("int-good.pem"))
        .arg("--env")
        .arg(&env_arg)
        .args(["--at", TEST_CLOCK, "--json"])
        .run_output()
        .unwrap();
    // Patched like any other path (it used to crash with exit 101).
    assert_exit(&out, 0, "add --env on a non-UTF-8 path");
    let v = json(&out);
    let statuses: Vec<&str> = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["patched", "patched"], "{v:#}");
}

#[test]
fn a_bare_python_name_is_looked_up_on_path_not_in_the_current_folder() {
    let m = Machine::new();
    let venv = make_venv(&m.p("good"), "3.12");
    fake_python(&m.p("bin/python3"), &answer_for_venv(&venv, "3.12"));
    // A repository with its own `python3` script in the current folder.
    let repo = m.p("repo");
    let marker = m.p("ran-the-repo-script");
    write_exe(
        &repo.join("python3"),
        &format!("#!/bin/sh\n: > '{}'\nexit 1\n", marker.display()),
    );
    let out = m
        .cmd()
        .current_dir(&repo)
        .args(["list", "--json", "--python", "python3"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "list --python python3");
    assert!(
        !marker.exists(),
        "./python3 from the current folder was run"
    );
    assert_eq!(json(&out)["bundles"].as_array().unwrap().len(), 2);
}

#[test]
fn an_active_environment_without_bundles_is_a_failure() {
    let m = Machine::new();
    let venv = m.p("empty-venv");
    write(&venv.join("pyvenv.cfg"), b"home = /nonexistent\n");
    fs::create_dir_all(venv.join("lib/python3.12/site-packages")).unwrap();
    let out = m.run(
        &["add", &s(&gen("int-good.pem")), "--at", TEST_CLOCK],
        &[("VIRTUAL_ENV", &s(&venv))],
    );
    assert_exit(&out, 1, "add into an environment with no bundle");
    assert!(stderr(&out).contains("no CA bundle"), "{}", stderr(&out));
}

#[test]
fn a_stale_virtual_env_is_passed_over_with_a_warning() {
    let m = Machine::new();
    let venv = make_venv(&m.p("proj/.venv"), "3.12");
    let out = m
        .cmd()
        .current_dir(m.p("proj"))
        .env("VIRTUAL_ENV", m.p("deleted-venv"))
        .args(["list"])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "list with a stale VIRTUAL_ENV and a .venv");
    let err = stderr(&out);
    assert!(
        err.contains("passed over") && err.contains("VIRTUAL_ENV"),
        "{err}"
    );
    assert!(stdout(&out).contains(&s(&venv)), "{}", stdout(&out));
}

#[test]
fn certifi_and_pip_hard_linked_in_one_environment_are_both_bundles() {
    let m = Machine::new();
    let venv = make_venv(&m.p("t/venv"), "3.12");
    let sp = site(&venv, "3.12");
    let pip = sp.join("pip/_vendor/certifi/cacert.pem");
    fs::remove_file(&pip).unwrap();
    fs::hard_link(sp.join("certifi/cacert.pem"), &pip).unwrap();
    let items = m.find_json(&["--root", &s(&m.p("t"))], &[]);
    let mut kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    kinds.sort();
    assert_eq!(kinds, ["certifi", "pip-vendored"], "{items:#?}");
}

#[test]
fn certifi_in_the_user_site_is_a_target_too() {
    let m = Machine::new();
    let install = make_install(&m.p("py"), "3.12");
    let user_site = m.home().join(".local/lib/python3.12/site-packages");
    write(&user_site.join("certifi/cacert.pem"), &certifi_bytes());
    let sp = install.join("lib/python3.12/site-packages");
    let answer = json!({
        "prefix": install,
        "base_prefix": install,
        "version": "3.12.1",
        "certifi": sp.join("certifi/cacert.pem"),
        "certifi_file": sp.join("certifi/__init__.py"),
        "user_site": user_site,
    });
    let exe = fake_python(&m.p("bin/python3"), &answer);
    let out = m.run(&["list", "--json", "--python", &s(&exe)], &[]);
    assert_exit(&out, 0, "list --python with a user-site certifi");
    let paths: Vec<String> = json(&out)["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths.iter().any(|p| p.contains("/.local/lib/python3.12/")),
        "{paths:?}"
    );
}

/// The scope guard: `--env VENV` on a `--system-site-packages` venv without certifi of its
/// own does not reach into the base install (shared by every venv on it): the base's certifi
/// is skipped with a note naming the `--bundle`/`--python` that patch it on purpose, and
/// `add` leaves it byte for byte.
#[test]
fn scope_guard_skips_the_base_certifi_of_a_system_site_packages_venv() {
    let m = Machine::new();
    let base = make_install(&m.p("base"), "3.12");
    let venv = make_venv(&m.p("app/venv"), "3.12");
    write(
        &venv.join("pyvenv.cfg"),
        format!(
            "home = {}\ninclude-system-site-packages = true\nversion = 3.12.1\n",
            base.join("bin").display()
        )
        .as_bytes(),
    );
    fs::remove_dir_all(site(&venv, "3.12").join("certifi")).unwrap();
    let out = m.run(&["list", "--json", "--env", &s(&venv)], &[]);
    assert_exit(&out, 0, "list --env on a --system-site-packages venv");
    let doc = json(&out);
    let base_certifi = base.join("lib/python3.12/site-packages/certifi/cacert.pem");
    assert_eq!(
        targets_of(&doc),
        vec![pair(
            &site(&venv, "3.12").join("pip/_vendor/certifi/cacert.pem"),
            "pip-vendored"
        )],
        "{doc:#}"
    );
    let notes = doc["notes"].to_string();
    assert!(
        notes.contains("skipped")
            && notes.contains(&format!("--bundle {}", base_certifi.display())),
        "{notes}"
    );
    // add --env leaves the base bundle alone (and says how to patch it on purpose).
    let before = fs::read(&base_certifi).unwrap();
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--env",
            &s(&venv),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    let err = stderr(&out);
    assert!(
        err.contains("--system-site-packages") && err.contains("--python"),
        "{err}"
    );
    assert!(
        fs::read(&base_certifi).unwrap() == before,
        "the base certifi was changed"
    );
    // Named on purpose, it is a target.
    let out = m.run(&["list", "--json", "--bundle", &s(&base_certifi)], &[]);
    assert_exit(&out, 0, "list --bundle of the base certifi");
    assert_eq!(targets_of(&json(&out)).len(), 1);
}

#[test]
fn an_unreadable_folder_under_root_is_reported() {
    // Root ignores permissions, so run certpatch as `nobody` when we are root.
    let m = Machine::new();
    let locked = m.p("t/locked");
    make_venv(&locked.join("venv"), "3.12");
    use std::os::unix::fs::PermissionsExt;
    for d in [m.p(""), m.p("t"), m.state(), m.home()] {
        fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).unwrap();
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let out = if running_as_root() {
        let setpriv = require_setpriv();
        std::process::Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin())
            .env_clear()
            .env("PATH", m.p("bin"))
            .env("HOME", m.home())
            .env("CERTPATCH_HOST_ROOT", m.host_root())
            .env("CERTPATCH_HOME", m.state())
            .args(["find", "--root"])
            .arg(m.p("t"))
            .run_output()
            .unwrap()
    } else {
        m.run(&["find", "--root", &s(&m.p("t"))], &[])
    };
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_exit(&out, 0, "find --root with an unreadable folder");
    let err = stderr(&out);
    assert!(
        err.contains("locked") && err.contains("permission denied"),
        "{err}"
    );
}

/// `CERTPATCH_HOST_ROOT` hides the machine's pyenv too: a `PYENV_ROOT` inherited from the
/// real machine is taken under the host root (as `/usr`, `/opt` are), so a pyenv outside
/// the fake root is not listed and the one at the same path inside it is.
#[test]
fn host_root_takes_pyenv_root_inside_it() {
    let m = Machine::new();
    // The "real" pyenv, outside the host root, at an absolute path.
    let outside = m.p("real-pyenv");
    make_install(&outside.join("versions/3.11.9"), "3.11");
    // The same absolute path, under the host root.
    let inside = m.host_root().join(outside.strip_prefix("/").unwrap());
    make_install(&inside.join("versions/3.12.1"), "3.12");
    let items = m.find_json(&[], &[("PYENV_ROOT", &s(&outside))]);
    let paths: Vec<&str> = items.iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(
        paths.iter().all(|p| !p.starts_with(&s(&outside))),
        "the pyenv outside the host root leaked: {paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with(&s(&inside.join("versions/3.12.1")))),
        "the pyenv under the host root was not found: {paths:?}"
    );
}

/// The Python 3.13 trust-anchor note is for bundles whose Python is 3.13+ (or unknown):
/// an add to a 3.12 venv does not give it; an add to a 3.13 venv does.
#[test]
fn python313_anchor_note_only_for_python_313_or_newer() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let mut seen = Vec::new();
    for version in ["3.12", "3.13"] {
        let v = make_venv(&m.p(&format!("projects/v{version}/venv")), version);
        let out = m.run(
            &[
                "add",
                &s(&gen("int-good.pem")),
                "--env",
                &s(&v),
                "--at",
                TEST_CLOCK,
                "--json",
            ],
            &[],
        );
        assert_exit(&out, 0, "add --env");
        let doc = json(&out);
        assert_eq!(doc["bundles"][0]["status"], "patched", "{doc:#}");
        seen.push(doc["notes"].to_string().contains("3.13"));
        let text = m.run(
            &[
                "add",
                &s(&gen("int-01.pem")),
                "--env",
                &s(&v),
                "--at",
                TEST_CLOCK,
            ],
            &[],
        );
        assert_exit(&text, 0, "add --env (text)");
        seen.push(stderr(&text).contains("VERIFY_X509_PARTIAL_CHAIN"));
    }
    assert_eq!(
        seen,
        vec![false, false, true, true],
        "note shown for 3.12 / 3.13"
    );
    guard.check();
}

// ---------------------------------------------------------------------------------------
// Installed as a tool (pipx, uv tool, uvx): certpatch's own venv is not the user's.

/// A tool venv as pipx or uv makes one for certpatch: `pyvenv.cfg`, `bin/python3`, pip (with
/// its vendored bundle), no certifi, and `bin/certpatch` — the binary under test, hard-linked
/// (so that the running executable's path is inside the venv), else copied.
fn make_tool_venv(dir: &Path) -> PathBuf {
    write(
        &dir.join("pyvenv.cfg"),
        b"home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n",
    );
    write_exe(&dir.join("bin/python3"), "#!/bin/sh\nexit 1\n");
    let sp = site(dir, "3.12");
    write(&sp.join("pip/__init__.py"), b"");
    write(&sp.join("pip/_vendor/certifi/cacert.pem"), &pip_bytes());
    write(&sp.join("certpatch-0.1.0.dist-info/RECORD"), b"");
    let exe = dir.join("bin/certpatch");
    if fs::hard_link(bin(), &exe).is_err() {
        // Copied by a child process, so the copy is never "busy" when it runs.
        copy_binary(&exe);
    }
    dir.to_path_buf()
}

impl Machine {
    /// Runs the certpatch of the tool venv `tool` (made by [`make_tool_venv`]) as
    /// [`Machine::run`] runs the one under test, from `cwd`.
    fn run_tool(&self, tool: &Path, cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
        // The copy (made by `cp` or a hard link) never had a write descriptor in this
        // process, so it is never "busy".
        let mut cmd = std::process::Command::new(tool.join("bin/certpatch"));
        cmd.env_clear()
            .env("PATH", self.p("bin"))
            .env("HOME", self.home())
            .env("CERTPATCH_HOST_ROOT", self.host_root())
            .env("CERTPATCH_HOME", self.state())
            .current_dir(cwd)
            .args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.run_output().unwrap()
    }
}

#[test]
fn installed_as_a_tool_the_default_target_is_the_users_environment_never_its_own() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let tool = make_tool_venv(&m.p("home/.local/share/uv/tools/certpatch"));
    let tool_pip = site(&tool, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let tool_pip0 = read(&tool_pip);
    let project = make_venv(&m.p("proj/.venv"), "3.12");
    let certifi = site(&project, "3.12").join("certifi/cacert.pem");
    let pip = site(&project, "3.12").join("pip/_vendor/certifi/cacert.pem");
    let expected = vec![pair(&certifi, "certifi"), pair(&pip, "pip-vendored")];
    let tool_bin = s(&tool.join("bin"));
    let tool_s = s(&tool);

    // The project's VIRTUAL_ENV set: that venv.
    let project_s = s(&project);
    let out = m.run_tool(
        &tool,
        &m.base,
        &["list", "--json"],
        &[("VIRTUAL_ENV", &project_s)],
    );
    assert_exit(&out, 0, "the tool's list with the project's VIRTUAL_ENV");
    assert_eq!(targets_of(&json(&out)), expected);

    // As uvx runs a tool: its bin/ first on PATH and VIRTUAL_ENV naming the tool's venv.
    // From the project folder, its `.venv` is the target, and the user is told why.
    let out = m.run_tool(
        &tool,
        &m.p("proj"),
        &["list", "--json"],
        &[("VIRTUAL_ENV", &tool_s), ("PATH", &tool_bin)],
    );
    assert_exit(&out, 0, "the tool's list with VIRTUAL_ENV naming the tool");
    assert_eq!(targets_of(&json(&out)), expected, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("certpatch's own environment"),
        "{}",
        stderr(&out)
    );

    // Only `python3` on PATH: the tool's own python3 is passed over for the user's.
    let user_python = make_install(&m.p("opt/python"), "3.12");
    let path = format!("{tool_bin}:{}", s(&user_python.join("bin")));
    let out = m.run_tool(&tool, &m.base, &["list", "--json"], &[("PATH", &path)]);
    assert_exit(&out, 0, "the tool's list with the tool's bin first on PATH");
    let sp = site(&user_python, "3.12");
    assert_eq!(
        targets_of(&json(&out)),
        vec![
            pair(&sp.join("certifi/cacert.pem"), "certifi"),
            pair(&sp.join("pip/_vendor/certifi/cacert.pem"), "pip-vendored"),
        ]
    );

    // Nothing but the tool: exit 1, saying why and how to name a target; nothing written.
    let out = m.run_tool(
        &tool,
        &m.base,
        &["add", &s(&gen("int-good.pem")), "--at", TEST_CLOCK],
        &[("PATH", &tool_bin)],
    );
    assert_exit(
        &out,
        1,
        "the tool's add with only the tool's python3 on PATH",
    );
    let err = stderr(&out);
    assert!(err.contains("certpatch's own environment"), "{err}");
    assert!(err.contains("--env"), "{err}");
    assert_file_is(&tool_pip, &tool_pip0, "the tool's own bundle is untouched");

    // Named, it is a target like any other.
    let out = m.run_tool(&tool, &m.base, &["list", "--json", "--env", &tool_s], &[]);
    assert_exit(&out, 0, "the tool's list --env naming the tool");
    assert_eq!(
        targets_of(&json(&out)),
        vec![pair(&tool_pip, "pip-vendored")]
    );
    guard.check();
}

#[test]
fn find_run_from_a_tool_leaves_out_the_tools_own_environment_unless_asked() {
    let m = Machine::new();
    let venvs = m.p("home/.local/share/pipx/venvs");
    let tool = make_tool_venv(&venvs.join("certpatch"));
    let httpie = make_venv(&venvs.join("httpie"), "3.12");
    let tool_pip = site(&tool, "3.12").join("pip/_vendor/certifi/cacert.pem");

    let out = m.run_tool(&tool, &m.base, &["find", "--json"], &[]);
    assert_exit(&out, 0, "the tool's find");
    let v = json(&out);
    let envs: BTreeSet<&str> = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, BTreeSet::from([s(&httpie).as_str()]), "{v:#}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("certpatch's own environment") && notes.contains(&s(&tool)),
        "{v:#}"
    );

    // The same binary run from outside the venv (the one under test) lists both.
    let items = m.find_json(&[], &[]);
    let paths: Vec<&str> = items.iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&s(&tool_pip).as_str()), "{paths:?}");

    // A --root that holds it: listed.
    let venvs_s = s(&venvs);
    let out = m.run_tool(&tool, &m.base, &["find", "--json", "--root", &venvs_s], &[]);
    assert_exit(&out, 0, "the tool's find --root");
    let v = json(&out);
    let paths: Vec<&str> = v["bundles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&s(&tool_pip).as_str()), "{v:#}");
}

// ---------------------------------------------------------------------------------------
// Applications with bundles of their own (gcloud, az, aws v2).

/// The Google Cloud SDK and the AWS CLI v2, at their Linux install folders under the fake
/// root, are found by plain `find` with the program named (`serves`), their own settings
/// are reported as what makes a patch useless, and a patch of gcloud's bundle is listed
/// with the program and removed byte for byte.
#[test]
fn application_bundles_are_found_by_default_and_named() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let sdk = m.host_root().join("usr/lib/google-cloud-sdk");
    write(&sdk.join("lib/gcloud.py"), b"");
    fs::create_dir_all(sdk.join("bin")).unwrap();
    let gcloud = sdk.join("lib/third_party/certifi/cacert.pem");
    write(&gcloud, &certifi_bytes());
    let dist = m.host_root().join("usr/local/aws-cli/v2/current/dist");
    write(&dist.join("aws"), b"");
    let aws = dist.join("awscli/botocore/cacert.pem");
    write(&aws, &certifi_bytes());
    let before = read(&gcloud);

    let items = m.find_json(&[], &[]);
    let g = item(&items, &gcloud);
    assert_eq!(g["serves"], "gcloud", "{g:#}");
    assert_eq!(g["kind"], "certifi", "{g:#}");
    assert_eq!(g["source"], "application", "{g:#}");
    let a = item(&items, &aws);
    assert_eq!(a["serves"], "aws", "{a:#}");
    assert_eq!(a["kind"], "botocore", "{a:#}");
    let out = m.run(&["find"], &[]);
    let text = stdout(&out);
    let line = text.lines().find(|l| l.contains(&s(&gcloud))).unwrap();
    assert!(line.contains("certifi/gcloud"), "{line}");
    // `--root` on the SDK's folder says the same, and reaches httplib2's `cacerts.txt` in
    // `third_party` (named like no other bundle); a test server's CA in a vendored urllib3
    // is still no bundle.
    let h2 = sdk.join("lib/third_party/httplib2/python3/httplib2/cacerts.txt");
    write(&h2, &certifi_bytes());
    let dummy = sdk.join("lib/third_party/urllib3/dummyserver/certs/cacert.pem");
    write(&dummy, &read(gen("test-root.pem")));
    let items = m.find_json(&["--root", &s(&sdk)], &[]);
    let g = item(&items, &gcloud);
    assert_eq!(
        (&g["kind"], &g["serves"]),
        (&json!("certifi"), &json!("gcloud")),
        "{g:#}"
    );
    let h = item(&items, &h2);
    assert_eq!(
        (&h["kind"], &h["serves"]),
        (&json!("httplib2"), &json!("gcloud")),
        "{h:#}"
    );
    assert!(
        !items
            .iter()
            .any(|i| i["path"].as_str() == Some(s(&dummy).as_str())),
        "{items:#?}"
    );

    // Their own settings make a patch useless, and are named as the better fix.
    let out = m.run(&["find"], &[("AWS_CA_BUNDLE", "/corp/aws.pem")]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("AWS_CA_BUNDLE (aws) = /corp/aws.pem"), "{all}");
    let out = m.run(&["find", "-v"], &[("AWS_CA_BUNDLE", "/corp/aws.pem")]);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("AWS_CA_BUNDLE=/corp/aws.pem is set"), "{all}");
    let props = m.home().join(".config/gcloud/properties");
    write(&props, b"[core]\ncustom_ca_certs_file = /corp/ca.pem\n");

    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--bundle",
            &s(&gcloud),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    assert_exit(&out, 0, "add --bundle gcloud's certifi");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        all.contains("gcloud's own setting survives updates and is the better fix: `gcloud config set core/custom_ca_certs_file FILE`"),
        "{all}"
    );
    assert!(all.contains("core/custom_ca_certs_file in"), "{all}");
    assert!(
        all.contains("gcloud's own setting is the better fix"),
        "{all}"
    );
    let out = m.run(&["list", "--json", "--bundle", &s(&gcloud)], &[]);
    let v = json(&out);
    assert_eq!(v["bundles"][0]["serves"], "gcloud", "{v:#}");
    let out = m.run(&["remove", "--all", "--bundle", &s(&gcloud)], &[]);
    assert_exit(&out, 0, "remove --all --bundle");
    assert_file_is(&gcloud, &before, "remove gives back gcloud's bundle");
    guard.check();
}

/// An application's install folder in root's hands does not vouch for what is inside it:
/// gcloud's bundled Python (`platform/bundledpythonunix`) owned by another user (who made
/// it in a `platform/` left writable, or was given it) is an environment found by itself,
/// held to the same rule. Root's `find` does not list it and `add --all` does not patch it.
#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn an_application_inner_python_of_another_user_is_no_implicit_target() {
    require_root("gives gcloud's bundled Python to uid 65534");
    let guard = HostGuard::new();
    let m = Machine::new();
    let sdk = m.host_root().join("usr/lib/google-cloud-sdk");
    write(&sdk.join("lib/gcloud.py"), b"");
    fs::create_dir_all(sdk.join("bin")).unwrap();
    let own = sdk.join("lib/third_party/certifi/cacert.pem");
    write(&own, &certifi_bytes());
    let bundled = make_install(&sdk.join("platform/bundledpythonunix"), "3.12");
    let planted = bundled.join("lib/python3.12/site-packages/certifi/cacert.pem");
    let before = read(&planted);
    give_to_nobody(&bundled);

    let items = m.find_json(&[], &[]);
    let paths: Vec<&str> = items.iter().filter_map(|i| i["path"].as_str()).collect();
    assert!(paths.contains(&s(&own).as_str()), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with(&s(&bundled))),
        "another user's Python inside root's SDK was searched: {paths:?}"
    );
    let out = m.run(&["find"], &[]);
    let text = stderr(&out);
    assert!(
        text.contains("bundledpythonunix") && text.contains("uid 65534"),
        "a note says why it was not searched: {text}"
    );
    let out = m.add_all_good(&[]);
    assert_exit(&out, 0, "add --all");
    assert_eq!(
        read(&planted),
        before,
        "the other user's bundle was patched"
    );
    guard.check();
}

/// The review of 2026-12-06: a folder of another user's first on root's `PATH` (their
/// venv's `bin`, or an install such as `/opt/az/bin` they own) made `find` list its
/// bundles as "interpreter on `PATH`", and `add --all` pick them. The `python3`s on `PATH`
/// are found by certpatch itself, like `.venv`: in other hands, they are passed over with
/// a note, as the active environment already was.
#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn another_users_environment_on_path_is_not_searched_or_patched_by_all() {
    require_root("gives a venv on PATH to uid 65534");
    let guard = HostGuard::new();
    let m = Machine::new();
    let theirs = make_venv(&m.p("theirs/venv"), "3.12");
    let planted = site(&theirs, "3.12").join("certifi/cacert.pem");
    let before = read(&planted);
    give_to_nobody(m.p("theirs"));
    let path = format!("{}:{}", s(&theirs.join("bin")), s(&m.p("bin")));
    let vars = [("PATH", path.as_str())];

    let items = m.find_json(&[], &vars);
    let paths: Vec<&str> = items.iter().filter_map(|i| i["path"].as_str()).collect();
    assert!(
        !paths.iter().any(|p| p.starts_with(&s(&theirs))),
        "another user's environment on PATH was searched: {paths:?}"
    );
    let out = m.run(&["find"], &vars);
    let text = stderr(&out);
    assert!(
        text.contains("not searched (interpreter on `PATH`)") && text.contains("uid 65534"),
        "a note says why: {text}"
    );
    let out = m.add_all_good(&vars);
    assert!(out.status.code().is_some(), "{out:?}");
    assert_eq!(
        read(&planted),
        before,
        "the other user's bundle was patched"
    );
    guard.check();
}

/// Another user who owns a Homebrew prefix (Linuxbrew's is a user's) can plant any number
/// of `Cellar/azure-cli/<version>` folders: root's `find` says once why that folder is not
/// searched, not once per planted version (it printed 300 warnings for 300 folders).
#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn planted_application_folders_in_other_hands_are_one_note() {
    require_root("gives a Homebrew prefix to uid 65534");
    let guard = HostGuard::new();
    let m = Machine::new();
    let brew = m.host_root().join("home/linuxbrew");
    for i in 0..50 {
        write(
            &brew.join(format!(
                ".linuxbrew/Cellar/azure-cli/2.{i}/libexec/lib/python3.12/site-packages/azure/cli/__main__.py"
            )),
            b"",
        );
    }
    give_to_nobody(&brew);
    let out = m.run(&["find"], &[]);
    let text = stderr(&out);
    assert_eq!(
        text.matches("az's install folder is not searched").count(),
        1,
        "{text}"
    );
    assert!(text.contains("uid 65534"), "{text}");
    guard.check();
}

/// An SDK update replaces gcloud's bundles and drops a patch: the SDK's version (its
/// `VERSION` file) is recorded with the patch, as certifi's is, and `status` says the patch
/// was lost to the google-cloud-sdk upgrade.
#[test]
fn status_notices_an_sdk_upgrade_that_dropped_the_patch() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let sdk = m.host_root().join("usr/lib/google-cloud-sdk");
    write(&sdk.join("lib/gcloud.py"), b"");
    fs::create_dir_all(sdk.join("bin")).unwrap();
    write(&sdk.join("VERSION"), b"528.0.0\n");
    let bundle = sdk.join("lib/third_party/certifi/cacert.pem");
    write(&bundle, &certifi_bytes());
    let out = m.run(
        &[
            "add",
            &s(&gen("int-good.pem")),
            "--bundle",
            &s(&bundle),
            "--at",
            TEST_CLOCK,
        ],
        &[],
    );
    assert_exit(&out, 0, "add --bundle gcloud's certifi");
    let out = m.run(&["status", "--json", "--bundle", &s(&bundle)], &[]);
    let v = json(&out);
    assert_eq!(
        v["bundles"][0]["package"]["package"], "google-cloud-sdk",
        "{v:#}"
    );
    assert_eq!(v["bundles"][0]["package"]["version"], "528.0.0", "{v:#}");
    assert_eq!(v["bundles"][0]["serves"], "gcloud", "{v:#}");

    // The update: a new VERSION, the SDK's own bundle back.
    write(&sdk.join("VERSION"), b"529.0.0\n");
    write(&bundle, &certifi_bytes());
    let out = m.run(&["status", "--json", "--bundle", &s(&bundle)], &[]);
    assert_exit(&out, 1, "status after the SDK update");
    let v = json(&out);
    let lost = v["bundles"][0]["lost"][0].to_string();
    assert!(
        lost.contains("upgraded") && lost.contains("google-cloud-sdk"),
        "{v:#}"
    );
    assert!(
        lost.contains("528.0.0") && lost.contains("529.0.0"),
        "{v:#}"
    );
    guard.check();
}

/// `find -v` (and `find --json`) say which installed libraries use a bundle and which
/// beside it do not: requests and httplib2 (certifi installed) use certifi's, gRPC clients
/// grpcio's roots, pip its copy; aiohttp trusts the ssl module's default paths.
#[test]
fn find_names_the_libraries_each_bundle_reaches() {
    let guard = HostGuard::new();
    let m = Machine::new();
    let venv = m.home().join("proj/.venv");
    let sp = venv.join("lib/python3.12/site-packages");
    write(&venv.join("pyvenv.cfg"), b"home = /usr/bin\n");
    let certifi = sp.join("certifi/cacert.pem");
    write(&certifi, &certifi_bytes());
    let roots = sp.join("grpc/_cython/_credentials/roots.pem");
    write(&roots, &certifi_bytes());
    for pkg in ["requests", "httplib2", "aiohttp"] {
        write(&sp.join(pkg).join("__init__.py"), b"");
    }
    let items = m.find_json(&["--root", &s(&m.home())], &[]);
    let c = item(&items, &certifi);
    assert_eq!(
        c["used_by"],
        serde_json::json!(["requests", "httplib2"]),
        "{c:#}"
    );
    assert_eq!(c["ssl_defaults"], serde_json::json!(["aiohttp"]), "{c:#}");
    let r = item(&items, &roots);
    assert_eq!(r["kind"], "grpcio", "{r:#}");
    assert_eq!(r["serves"], "grpcio", "{r:#}");
    assert_eq!(r["used_by"], serde_json::json!(["grpcio"]), "{r:#}");
    let out = m.run(&["find", "-v", "--root", &s(&m.home())], &[]);
    let text = stdout(&out);
    assert!(text.contains("used by requests, httplib2"), "{text}");
    assert!(text.contains("not by aiohttp"), "{text}");
    assert!(text.contains("used by grpcio"), "{text}");
    let out = m.run(&["find", "--root", &s(&m.home())], &[]);
    assert!(!stdout(&out).contains("used by"), "only with -v");
    guard.check();
}

/// `sudo -E certpatch …` keeps the invoking user's `HOME`: root's `find` took that user's
/// pyenv versions and pipx venvs as root's own places, and `add --all` patched them (the
/// gap left open by the review of 2026-12-06). As root, a place found from `HOME` in
/// other hands is passed over with a note, as `VIRTUAL_ENV` already was; named with
/// `--env`, it is still found.
#[test]
#[cfg_attr(
    feature = "no-root-tests",
    ignore = "needs root (chown); left out by --features no-root-tests"
)]
fn another_users_home_kept_by_sudo_is_not_searched_or_patched_by_all() {
    require_root("gives a HOME to uid 65534");
    let guard = HostGuard::new();
    let m = Machine::new();
    let pyenv = make_venv(&m.p("home/.pyenv/versions/3.12.1"), "3.12");
    let pipx = make_venv(&m.p("home/.local/share/pipx/venvs/tool"), "3.12");
    let planted = [
        site(&pyenv, "3.12").join("certifi/cacert.pem"),
        site(&pipx, "3.12").join("certifi/cacert.pem"),
    ];
    let before: Vec<Vec<u8>> = planted.iter().map(read).collect();
    // Found while HOME is root's:
    let paths = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| i["path"].as_str().map(str::to_string))
            .collect()
    };
    let found = paths(&m.find_json(&[], &[]));
    for p in &planted {
        assert!(
            found.contains(&s(p)),
            "{} not found at first: {found:?}",
            p.display()
        );
    }
    give_to_nobody(m.home());

    let found = paths(&m.find_json(&[], &[]));
    assert!(
        !found.iter().any(|p| p.starts_with(&s(&m.home()))),
        "another user's HOME was searched: {found:?}"
    );
    let text = stderr(&m.run(&["find"], &[]));
    assert!(
        text.contains("not searched (pyenv") && text.contains("uid 65534"),
        "a note says why: {text}"
    );
    let out = m.add_all_good(&[]);
    assert!(out.status.code().is_some(), "{out:?}");
    for (p, b) in planted.iter().zip(&before) {
        assert_eq!(&read(p), b, "{} was patched", p.display());
    }
    // Named (`--root`, as `--env` for add), it is the user's own choice.
    let named = paths(&m.find_json(&["--root", &s(&pyenv)], &[]));
    assert!(named.contains(&s(&planted[0])), "{named:?}");
    guard.check();
}

/// `chown -R 65534:65534 path`: gives a tree to another user (the tests that need root).
fn give_to_nobody(path: impl AsRef<Path>) {
    let out = std::process::Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(path.as_ref())
        .run_output()
        .unwrap();
    assert!(out.status.success(), "chown: {out:?}");
}
