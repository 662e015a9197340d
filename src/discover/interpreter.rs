//! Asking an interpreter where its bundles are (`--python EXE`), and the one function
//! that starts any process certpatch runs ([`run_script`]).
//!
//! Before an interpreter is started, `trust` decides whose code it would run: run as is,
//! run as the one other account that owns it (certpatch being root), or not run (the
//! reason becomes the error, and callers fall back). Whatever runs, runs with `-I -S`
//! (Python 2.7, which lacks `-I`, gets `-E -s -S`): no `PYTHON*` variable, user site,
//! `.pth` file or `sitecustomize` is read. The script then puts the environment's
//! site-packages on `sys.path` itself (from `pyvenv.cfg` and `site.getsitepackages`,
//! which computes folders and processes nothing). It runs with no standard input,
//! with `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, `SSL_CERT_FILE`, `SSL_CERT_DIR` and
//! `PIP_CERT` removed from its environment, in its own process group, with no inherited
//! descriptor, and is killed with its group after the host's timeout (10 s by default).
//! It prints one line of JSON: `sys.prefix`, its version,
//! `certifi.where()` and `certifi.__file__`, and the same for
//! `pip._vendor.certifi`. When it cannot be run, does not answer in time, or
//! cannot import certifi, its install layout is read instead.
//!
//! Two answers are not bundles, and become notes:
//! - a `where()` in the operating system's store (`/etc/ssl`, `/etc/pki`, …):
//!   the distribution patched certifi to use the system store, which is
//!   `update-ca-certificates`' job, not certpatch's;
//! - a `where()` that is a temporary copy extracted from a zip (certifi
//!   imported from a `.zip`/`.pyz`/`.egg`): patching it would do nothing.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::collect::{canonical, Collector};
use super::host::{vars, Host};
use super::kinds::{
    in_system_store, inside_archive, system_store_message, temp_dirs, Kind, BUNDLE_NAME,
};
use super::layout;
use super::sources::{is_executable, Source};
use super::trust::{self, Decision};

/// The question, in Python that runs on 2.7 and 3.6+ (no f-strings).
pub const SCRIPT: &str = r#"import sys, os
sys.path = [p for p in sys.path if p not in ('', '.')]
import json
import site
# Run with -S: site-packages is not on sys.path and sys.prefix is the base install's.
# Put them back as site.py would, without reading any .pth file.
base = sys.prefix
prefixes = [sys.prefix]
exe_dir = os.path.dirname(os.path.abspath(sys.executable))
for d in (exe_dir, os.path.dirname(exe_dir)):
    cfg = os.path.join(d, 'pyvenv.cfg')
    if os.path.isfile(cfg):
        system = False
        try:
            for line in open(cfg):
                k, _, v = line.partition('=')
                if k.strip().lower() == 'include-system-site-packages':
                    system = v.strip().lower() == 'true'
        except Exception:
            pass
        venv = os.path.dirname(exe_dir)
        prefixes = [venv] + (system and [base] or [])
        sys.prefix = sys.exec_prefix = venv
        break
try:
    dirs = site.getsitepackages(prefixes)
except TypeError:
    site.PREFIXES[:] = prefixes
    dirs = site.getsitepackages()
except AttributeError:
    v = 'python%d.%d' % sys.version_info[:2]
    dirs = [os.path.join(p, 'lib', v, 'site-packages') for p in prefixes]
for d in dirs:
    if os.path.isdir(d) and d not in sys.path:
        sys.path.append(d)
r = {'prefix': sys.prefix, 'executable': sys.executable,
     'base_prefix': getattr(sys, 'base_prefix', base),
     'version': '.'.join([str(v) for v in sys.version_info[:3]])}
def ask(key, name):
    try:
        mod = __import__(name, fromlist=['where'])
        r[key + '_file'] = getattr(mod, '__file__', None)
        r[key] = mod.where()
    except Exception:
        e = sys.exc_info()[1]
        r[key + '_error'] = '%s: %s' % (type(e).__name__, e)
ask('certifi', 'certifi')
ask('pip_certifi', 'pip._vendor.certifi')
try:
    r['user_site'] = site.getusersitepackages()
except Exception:
    pass
