//! The default target: the active environment.
//!
//! `$VIRTUAL_ENV`, else `$CONDA_PREFIX`, else `.venv` in the current folder
//! or a parent, else `python3` on `PATH` (the first one that is not
//! certpatch's own). "Not found" is a value that says what was tried and how to
//! name a target instead.
//!
//! An environment found this way must be in safe hands (`trust`): it, its `pyvenv.cfg`
//! and every folder above it owned by root or the user certpatch runs as (as root: by
//! root) and writable by no one else, a sticky folder on the way (`/tmp`) excepted. A
//! `.venv` another user made in a shared folder above the current one is the classic
//! plant; such an environment is passed over with the reason and "name it with `--env`
//! if you mean it".
//!
//! certpatch's own environment (the venv pipx or uv installed it in: see
//! `own`) is passed over wherever it turns up — `uvx` puts its `bin/` first on
//! `PATH` — and the user is told which environment was used instead.

use std::fmt;
use std::path::{Path, PathBuf};

use super::collect::canonical;
use super::host::{vars, Host};
use super::layout::{interpreter_in, prefix_of_exe, recognise};
use super::own::{own_environment, passed_over_because};
use super::sources::{dot_venv, python3s_on_path, Source};
use super::trust::implicit_environment_refusal;
use crate::x509::text::path_text;

/// An environment: where it is, how it was found, and its interpreter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The environment's root (resolved).
    pub root: PathBuf,
    /// How it was found.
    pub source: Source,
    /// Its interpreter, when it has one where expected.
    pub interpreter: Option<PathBuf>,
    /// Sources that were set but unusable and so passed over (a stale `VIRTUAL_ENV`, a
    /// `.venv` that is not a venv): the user expected one of those, so say so.
    pub passed_over: Vec<String>,
}

/// No active environment; what was tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotFound {
    /// One line per source tried, in order.
    pub tried: Vec<String>,
}

impl NotFound {
    /// How to name a target instead.
    pub const HINT: &'static str = "name the environment that runs the failing code with \
        `--python EXE`, `--env DIR` or `--bundle FILE` (`certpatch find` lists them all; \
        `--all` acts on every one of them, so use it only when you mean the whole machine)";
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no active Python environment found")?;
        for t in &self.tried {
            write!(f, "\n  tried: {t}")?;
        }
        write!(f, "\nhint: {}", Self::HINT)
    }
}

impl std::error::Error for NotFound {}

/// Whether `dir`, found by itself (`what`), is in hands other than root's and the user's
/// (see `trust`): then it is passed over, and why is added to `tried`.
fn refused(dir: &Path, what: &str, tried: &mut Vec<String>) -> bool {
    match implicit_environment_refusal(dir) {
        Some(why) => {
            tried.push(format!("`{what}` ({}): {why}", path_text(dir)));
            true
        }
        None => false,
    }
}

/// An environment named by a variable, if it is a folder, in safe hands, and not
/// certpatch's own.
fn from_var(
    host: &Host,
    var: &str,
    source: Source,
    own: Option<&Path>,
    tried: &mut Vec<String>,
) -> Option<Environment> {
    match host.var_path(var) {
        None => {
            tried.push(format!("`{var}` is not set"));
            None
        }
        Some(dir) if own.is_some_and(|own| canonical(&dir) == own) => {
            tried.push(format!("`{var}`: {}", passed_over_because(&dir)));
            None
        }
        Some(dir) if dir.is_dir() && refused(&dir, var, tried) => None,
        Some(dir) if dir.is_dir() => Some(Environment {
            interpreter: interpreter_in(&dir),
            root: canonical(&dir),
            source,
            passed_over: Vec::new(),
        }),
        Some(dir) => {
            tried.push(format!(
                "`{var}` is {}, which is not a folder",
                path_text(&dir)
            ));
            None
        }
    }
}