sys.stdout.write('\n' + json.dumps(r) + '\n')
sys.stdout.flush()
"#;

/// What an interpreter said about itself.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Answer {
    /// `sys.prefix`: the environment.
    pub prefix: String,
    /// `sys.executable`.
    #[serde(default)]
    pub executable: Option<String>,
    /// `sys.base_prefix` (`sys.real_prefix` for old virtualenvs).
    #[serde(default)]
    pub base_prefix: Option<String>,
    /// `X.Y.Z`.
    #[serde(default)]
    pub version: Option<String>,
    /// `certifi.where()`.
    #[serde(default)]
    pub certifi: Option<String>,
    /// `certifi.__file__`.
    #[serde(default)]
    pub certifi_file: Option<String>,
    /// Why `import certifi` or `where()` failed.
    #[serde(default)]
    pub certifi_error: Option<String>,
    /// `pip._vendor.certifi.where()`.
    #[serde(default)]
    pub pip_certifi: Option<String>,
    /// `pip._vendor.certifi.__file__`.
    #[serde(default)]
    pub pip_certifi_file: Option<String>,
    /// Why `import pip._vendor.certifi` failed.
    #[serde(default)]
    pub pip_certifi_error: Option<String>,
    /// `site.getusersitepackages()`: asked in isolated mode, the interpreter does not
    /// import from it, but a normal run does, ahead of the install's own packages.
    #[serde(default)]
    pub user_site: Option<String>,
}

/// Why an interpreter gave no answer.
#[derive(Debug)]
pub enum QueryError {
    /// It could not be started.
    Spawn(std::io::Error),
    /// It did not finish in time and was killed.
    Timeout(Duration),
    /// It exited with a failure.
    Failed { status: String, stderr: String },
    /// It printed no JSON answer.
    BadOutput(String),
    /// It was not run: someone other than root and certpatch's user can change what it
    /// would run (see `trust`).
    Untrusted(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Spawn(e) => write!(f, "it could not be started: {e}"),
            QueryError::Timeout(d) => write!(
                f,
                "it did not answer within {} s and was stopped",
                d.as_secs_f64()
            ),
            QueryError::Failed { status, stderr } => {
                write!(f, "it failed ({status})")?;
                // The first line names the problem for wrappers (`pyenv: python3.12:
                // command not found`), the last for Python tracebacks.
                let lines: Vec<&str> = stderr
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                match lines.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, ": {one}"),
                    [first, .., last] => write!(f, ": {first} … {last}"),
                }
            }
            QueryError::Untrusted(why) => write!(f, "{why}"),
            QueryError::BadOutput(out) => {
                let shown: String = out.trim().chars().take(200).collect();
                write!(f, "it printed no answer (output: {shown:?})")
            }
        }
    }
}

/// Runs `exe` with `flags -c SCRIPT`, killing it after the host's timeout.
fn run(host: &Host, exe: &Path, flags: &[&str]) -> Result<(String, String), QueryError> {
    run_script(host, exe, flags, SCRIPT, &[])
}

/// `-S` always (no `.pth`, no `sitecustomize`), and `-I` unless the caller asked for
/// Python 2's `-E -s`.
fn isolation_flags<'a>(flags: &[&'a str]) -> Vec<&'a str> {
    let mut all = flags.to_vec();
    let python2 = all.contains(&"-E") && all.contains(&"-s");
    if !all.contains(&"-I") && !python2 {
        all.insert(0, "-I");
    }
    if !all.contains(&"-S") {
        all.push("-S");
    }
    all
}

/// Runs `exe` with `flags -c script args...`: the one place certpatch starts a process.
///
/// First `trust` decides whose code `exe` would run (module docs): it is run as is, as
/// its owner, or not at all ([`QueryError::Untrusted`]). `-S` is always added (and `-I`
/// unless `flags` has Python 2's `-E -s`). No standard input, the CA override variables
/// removed, no inherited descriptor, its own process group, killed with that group after
/// the host's timeout.
pub(crate) fn run_script(
    host: &Host,
    exe: &Path,
    flags: &[&str],
    script: &str,
    args: &[&std::ffi::OsStr],
) -> Result<(String, String), QueryError> {
    let exe = &host.absolute(exe);
    let run_as = match trust::decide(exe) {
        Decision::Trusted => None,
        Decision::RunAs(account) => Some(account),
        Decision::Refused(why) => return Err(QueryError::Untrusted(why)),
    };
    let mut out = tempfile::tempfile().map_err(QueryError::Spawn)?;
    let mut err = tempfile::tempfile().map_err(QueryError::Spawn)?;
    let mut cmd = Command::new(exe);
    cmd.args(isolation_flags(flags))
        .arg("-c")
        .arg(script)
        .args(args)
        .env_clear()
        .envs(
            host.vars()
                .iter()
                .filter(|(k, _)| !vars::CA_OVERRIDES.contains(&k.as_str())),
        )
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(QueryError::Spawn)?)
        .stderr(err.try_clone().map_err(QueryError::Spawn)?);
    crate::os::confine(&mut cmd, run_as.as_ref());
    let mut child = crate::os::spawn_tree(&mut cmd).map_err(QueryError::Spawn)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(QueryError::Spawn(e)),
        }
        if start.elapsed() >= host.interpreter_timeout() {
            child.stop();
            return Err(QueryError::Timeout(host.interpreter_timeout()));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(25));
    };
    let read = |f: &mut std::fs::File| -> String {
        let mut buf = Vec::new();
        let _ = f.seek(SeekFrom::Start(0));
        let _ = f.take(1 << 20).read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    };
    let (stdout, stderr) = (read(&mut out), read(&mut err));
    if !status.success() {
        return Err(QueryError::Failed {
            status: status.to_string(),
            stderr,
        });
    }
    Ok((stdout, stderr))
}

/// The answer in an interpreter's output: the last line that is a JSON
/// object with a `prefix` (anything a `sitecustomize` prints is skipped).
pub fn parse_answer(stdout: &str) -> Option<Answer> {
    stdout
        .lines()
        .rev()
        .map(str::trim)
        .filter(|l| l.starts_with('{'))
        .find_map(|l| serde_json::from_str(l).ok())
}

/// Asks `exe` where its bundles are.
pub fn query(host: &Host, exe: &Path) -> Result<Answer, QueryError> {
    let first = run(host, exe, &["-I", "-S"]);
    let (stdout, _) = match first {
        Err(QueryError::Failed { ref stderr, .. })
            if stderr.contains("-I") || stderr.to_ascii_lowercase().contains("unknown option") =>
        {
            // Python 2.7: no -I; -E -s ignore PYTHON* variables and the user
            // site, -S the site module, and the script drops the current folder from
            // sys.path.
            run(host, exe, &["-E", "-s", "-S"])?
        }
        other => other?,
    };
    parse_answer(&stdout).ok_or(QueryError::BadOutput(stdout))
}

/// An interpreter path as the user gave it: a bare name is looked up on
/// `PATH`, a relative path is taken from the current folder.
pub fn resolve_exe(host: &Host, exe: &Path) -> PathBuf {
    // A bare name (`python3.12`) is looked up on PATH only, as a shell does: a `python3`
    // in the current folder (a cloned repository's) is never run unless named `./python3`.
    let bare = exe.components().count() == 1
        && matches!(
            exe.components().next(),
            Some(std::path::Component::Normal(_))
        );
    if bare {
        if let Some(found) = host
            .path_dirs()
            .into_iter()
            .map(|d| d.join(exe))
            .find(|p| is_executable(p))
        {
            return found;
        }
    }
    host.absolute(exe)
}

/// How a `where()` answer is judged.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A bundle to patch.
    Bundle(PathBuf),
    /// The operating system's store (a distribution-patched certifi).
    SystemStore(PathBuf),
    /// A temporary copy; the archive it came from, when known.
    TemporaryCopy(Option<PathBuf>),
    /// No such file.
    Missing,
}