/// The active environment, or what was tried.
pub fn active_environment(host: &Host) -> Result<Environment, NotFound> {
    let mut tried = Vec::new();
    let with_passed_over = |mut env: Environment, tried: &[String]| {
        env.passed_over = tried
            .iter()
            .filter(|t| !t.ends_with("is not set") && !t.starts_with("no `.venv`"))
            .cloned()
            .collect();
        env
    };
    let own = own_environment(host);
    let own = own.as_deref();
    let is_own = |dir: &Path| own.is_some_and(|own| canonical(dir) == own);
    if let Some(env) = from_var(host, vars::VIRTUAL_ENV, Source::VirtualEnv, own, &mut tried) {
        return Ok(env);
    }
    if let Some(env) = from_var(
        host,
        vars::CONDA_PREFIX,
        Source::CondaPrefix,
        own,
        &mut tried,
    ) {
        return Ok(with_passed_over(env, &tried));
    }
    match dot_venv(host) {
        Some(dir) if is_own(&dir) => {
            tried.push(format!("`.venv`: {}", passed_over_because(&dir)));
        }
        Some(dir) if recognise(&dir).is_some() && refused(&dir, ".venv", &mut tried) => {}
        Some(dir) if recognise(&dir).is_some() => {
            let env = Environment {
                interpreter: interpreter_in(&dir),
                root: canonical(&dir),
                source: Source::DotVenv,
                passed_over: Vec::new(),
            };
            return Ok(with_passed_over(env, &tried));
        }
        Some(dir) => tried.push(format!(
            "{} is not a virtual environment (no `pyvenv.cfg`)",
            path_text(&dir)
        )),
        None => tried.push(format!(
            "no `.venv` in {} or its parents",
            path_text(host.cwd())
        )),
    }
    let mut any_python3 = false;
    for exe in python3s_on_path(host) {
        any_python3 = true;
        let root = root_of_interpreter(host, &exe);
        if is_own(&root) {
            tried.push(format!(
                "`python3` on `PATH` ({}): {}",
                crate::x509::text::path_text(&exe),
                passed_over_because(&root)
            ));
            continue;
        }
        // Found by itself like `.venv`: another user's folder first on `PATH` is theirs.
        if refused(&root, "python3 on PATH", &mut tried) {
            continue;
        }
        return Ok(with_passed_over(
            Environment {
                root,
                source: Source::PathPython,
                interpreter: Some(exe),
                passed_over: Vec::new(),
            },
            &tried,
        ));
    }
    if !any_python3 {
        tried.push("no `python3` on `PATH`".to_string());
    } else {
        tried.push("no other `python3` on `PATH`".to_string());
    }
    Err(NotFound { tried })
}