/// Judges one `where()` answer, given the module's `__file__`.
pub fn judge_where(host: &Host, where_: &Path, module_file: Option<&Path>) -> Verdict {
    let real = canonical(where_);
    if in_system_store(host, where_) || in_system_store(host, &real) {
        return Verdict::SystemStore(real);
    }
    if let Some(archive) = module_file.and_then(inside_archive) {
        return Verdict::TemporaryCopy(Some(archive));
    }
    if !where_.is_file() {
        return Verdict::Missing;
    }
    let in_temp = temp_dirs(host)
        .iter()
        .any(|t| where_.starts_with(t) || real.starts_with(t));
    if in_temp {
        // A certifi installed under a temporary folder (a test venv) keeps
        // its cacert.pem beside its own code; an extracted copy does not. The file
        // itself may be a link into a cache (uv's symlink mode): judge by where it
        // is named, not where it points.
        let module_dir = module_file.and_then(Path::parent);
        let named_parent = where_.parent();
        let normal = where_.file_name().is_some_and(|n| n == BUNDLE_NAME)
            && match module_dir {
                Some(dir) => {
                    named_parent == Some(dir) || named_parent.map(canonical) == Some(canonical(dir))
                }
                None => named_parent.and_then(Path::file_name) == Some("certifi".as_ref()),
            };
        if !normal {
            return Verdict::TemporaryCopy(None);
        }
    }
    Verdict::Bundle(where_.to_path_buf())
}

/// `--python EXE`: certifi's and pip's vendored bundles of one interpreter.
pub(crate) fn collect(c: &mut Collector<'_>, exe: &Path, source: &Source) {
    let host = c.host;
    let exe = resolve_exe(host, exe);
    if !exe.exists() {
        c.note(
            Some(&exe),
            format!("interpreter {} does not exist", exe.display()),
        );
        return;
    }
    match query(host, &exe) {
        Ok(answer) => from_answer(c, &exe, &answer, source),
        Err(e) => {
            let prefix = layout::prefix_of_exe(&exe);
            let what = match &prefix {
                Some(p) => format!("read the layout of {} instead", p.display()),
                None => "and it is not inside a recognisable environment".to_string(),
            };
            c.note(
                Some(&exe),
                format!(
                    "could not ask {} where its bundles are: {e}; {what}",
                    exe.display()
                ),
            );
            if let Some(root) = prefix {
                for kind in [Kind::Certifi, Kind::PipVendored] {
                    from_layout(c, &root, kind, source);
                }
            }
        }
    }
}

/// Bundles of one kind read from an environment's layout.
fn from_layout(c: &mut Collector<'_>, root: &Path, kind: Kind, source: &Source) -> bool {
    let mut any = false;
    for (path, k) in layout::probe_env(root) {
        if k == kind {
            any |= c.layout_candidate(&path, k, Some(root), source);
        }
    }
    any
}

fn from_answer(c: &mut Collector<'_>, exe: &Path, answer: &Answer, source: &Source) {
    let host = c.host;
    let prefix = host.absolute(Path::new(&answer.prefix));
    let (bundles_before, notes_before) = c.counts();
    let mut any = false;
    let asks = [
        (
            Kind::Certifi,
            "certifi.where()",
            &answer.certifi,
            &answer.certifi_file,
            &answer.certifi_error,
        ),
        (
            Kind::PipVendored,
            "pip._vendor.certifi.where()",
            &answer.pip_certifi,
            &answer.pip_certifi_file,
            &answer.pip_certifi_error,
        ),
    ];
    for (kind, call, where_, file, error) in asks {
        let Some(where_) = where_ else {
            // Not importable: read the layout in case it is there anyway.
            let found = from_layout(c, &prefix, kind, source);
            any |= found;
            let not_installed = error.as_deref().is_none_or(|e| {
                e.starts_with("ImportError") || e.starts_with("ModuleNotFoundError")
            });
            if found || !not_installed {
                if let Some(e) = error {
                    c.note(
                        Some(exe),
                        format!("{} could not run {call} ({e})", exe.display()),
                    );
                }
            }
            continue;
        };
        let where_ = host.absolute(Path::new(where_));
        let file = file.as_deref().map(|f| host.absolute(Path::new(f)));
        let what = format!("{call} of {}", exe.display());
        match judge_where(host, &where_, file.as_deref()) {
            Verdict::Bundle(p) => {
                let by_place = Kind::of_path(&p);
                let kind = if by_place == Kind::Other {
                    kind
                } else {
                    by_place
                };
                any |= c.candidate(&p, kind, Some(&prefix), source);
            }
            Verdict::SystemStore(store) => {
                c.note(Some(&where_), system_store_message(&what, &store));
            }
            Verdict::TemporaryCopy(archive) => {
                let from = match archive {
                    Some(a) => format!("certifi is imported from the archive {}", a.display()),
                    None => "certifi is imported from an archive".to_string(),
                };
                c.note(
                    Some(&where_),
                    format!(
                        "{what} returns {}, a temporary copy ({from}): patching it would do \
                         nothing, as it is extracted again from the archive. Rebuild the \
                         archive with a patched certifi, or point `REQUESTS_CA_BUNDLE` at a \
                         patched bundle",
                        where_.display()
                    ),
                );
            }
            Verdict::Missing => {
                c.note(
                    Some(&where_),
                    format!("{what} returns {}, which does not exist", where_.display()),
                );
            }
        }
    }
    // A certifi in the user's site-packages (`pip install --user`) shadows the install's
    // one in a normal run (not in a venv, where the user site is off): it is the bundle
    // requests actually reads, so it is a target too.
    let in_venv = answer
        .base_prefix
        .as_deref()
        .is_some_and(|b| b != answer.prefix);
    if let Some(user_site) = answer.user_site.as_deref().filter(|_| !in_venv) {
        let user_site = host.absolute(Path::new(user_site));
        let bundle = user_site.join("certifi").join(BUNDLE_NAME);
        if bundle.is_file() {
            any |= c.candidate(&bundle, Kind::Certifi, Some(&user_site), source);
            c.note(
                Some(&bundle),
                format!(
                    "{} has certifi in the user site-packages too ({}); a normal run imports that one first, so it is patched as well",
                    exe.display(),
                    user_site.display()
                ),
            );
        }
    }
    if let Some(version) = &answer.version {
        c.set_version_since(bundles_before, version);
    }
    if !any && c.counts().1 == notes_before {
        let version = answer.version.as_deref().unwrap_or("?");
        c.note(
            Some(exe),
            format!(
                "{} (Python {version}, prefix {}) has neither certifi nor pip installed: \
                 it has no bundle to patch",
                exe.display(),
                prefix.display()
            ),
        );
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::testutil::*;
    use super::super::{bundles_of_python, Found};
    use super::*;

    /// A fake interpreter: a shell script that prints `json`.
    fn fake_python(dir: &Path, name: &str, json: &str) -> PathBuf {
        let exe = dir.join(name);
        let answer = dir.join(format!("{name}.json"));
        std::fs::write(&answer, format!("noise from sitecustomize\n{json}\n")).unwrap();
        write_exe(
            &exe,
            &format!("#!/bin/sh\nexec /bin/cat '{}'\n", answer.display()),
        );
        exe
    }

    fn host(t: &Path) -> Host {
        Host::for_tests(t, &[("TMPDIR", &t.join("tmp").display().to_string())], t)
    }

    fn run_fake(t: &Path, json: &str) -> Found {
        let exe = fake_python(t, "python-fake", json);
        bundles_of_python(&host(t), &exe)
    }

    #[test]
    fn script_has_no_f_strings() {
        assert!(!SCRIPT.contains("f'") && !SCRIPT.contains("f\""));
        assert!(SCRIPT.contains("pip._vendor.certifi"));
    }

    #[test]
    fn answers_give_certifi_and_pip_bundles() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let sp = venv.join("lib/python3.12/site-packages");
        let json = format!(
            r#"{{"prefix": "{v}", "version": "3.12.1", "certifi": "{sp}/certifi/cacert.pem", "certifi_file": "{sp}/certifi/__init__.py", "pip_certifi": "{sp}/pip/_vendor/certifi/cacert.pem", "pip_certifi_file": "{sp}/pip/_vendor/certifi/__init__.py"}}"#,
            v = venv.display(),
            sp = sp.display()
        );
        let found = run_fake(t.path(), &json);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        assert_eq!(found.bundles[0].environment, Some(canonical(&venv)));
        assert_eq!(found.bundles[0].source, Source::PythonArg);
    }

    #[test]
    fn a_certifi_in_a_temporary_venv_is_a_bundle() {
        let t = tempfile::tempdir().unwrap();
        let tmp = t.path().join("tmp");
        let venv = make_venv(&tmp, "venv", "3.12");
        let sp = venv.join("lib/python3.12/site-packages");
        std::fs::remove_dir_all(sp.join("pip")).unwrap();
        let json = format!(
            r#"{{"prefix": "{v}", "certifi": "{sp}/certifi/cacert.pem", "certifi_file": "{sp}/certifi/__init__.py", "pip_certifi_error": "ModuleNotFoundError: No module named 'pip'"}}"#,
            v = venv.display(),
            sp = sp.display()
        );
        let found = run_fake(t.path(), &json);
        assert_eq!(kinds(&found), vec![Kind::Certifi]);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
    }

    #[test]
    fn a_symlinked_cacert_pem_in_a_temporary_venv_is_a_bundle() {
        // uv's symlink link mode: the venv's cacert.pem points into uv's cache.
        let t = tempfile::tempdir().unwrap();
        let tmp = t.path().join("tmp");
        let venv = make_venv(&tmp, "venv", "3.12");
        let sp = venv.join("lib/python3.12/site-packages");
        let cache = t.path().join("cache/certifi-2026/certifi");
        std::fs::create_dir_all(&cache).unwrap();
        let bundle = sp.join("certifi/cacert.pem");
        std::fs::rename(&bundle, cache.join("cacert.pem")).unwrap();
        std::os::unix::fs::symlink(cache.join("cacert.pem"), &bundle).unwrap();
        std::fs::remove_dir_all(sp.join("pip")).unwrap();
        let json = format!(
            r#"{{"prefix": "{v}", "certifi": "{sp}/certifi/cacert.pem", "certifi_file": "{sp}/certifi/__init__.py", "pip_certifi_error": "ModuleNotFoundError: No module named 'pip'"}}"#,
            v = venv.display(),
            sp = sp.display()
        );
        let found = run_fake(t.path(), &json);
        assert_eq!(kinds(&found), vec![Kind::Certifi], "{:?}", found.notes);
    }

    #[test]
    fn distribution_patched_certifi_is_a_note() {
        let t = tempfile::tempdir().unwrap();
        // Debian: /usr/lib/python3/dist-packages/certifi/core.py returns the store.
        let usr = t.path().join("usr");
        let json = format!(
            r#"{{"prefix": "{}", "certifi": "/etc/ssl/certs/ca-certificates.crt", "certifi_file": "{}/lib/python3/dist-packages/certifi/__init__.py", "pip_certifi_error": "ModuleNotFoundError: No module named 'pip'"}}"#,
            usr.display(),
            usr.display()
        );
        let found = run_fake(t.path(), &json);
        assert!(found.bundles.is_empty());
        assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
        let msg = &found.notes[0].message;
        assert!(msg.contains("update-ca-certificates"), "{msg}");
        assert!(msg.contains("does not patch the system store"), "{msg}");

        let fedora = format!(
            r#"{{"prefix": "{}", "certifi": "/etc/pki/tls/certs/ca-bundle.crt", "pip_certifi_error": "ImportError: x"}}"#,
            usr.display()
        );
        let found = run_fake(t.path(), &fedora);
        assert!(found.bundles.is_empty());
        assert!(found.notes[0].message.contains("update-ca-trust"));
    }

    #[test]
    fn zip_imported_certifi_is_a_note() {
        let t = tempfile::tempdir().unwrap();
        let tmp = t.path().join("tmp");
        let copy = tmp.join("tmpa1b2c3cacert.pem");
        write_bundle(&copy, 3);
        let app = t.path().join("app.pyz");
        std::fs::write(&app, "PK").unwrap();
        let json = format!(
            r#"{{"prefix": "{}", "certifi": "{}", "certifi_file": "{}/certifi/__init__.py"}}"#,
            t.path().display(),
            copy.display(),
            app.display()
        );
        let found = run_fake(t.path(), &json);
        assert!(found.bundles.is_empty());
        assert!(found.notes[0]
            .message
            .contains("patching it would do nothing"));
        assert!(found.notes[0].message.contains("app.pyz"));

        // Without __file__, a copy in the temporary folder is recognised too.
        let json = format!(
            r#"{{"prefix": "{}", "certifi": "{}"}}"#,
            t.path().display(),
            copy.display()
        );
        let found = run_fake(t.path(), &json);
        assert!(found.bundles.is_empty());
        assert!(found.notes[0].message.contains("temporary copy"));
    }

    #[test]
    fn certifi_not_importable_falls_back_to_the_layout() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let json = format!(
            r#"{{"prefix": "{}", "certifi_error": "ImportError: broken", "pip_certifi_error": "ModuleNotFoundError: No module named 'pip'"}}"#,
            venv.display()
        );
        let found = run_fake(t.path(), &json);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
    }

    #[test]
    fn a_failing_interpreter_falls_back_to_the_layout() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let exe = venv.join("bin/python3");
        write_exe(
            &exe,
            "#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n",
        );
        let found = bundles_of_python(&host(t.path()), &exe);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert_eq!(found.notes.len(), 1);
        assert!(
            found.notes[0].message.contains("init_fs_encoding"),
            "{:?}",
            found.notes
        );
    }

    /// Runs the interpreter of `venv`, a shell script that writes its own pid (or its
    /// child's) to `marker` and then hangs, with a timeout that grows until the script got
    /// as far as the marker before it was stopped (a loaded machine may start it slowly);
    /// what discovery found and the pid the marker names.
    fn run_until_marked(t: &Path, exe: &Path, marker: &Path) -> (Found, u32) {
        for ms in [300, 2_000, 10_000, 60_000] {
            let _ = std::fs::remove_file(marker);
            let host = host(t).with_interpreter_timeout(Duration::from_millis(ms));
            let found = bundles_of_python(&host, exe);
            if let Ok(text) = std::fs::read_to_string(marker) {
                if let Ok(pid) = text.trim().parse() {
                    return (found, pid);
                }
            }
        }
        panic!("the script never wrote {}", marker.display());
    }

    /// Whether process `pid` has ended (gone, or a zombie), waiting up to two minutes.
    fn ended(pid: u32) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(120) {
            let running = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                !s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            });
            if !running {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    #[test]
    fn a_hanging_interpreter_is_killed() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let exe = venv.join("bin/python3");
        let marker = t.path().join("interpreter.pid");
        // The shell becomes `sleep` (same pid) once it has said who it is.
        write_exe(
            &exe,
            &format!(
                "#!/bin/sh
echo $$ > {}.tmp && mv {0}.tmp {0}
exec /bin/sleep 600
",
                marker.display()
            ),
        );
        let (found, pid) = run_until_marked(t.path(), &exe, &marker);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert!(
            found.notes[0].message.contains("did not answer"),
            "{:?}",
            found.notes
        );
        assert!(ended(pid), "the interpreter {pid} still runs");
    }

    #[test]
    fn a_hanging_wrapper_is_stopped_with_what_it_started() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let exe = venv.join("bin/python3");
        let marker = t.path().join("grandchild.pid");
        // A wrapper that starts a long-running child and waits for it.
        write_exe(
            &exe,
            &format!(
                "#!/bin/sh
/bin/sleep 600 &
echo $! > {}.tmp && mv {0}.tmp {0}
wait
",
                marker.display()
            ),
        );
        let (_, pid) = run_until_marked(t.path(), &exe, &marker);
        let gone = ended(pid);
        if !gone {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
        assert!(gone, "the wrapper's child {pid} is still running");
    }

    #[test]
    fn the_child_inherits_no_descriptor_and_gets_dash_s() {
        let t = tempfile::tempdir().unwrap();
        // A descriptor without close-on-exec, as a parent process could leave one. It
        // points at a file of its own: the shell opens descriptors of its own (dash reads
        // the script through descriptor 10), so the child looks for the file, not a number.
        let marker = t.path().join("leaked-descriptor-marker");
        let file = std::fs::File::create(&marker).unwrap();
        let leaked = rustix::io::dup(&file).unwrap();
        let n = std::os::fd::AsRawFd::as_raw_fd(&leaked);
        let exe = t.path().join("python-fds");
        write_exe(
            &exe,
            "#!/bin/sh\necho \"args: $*\"\n\
             for f in /proc/$$/fd/*; do readlink \"$f\"; done | grep -q leaked-descriptor-marker \
             && echo inherited || echo closed\n",
        );
        let (out, _) = run_script(&host(t.path()), &exe, &["-I"], "pass", &[]).unwrap();
        assert!(
            out.contains("closed"),
            "descriptor {n} reached the child: {out}"
        );
        assert!(out.contains("args: -I -S -c pass"), "{out}");
    }

    #[test]
    fn python_2_gets_e_s_instead_of_i() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "2.7");
        let sp = venv.join("lib/python2.7/site-packages");
        let exe = t.path().join("python2.7");
        write_exe(
            &exe,
            &format!(
                "#!/bin/sh\nif [ \"$1\" = -I ]; then echo 'Unknown option: -I' >&2; exit 2; fi\n\
                 echo '{{\"prefix\": \"{}\", \"certifi\": \"{}/certifi/cacert.pem\"}}'\n",
                venv.display(),
                sp.display()
            ),
        );
        let found = bundles_of_python(&host(t.path()), &exe);
        // pip's answer is missing: its bundle comes from the layout.
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
    }

    #[test]
    fn ca_variables_are_removed_from_the_child() {
        let t = tempfile::tempdir().unwrap();
        let exe = t.path().join("python-env");
        write_exe(
            &exe,
            "#!/bin/sh\nprintf '{\"prefix\": \"/p\", \"version\": \"%s|%s\"}\\n' \
             \"${REQUESTS_CA_BUNDLE}${CURL_CA_BUNDLE}${SSL_CERT_FILE}${SSL_CERT_DIR}${PIP_CERT}\" \"$KEEP\"\n",
        );
        let host = Host::for_tests(
            t.path(),
            &[
                ("REQUESTS_CA_BUNDLE", "/x"),
                ("SSL_CERT_FILE", "/x"),
                ("PIP_CERT", "/x"),
                ("CURL_CA_BUNDLE", "/x"),
                ("SSL_CERT_DIR", "/x"),
                ("KEEP", "kept"),
            ],
            t.path(),
        );
        let answer = query(&host, &exe).unwrap();
        assert_eq!(answer.version.as_deref(), Some("|kept"));
    }

    #[test]
    fn garbage_output_is_reported() {
        let t = tempfile::tempdir().unwrap();
        let exe = t.path().join("python-junk");
        write_exe(&exe, "#!/bin/sh\necho hello\n");
        let found = bundles_of_python(&host(t.path()), &exe);
        assert!(found.bundles.is_empty());
        assert!(
            found.notes[0].message.contains("printed no answer"),
            "{:?}",
            found.notes
        );
        assert!(found.notes[0]
            .message
            .contains("not inside a recognisable environment"));
    }

    #[test]
    fn missing_interpreter_is_a_note() {
        let t = tempfile::tempdir().unwrap();
        let found = bundles_of_python(&host(t.path()), &t.path().join("nope/python3"));
        assert!(found.bundles.is_empty());
        assert!(found.notes[0].message.contains("does not exist"));
    }

    #[test]
    fn bare_names_are_looked_up_on_path() {
        let t = tempfile::tempdir().unwrap();
        let bin = t.path().join("bin");
        write_exe(&bin.join("python3.11"), "#!/bin/sh\n");
        let host = Host::for_tests(t.path(), &[("PATH", &bin.display().to_string())], t.path());
        assert_eq!(
            resolve_exe(&host, Path::new("python3.11")),
            bin.join("python3.11")
        );
        assert_eq!(
            resolve_exe(&host, Path::new("rel/python")),
            t.path().join("rel/python")
        );
    }

    /// Runs the script on real interpreters, if this machine has them. It
    /// only reads; it never writes to them.
    #[test]
    #[ignore = "runs the host's real interpreters"]
    fn script_runs_on_real_pythons() {
        let host = Host::from_process();
        let exe = super::super::sources::first_python3(&host).expect("python3 on PATH");
        let answer = query(&host, &exe);
        eprintln!("{}: {answer:?}", exe.display());
        assert!(answer.is_ok());
    }
}