/// An interpreter's environment: from its layout, else by asking it, else
/// the folder above its own.
fn root_of_interpreter(host: &Host, exe: &Path) -> PathBuf {
    if let Some(root) = prefix_of_exe(exe) {
        return canonical(&root);
    }
    if let Ok(answer) = super::interpreter::query(host, exe) {
        return canonical(&host.absolute(Path::new(&answer.prefix)));
    }
    let dir = exe.parent().unwrap_or(exe);
    canonical(dir.parent().unwrap_or(dir))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[cfg(unix)]
    #[test]
    #[cfg_attr(
        feature = "no-root-tests",
        ignore = "needs root (chown); left out by --features no-root-tests"
    )]
    fn implicit_environments_of_another_user_are_passed_over() {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            rustix::process::geteuid().as_raw(),
            0,
            "this test needs root (it gives folders to another uid); run it as root, or build with `--features no-root-tests` to leave it out"
        );
        let t = tempfile::tempdir().unwrap();
        // A shared sticky folder (`/tmp`) above the current one, where uid 4242 made `.venv`.
        let shared = t.path().join("shared");
        mkdirs(&shared);
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let planted = make_venv(&shared, ".venv", "3.12");
        std::os::unix::fs::chown(&planted, Some(4242), Some(4242)).unwrap();
        let cwd = shared.join("work");
        mkdirs(&cwd);
        let host = Host::for_tests(t.path(), &[], &cwd);
        let e = active_environment(&host).unwrap_err().to_string();
        assert!(e.contains("owned by uid 4242"), "{e}");
        assert!(e.contains("name it with `--env` if you mean it"), "{e}");
        // The same folder named by $VIRTUAL_ENV or $CONDA_PREFIX.
        for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
            let host =
                Host::for_tests(t.path(), &[(var, &planted.display().to_string())], t.path());
            let e = active_environment(&host).unwrap_err().to_string();
            assert!(e.contains(&format!("`{var}`")), "{e}");
            assert!(e.contains("owned by uid 4242"), "{e}");
        }
        // Root's own `.venv` in that folder is used; made writable by everyone, it is not.
        std::os::unix::fs::chown(&planted, Some(0), Some(0)).unwrap();
        assert_eq!(
            active_environment(&host_in(t.path(), &cwd)).unwrap().source,
            Source::DotVenv
        );
        std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = active_environment(&host_in(t.path(), &cwd))
            .unwrap_err()
            .to_string();
        assert!(e.contains("every user"), "{e}");
    }

    #[cfg(unix)]
    fn host_in(base: &Path, cwd: &Path) -> Host {
        Host::for_tests(base, &[], cwd)
    }

    // (was Unix only while Windows judged no owner)
    #[test]
    fn virtual_env_comes_first() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let conda = make_conda(t.path(), "conda", "3.12");
        let host = Host::for_tests(
            t.path(),
            &[
                ("VIRTUAL_ENV", &venv.display().to_string()),
                ("CONDA_PREFIX", &conda.display().to_string()),
            ],
            t.path(),
        );
        let env = active_environment(&host).unwrap();
        assert_eq!(env.source, Source::VirtualEnv);
        assert_eq!(env.root, canonical(&venv));
        assert_eq!(env.interpreter, Some(venv.join("bin/python3")));
    }

    // (was Unix only while Windows judged no owner)
    #[test]
    fn then_conda_prefix_then_dot_venv() {
        let t = tempfile::tempdir().unwrap();
        let conda = make_conda(t.path(), "conda", "3.12");
        let proj = t.path().join("proj");
        make_venv(&proj, ".venv", "3.12");
        let cwd = proj.join("src");
        mkdirs(&cwd);
        let conda_s = conda.display().to_string();
        let host = Host::for_tests(t.path(), &[("CONDA_PREFIX", &conda_s)], &cwd);
        assert_eq!(
            active_environment(&host).unwrap().source,
            Source::CondaPrefix
        );
        let host = Host::for_tests(t.path(), &[("VIRTUAL_ENV", "/no/such/venv")], &cwd);
        let env = active_environment(&host).unwrap();
        assert_eq!(env.source, Source::DotVenv);
        assert_eq!(env.root, canonical(&proj.join(".venv")));
    }

    #[cfg(unix)]
    #[test]
    fn then_python3_on_path() {
        let t = tempfile::tempdir().unwrap();
        let inst = make_install(t.path(), "python", "3.12");
        let path = inst.join("bin").display().to_string();
        let host = Host::for_tests(t.path(), &[("PATH", &path)], t.path());
        let env = active_environment(&host).unwrap();
        assert_eq!(env.source, Source::PathPython);
        assert_eq!(env.root, canonical(&inst));
        assert_eq!(env.interpreter, Some(inst.join("bin/python3")));
    }

    #[cfg(unix)]
    #[test]
    fn certpatchs_own_environment_is_passed_over() {
        let t = tempfile::tempdir().unwrap();
        let base = canonical(t.path());
        let tool = make_tool_venv(&base.join("uv/tools"), "certpatch", "3.12");
        let inst = make_install(&base, "python", "3.12");
        // As `uvx` runs it: the tool's bin first on PATH, and VIRTUAL_ENV naming the tool.
        let path = format!(
            "{}:{}",
            tool.join("bin").display(),
            inst.join("bin").display()
        );
        let tool_s = tool.display().to_string();
        let host = Host::for_tests(&base, &[("PATH", &path), ("VIRTUAL_ENV", &tool_s)], &base)
            .with_own_exe(Some(tool.join("bin/certpatch")));
        let env = active_environment(&host).unwrap();
        assert_eq!(env.source, Source::PathPython);
        assert_eq!(env.root, canonical(&inst));
        assert_eq!(env.passed_over.len(), 2, "{:?}", env.passed_over);
        assert!(env.passed_over[0].starts_with("`VIRTUAL_ENV`: "));
        assert!(env.passed_over[1].starts_with("`python3` on `PATH` ("));
        assert!(env
            .passed_over
            .iter()
            .all(|p| p.contains("certpatch's own environment")));
        // Only the tool's python3: nothing found, and the reason is given.
        let path = tool.join("bin").display().to_string();
        let host = Host::for_tests(&base, &[("PATH", &path)], &base)
            .with_own_exe(Some(tool.join("bin/certpatch")));
        let err = active_environment(&host).unwrap_err();
        assert!(
            err.to_string().contains("certpatch's own environment"),
            "{err}"
        );
        assert!(
            err.to_string().contains("no other `python3` on `PATH`"),
            "{err}"
        );
        // The same venv is the target when certpatch is not running from it.
        let host = Host::for_tests(&base, &[("VIRTUAL_ENV", &tool_s)], &base);
        assert_eq!(active_environment(&host).unwrap().root, tool);
    }

    #[test]
    fn a_dot_venv_that_is_certpatchs_own_environment_is_passed_over() {
        let t = tempfile::tempdir().unwrap();
        let base = canonical(t.path());
        let tool = make_tool_venv(&base, ".venv", "3.12");
        let host =
            Host::for_tests(&base, &[], &base).with_own_exe(Some(tool.join("bin/certpatch")));
        let err = active_environment(&host).unwrap_err();
        assert!(
            err.tried.iter().any(|t| t.starts_with("`.venv`: ")),
            "{err}"
        );
    }

    /// Windows: owners and access lists are judged as Unix's owners and modes are; an
    /// environment everyone may write is passed over, and the message names who.
    #[cfg(windows)]
    #[test]
    fn on_windows_an_environment_others_may_write_is_not_picked_by_itself() {
        let t = tempfile::tempdir().unwrap();
        let venv = make_venv(t.path(), "venv", "3.12");
        let venv_s = venv.display().to_string();
        let host = Host::for_tests(t.path(), &[("VIRTUAL_ENV", &venv_s)], t.path());
        let env = active_environment(&host).unwrap();
        assert_eq!(env.source, Source::VirtualEnv);
        crate::os::set_sddl(&venv, "D:P(A;;FA;;;BA)(A;;FA;;;WD)");
        let e = active_environment(&host).unwrap_err().to_string();
        assert!(
            e.contains("access control list") && e.contains("S-1-1-0"),
            "{e}"
        );
    }

    #[cfg(unix)] // the fake host's `/no/such/venv` is `C:/no/such/venv` on Windows
    #[test]
    fn not_found_says_what_was_tried_and_what_to_do() {
        let t = tempfile::tempdir().unwrap();
        let host = Host::for_tests(t.path(), &[("VIRTUAL_ENV", "/no/such/venv")], t.path());
        let err = active_environment(&host).unwrap_err();
        assert_eq!(err.tried.len(), 4);
        let text = err.to_string();
        assert!(
            text.contains("`VIRTUAL_ENV` is /no/such/venv, which is not a folder"),
            "{text}"
        );
        assert!(text.contains("`CONDA_PREFIX` is not set"), "{text}");
        assert!(text.contains("no `python3` on `PATH`"), "{text}");
        for flag in ["--python", "--env", "--bundle", "--all"] {
            assert!(text.contains(flag), "{text}");
        }
    }
}
