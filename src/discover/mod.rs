//! Discovery: which Python environments exist, and which CA bundles they hold.
//!
//! A machine holds many bundles: a venv per project, conda environments,
//! pyenv versions, pipx and uv tool environments, the system Python — and
//! each has certifi's `cacert.pem` plus pip's vendored copy, sometimes more.
//! This module finds them, says what each is ([`Kind`]) and how it was found
//! ([`Source`]), and reports what the user must know but cannot patch
//! ([`Note`]: a system store, a temporary copy, an interpreter that did not
//! answer). It never writes anything.
//!
//! # Sources, in order
//!
//! `find` (and `--all`) search these, in this order; a file reachable from
//! two sources is reported once, by the first ([`Source::SEARCH_ORDER`]):
//!
//! 1. `$VIRTUAL_ENV`
//! 2. `$CONDA_PREFIX`
//! 3. `.venv` in the current folder or the nearest parent that has one
//! 4. interpreters on `PATH`: `python3`, `python`, `python3.X` (`python.exe`
//!    on Windows), folder by folder. Each is placed by its layout
//!    (`<prefix>/bin/python3`); one that is not (a pyenv shim) is asked. In
//!    a `shims` folder only `python3` and `python` are taken.
//! 5. pyenv: `$PYENV_ROOT/versions/*`, else `~/.pyenv/versions/*` (and
//!    pyenv-virtualenv's `versions/*/envs/*`, pyenv-win's folder)
//! 6. conda: the prefixes in `~/.conda/environments.txt`; the bases named by
//!    `$CONDA_EXE` and `$MAMBA_ROOT_PREFIX`; `~/miniconda3`, `~/anaconda3`,
//!    `~/miniforge3`, `~/mambaforge`, `~/micromamba`, `~/opt/…`,
//!    `/opt/conda`, `/opt/miniconda3`, `/opt/anaconda3`, `/opt/miniforge3`,
//!    `/usr/share/miniconda`, Homebrew casks, `%LOCALAPPDATA%` and
//!    `%ProgramData%` installs, each with its `envs/*`; `~/.conda/envs/*` and
//!    `$CONDA_ENVS_PATH`
//! 7. pipx: `$PIPX_HOME/venvs/*`, else `~/.local/share/pipx/venvs/*`
//!    (`$XDG_DATA_HOME`), `~/.local/pipx/venvs/*`, the macOS and Windows
//!    folders
//! 8. uv tools: `$UV_TOOL_DIR/*`, else `~/.local/share/uv/tools/*`
//!    (`%APPDATA%\uv\…` on Windows)
//! 9. uv-managed Pythons: `$UV_PYTHON_INSTALL_DIR/*`, else
//!    `~/.local/share/uv/python/*`
//! 10. Poetry: `$POETRY_VIRTUALENVS_PATH/*`, `$POETRY_CACHE_DIR/virtualenvs/*`,
//!     else `~/.cache/pypoetry/virtualenvs/*` (`$XDG_CACHE_HOME`; macOS
//!     `~/Library/Caches`, Windows `%LOCALAPPDATA%\pypoetry\Cache`)
//! 11. Pipenv: `~/.local/share/virtualenvs/*`
//! 12. Hatch: `~/.local/share/hatch/env/virtual/**` (`$HATCH_DATA_DIR`),
//!     walked four levels deep
//! 13. virtualenvwrapper: `$WORKON_HOME/*` and `~/.virtualenvs/*`
//! 14. user site-packages: `~/.local/lib/python3.X/site-packages`,
//!     `~/Library/Python/3.X/lib/python/site-packages`,
//!     `%APPDATA%\Python\Python3X\site-packages`
//! 15. system: `/usr` and `/usr/local`, their `lib/python3*/site-packages`
//!     and `dist-packages` (and `lib64`, Debian's `lib/python3/dist-packages`)
//! 16. macOS framework: `/Library/Frameworks/Python.framework/Versions/*`
//! 17. Homebrew: `/opt/homebrew/lib/python3*`, `Cellar/python@*/*` under
//!     `/opt/homebrew`, `/usr/local` and `/home/linuxbrew/.linuxbrew`
//! 18. Windows installs: `%LOCALAPPDATA%\Programs\Python\Python3*`,
//!     `%ProgramFiles%\Python3*`, `%ProgramFiles(x86)%\Python3*`
//!
//! With `--root DIR`, only environments under those folders are reported
//! (walked and pruned: see `walk`), plus any `--python` interpreters.
//!
//! **certpatch's own environment** — the venv pipx or uv installed certpatch in,
//! holding the running executable and no certifi (see `own`) — is left out of
//! `find` and `--all` without `--root` (a note says so), and passed over by the
//! active environment. It is a target only when named: `--env`, `--python`,
//! `--bundle`, or a `--root` that holds it.
//!
//! # What an environment is, and where its bundles are
//!
//! An environment is recognised without walking it: `pyvenv.cfg` (venv),
//! `conda-meta/` (conda prefix), or an install root (`bin/python*` or
//! `Scripts\python.exe`/`python.exe` with `lib/python*`/`Lib`, or just
//! `lib/python3.*/site-packages`). Unix and Windows layouts are recognised on
//! every platform. Inside, only known places are probed, in each
//! `site-packages`/`dist-packages` folder: the folder's top level is listed
//! once, and each top-level package's own listing tells which vendored places
//! (`_vendor/`, `vendored/`, `cacert.pem`, …) to look at. Nothing deeper is
//! listed.
//!
//! # Kinds
//!
//! | kind | where |
//! | --- | --- |
//! | `certifi` | `<site-packages>/certifi/cacert.pem` |
//! | `pip-vendored` | `<site-packages>/pip/_vendor/certifi/cacert.pem` |
//! | `conda` | `<prefix>/ssl/cacert.pem` (`Library\ssl` on Windows) of a prefix with `conda-meta/` |
//! | `botocore` | `<site-packages>/botocore/cacert.pem` |
//! | `other` | `<pkg>/cacert.pem`, `<pkg>/certifi/cacert.pem`, `<pkg>/{_vendor,vendor,vendored,_vendored,extern,_extern}/certifi/cacert.pem`, pipenv's patched pip; with `--root`, any `cacert.pem` outside an environment |
//!
//! **The bundle rule.** A file at a `certifi`, `pip-vendored`, `conda` or
//! `botocore` place is always a bundle. Any other `cacert.pem` is a bundle
//! only if it holds at least two `-----BEGIN CERTIFICATE-----` lines, or one
//! with a certifi-style `# Issuer:` header: a lone test certificate named
//! `cacert.pem` is not a bundle. Each real file is reported once (symlinks
//! resolved, hard links matched by device and inode).
//!
//! A certifi that uses the operating system's store is not a bundle certpatch
//! patches — its `cacert.pem` resolves into `/etc/ssl`, `/etc/pki`, … (Fedora),
//! or its `core.py` was patched to return such a path (Debian's pip), or the
//! interpreter's `where()` says so: it becomes a [`Note`] pointing to
//! `update-ca-certificates` / `update-ca-trust`.
//!
//! # Asking an interpreter
//!
//! `--python EXE` runs `EXE -I -c <script>` (Python 2.7: `-E -s`) with no
//! standard input, without `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`,
//! `SSL_CERT_FILE`, `SSL_CERT_DIR`, `PIP_CERT` in its environment, killed
//! after 10 s (`Host::with_interpreter_timeout`). It reports
//! `certifi.where()` and `pip._vendor.certifi.where()`; a `where()` in the
//! system store or a temporary copy extracted from a zip becomes a [`Note`].
//! When the interpreter fails, hangs, or cannot import certifi, its layout is
//! read instead.
//!
//! # Keeping the host out: `CERTPATCH_HOST_ROOT`
//!
//! Everything discovery reads from outside goes through a [`Host`]: the
//! environment variables, the home folder (`HOME`, else `USERPROFILE`), the
//! current folder, and a filesystem root. With `CERTPATCH_HOST_ROOT=DIR`, every
//! fixed absolute system location (`/usr/...`, `/opt/...`, `/Library/...`,
//! `/etc/ssl`, …) is looked up under `DIR` instead of `/`. Locations that come
//! from variables (`HOME`, `PATH`, `PYENV_ROOT`, `LOCALAPPDATA`, …) are not
//! moved: point those into the fake tree too. Tests build their [`Host`] with
//! `Host::for_tests`, which reads nothing from the process, so the
//! machine's real Pythons never appear in them.
//!
//! # Layer
//!
//! This layer may import [`crate::bundle`] and [`crate::x509`]; never
//! `target`, `store`, `accept` or `cli`, and it prints nothing (notes are
//! values).

mod active;
pub mod apps;
pub mod clients;
mod collect;
pub mod host;
pub mod interpreter;
pub mod kinds;
pub mod layout;
mod overrides;
mod own;
pub mod pyload;
pub mod sources;
#[cfg(test)]
mod testutil;
pub mod trust;
mod walk;

use std::path::{Path, PathBuf};

pub use active::{active_environment, Environment};
pub use apps::{serves, Program};
pub use collect::at_least_3_13;
pub use host::Host;
pub use kinds::Kind;
pub use overrides::{findings, overrides, Finding, Override};
pub use own::own_environment;
pub use sources::Source;

use collect::{canonical, Collector};

/// One bundle found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundBundle {
    /// The file, with symlinks resolved.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// The environment it belongs to (resolved), when known.
    pub environment: Option<PathBuf>,
    /// How it was found.
    pub source: Source,
    /// The program it serves when that is not just its environment's Python: `gcloud`,
    /// `az`, `aws` (inside their install folders), `grpcio`, `httplib2` ([`serves`]).
    pub serves: Option<Program>,
    /// The interpreter that uses it, when discovery knows one (`--python`, `--env`, the
    /// active environment): the bundle must load in it before certpatch installs a change.
    pub interpreter: Option<PathBuf>,
    /// The Python version (`3.12.1`) of the interpreter that said where this bundle is,
    /// when discovery asked one (else read from an install layout's `lib/pythonX.Y`, or
    /// unknown).
    pub python_version: Option<String>,
    /// Why certpatch must not patch it (nor read it), when it must not: a path that
    /// resolves outside its environment, or a file not owned by the environment's owner.
    pub refusal: Option<String>,
}

/// Something the user must know about: a system store that certpatch will
/// not patch, a temporary copy that patching would not help, an interpreter
/// that failed or timed out, a folder that is not an environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The file or folder it is about.
    pub path: Option<PathBuf>,
    /// What to tell the user (says what to do, where there is something).
    pub message: String,
}

/// What discovery found: bundles in order, and notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Bundles, each real file once, in source order.
    pub bundles: Vec<FoundBundle>,
    /// Notes, each once.
    pub notes: Vec<Note>,
}

impl Found {
    /// Adds what `other` found that this does not have yet (bundles by
    /// path, notes by content).
    pub fn extend(&mut self, other: Found) {
        for b in other.bundles {
            if !self.bundles.iter().any(|x| x.path == b.path) {
                self.bundles.push(b);
            }
        }
        for n in other.notes {
            if !self.notes.contains(&n) {
                self.notes.push(n);
            }
        }
    }
}

/// `--env DIR`: every bundle inside one environment — a venv, a conda
/// prefix, a Python install root (Unix or Windows layout), or a
/// site-packages folder given directly.
pub fn bundles_in_env(host: &Host, dir: &Path, source: Source) -> Found {
    let dir = host.absolute(dir);
    let mut c = Collector::new(host);
    if !dir.is_dir() {
        c.note(
            Some(&dir),
            format!(
                "{} is not a folder; `--env` takes an environment's folder",
                crate::x509::text::path_text(&dir)
            ),
        );
        return c.finish();
    }
    if layout::recognise(&dir).is_some() {
        c.probe(&dir, &source);
        system_site_certifi(&mut c, &dir, &source);
    } else if layout::is_site_packages_dir(&dir) {
        c.site(&dir, &dir, &source);
    } else {
        c.probe(&dir, &source);
        if c.counts().0 == 0 {
            // A project folder is the usual mistake: point at the environment inside it.
            let inside = [".venv", "venv", "env", ".env"]
                .iter()
                .map(|name| dir.join(name))
                .find(|d| layout::recognise(d).is_some());
            let suggestion = match inside {
                Some(env) => format!(
                    "did you mean `--env {}`?",
                    crate::x509::text::shell_path(&env)
                ),
                None => {
                    "name its interpreter with `--python`, or a bundle with `--bundle`".to_string()
                }
            };
            c.note(
                Some(&dir),
                format!(
                    "{} does not look like a Python environment (no `pyvenv.cfg`, `conda-meta/`, \
                     `bin/python3`, `Scripts\\python.exe` or `lib/python3.X/site-packages`); \
                     {suggestion}",
                    dir.display()
                ),
            );
        }
        return c.finish();
    }
    if c.counts() == (0, 0) {
        c.note(
            Some(&dir),
            format!(
                "{} has no bundle: neither certifi nor pip is installed in it",
                dir.display()
            ),
        );
    }
    c.finish()
}

/// The scope guard. A venv made with `--system-site-packages` and no certifi of its own
/// imports the base install's certifi — a bundle outside the environment the user named,
/// shared by every environment built on that base. It is not taken as this environment's
/// bundle: it is skipped with a note naming the `--bundle` and `--python` that patch it on
/// purpose.
fn system_site_certifi(c: &mut Collector<'_>, venv: &Path, _source: &Source) {
    let Some(cfg) = kinds::read_text(&venv.join("pyvenv.cfg")) else {
        return;
    };
    // pyvenv.cfg is not INI: split each line at the first `=`.
    let value = |key: &str| {
        cfg.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().to_string())
        })
    };
    let shares =
        value("include-system-site-packages").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let has_own = c
        .bundles()
        .iter()
        .any(|b| b.kind == Kind::Certifi && b.environment.as_deref() == Some(&canonical(venv)));
    let Some(home) = value("home").filter(|_| shares && !has_own) else {
        return;
    };
    // `home` is the base interpreter's folder (`/usr/bin`, `C:\Python312`).
    let home = PathBuf::from(home);
    let base = if home.file_name().is_some_and(|n| n == "bin") {
        home.parent().map(Path::to_path_buf).unwrap_or(home.clone())
    } else {
        home.clone()
    };
    let python = ["python3", "python", "python.exe"]
        .iter()
        .map(|n| home.join(n))
        .find(|p| p.exists())
        .unwrap_or_else(|| home.join("python3"));
    for sp in layout::site_packages_dirs(&base) {
        for (path, kind) in layout::probe_site_packages(&sp) {
            if kind == Kind::Certifi {
                c.note(
                    Some(&path),
                    format!(
                        "skipped: {} was made with --system-site-packages and has no certifi of its own, so it uses the base install's bundle {}, which is outside it and shared by every environment built on {}; certpatch does not change it for this environment. To patch it on purpose, name it: --bundle {} (or --python {}), or install certifi into the environment (`{} -m pip install certifi`) and patch that",
                        venv.display(),
                        path.display(),
                        base.display(),
                        crate::x509::text::shell_path(&path),
                        crate::x509::text::shell_path(&python),
                        crate::x509::text::shell_path(&venv.join("bin/python"))
                    ),
                );
            }
        }
    }
}

/// `--python EXE`: the bundles that interpreter uses — certifi's and pip's
/// vendored certifi — by asking it, or from its layout when it cannot say.
/// A bare name (`python3.12`) is looked up on `PATH`.
pub fn bundles_of_python(host: &Host, exe: &Path) -> Found {
    let mut c = Collector::new(host);
    interpreter::collect(&mut c, exe, &Source::PythonArg);
    used_by(c.finish(), Some(interpreter::resolve_exe(host, exe)))
}

/// `found` with `exe` as the interpreter of each bundle.
fn used_by(mut found: Found, exe: Option<PathBuf>) -> Found {
    for b in &mut found.bundles {
        b.interpreter.clone_from(&exe);
    }
    found
}

/// The bundles of an environment from [`active_environment`]: an interpreter
/// found on `PATH` is asked (as with `--python`); any other environment is
/// read (as with `--env`).
pub fn bundles_of_environment(host: &Host, env: &Environment) -> Found {
    match (&env.source, &env.interpreter) {
        (Source::PathPython, Some(exe)) => {
            let mut c = Collector::new(host);
            interpreter::collect(&mut c, exe, &Source::PathPython);
            used_by(c.finish(), Some(interpreter::resolve_exe(host, exe)))
        }
        _ => used_by(
            bundles_in_env(host, &env.root, env.source.clone()),
            env.interpreter.clone(),
        ),
    }
}

/// Looks at one place named by a source. (Here, not in `collect`, so that the collector
/// does not import the walk and the interpreter query that feed it.)
fn look_at(c: &mut Collector<'_>, place: &sources::Place, source: &Source) {
    match place {
        sources::Place::Root(root) => {
            if root.is_dir() && c.first_visit(root) && !passed_over(c, root, source) {
                c.probe(root, source);
            }
        }
        sources::Place::Site(sp, env) => {
            if !passed_over(c, env, source) {
                c.site(sp, env, source);
            }
        }
        sources::Place::Walk(dir, depth) => {
            if !(dir.is_dir() && passed_over(c, dir, source)) {
                walk::walk(c, dir, source, Some(*depth));
            }
        }
        sources::Place::App(root, app) => {
            if !c.first_visit(root) {
                return;
            }
            // Like an environment found by itself: an install folder in other hands than
            // root's and this user's is no implicit target (its bundles can still be
            // named with --bundle, and its Python is only ever run as its owner).
            if let Some(why) = trust::implicit_environment_refusal(root) {
                if !c.first_refusal(&why) {
                    return;
                }
                c.note(
                    Some(root),
                    format!(
                        "{}'s install folder is not searched: {why}; or name its bundles with --bundle",
                        apps::Program::from(*app)
                    ),
                );
                return;
            }
            app_places(c, root, *app, source);
            for env in apps::inner_envs(*app, root) {
                if env == *root {
                    c.probe(root, source);
                    continue;
                }
                // The install folder in root's hands does not vouch for what is inside it:
                // gcloud's bundled Python made by another user (in a `platform/` left
                // writable, or handed over) is an environment found by itself too.
                if std::fs::symlink_metadata(&env).is_err() {
                    continue;
                }
                if let Some(why) = trust::implicit_environment_refusal(&env) {
                    if !c.first_refusal(&why) {
                        continue;
                    }
                    c.note(
                        Some(&env),
                        format!(
                            "{}'s bundled Python is not searched: {why}; or name its bundles with --bundle",
                            apps::Program::from(*app)
                        ),
                    );
                    continue;
                }
                c.env(&env, source);
            }
        }
        sources::Place::Env(root) if passed_over(c, root, source) => {}
        sources::Place::Env(root) => {
            c.env(root, source);
        }
        sources::Place::Interpreter(exe) => {
            let root = layout::prefix_of_exe(exe);
            // The folder above `bin/` when the layout does not say (the usual prefix).
            let judged = root
                .clone()
                .or_else(|| exe.parent().and_then(Path::parent).map(Path::to_path_buf));
            if judged.is_some_and(|r| passed_over(c, &r, source)) {
                return;
            }
            match root {
                Some(root) => {
                    c.env(&root, source);
                }
                None => interpreter::collect(c, exe, source),
            }
        }
    }
}

/// Whether the environment `root`, named by a source that finds it by itself from the
/// user's settings (`$VIRTUAL_ENV`, `$CONDA_PREFIX`, a `.venv`, the `python3`s on `PATH`),
/// is passed over for being in other hands, as the active environment is
/// ([`trust::implicit_environment_refusal`]); a note says why, once per reason.
///
/// As root, the same holds for every place found from `HOME` and the user's variables
/// (pyenv, conda, pipx, uv, Poetry, Pipenv, Hatch, `WORKON_HOME`, the user site) and for
/// installs a user may own (Homebrew, python.org's macOS and Windows folders): `sudo -E`
/// keeps the invoking user's `HOME`, and root's `find` and `--all` must not take that
/// user's environments as root's own (named with `--env`, they are still patched).
fn passed_over(c: &mut Collector<'_>, root: &Path, source: &Source) -> bool {
    let set_by_user = matches!(
        source,
        Source::VirtualEnv | Source::CondaPrefix | Source::DotVenv | Source::PathPython
    );
    let from_home_as_root = crate::os::euid() == 0
        && matches!(
            source,
            Source::Pyenv
                | Source::Conda
                | Source::Pipx
                | Source::UvTool
                | Source::UvPython
                | Source::Poetry
                | Source::Pipenv
                | Source::Hatch
                | Source::WorkonHome
                | Source::UserSite
                | Source::MacFramework
                | Source::Homebrew
                | Source::WindowsInstall
        );
    if !(set_by_user || from_home_as_root) {
        return false;
    }
    let Some(why) = trust::implicit_environment_refusal(root) else {
        return false;
    };
    if c.first_refusal(&why) {
        c.note(Some(root), format!("not searched ({source}): {why}"));
    }
    true
}

/// The bundles at an application's fixed places in its install folder `root` (nothing is
/// walked there), each of the application's environment: its owner's.
pub(crate) fn app_places(c: &mut Collector<'_>, root: &Path, app: apps::App, source: &Source) {
    for (rel, kind) in apps::fixed_places(app) {
        let p = host::join_rel(root, rel);
        if std::fs::symlink_metadata(&p).is_ok() {
            c.candidate(&p, *kind, Some(root), source);
        }
    }
}

/// `find` and `--all`. With no `roots` and no `pythons`: every source, in
/// [`Source::SEARCH_ORDER`], without certpatch's own environment
/// ([`own_environment`]; a note says it was left out). Otherwise only the
/// environments under `roots` (walked, pruned) and the bundles of `pythons`
/// (asked), in that order.
pub fn find_all(host: &Host, roots: &[PathBuf], pythons: &[PathBuf]) -> Found {
    let mut c = Collector::new(host);
    if roots.is_empty() && pythons.is_empty() {
        for source in Source::SEARCH_ORDER {
            for place in sources::places(host, &source) {
                look_at(&mut c, &place, &source);
            }
        }
        if let Some(own) = own_environment(host) {
            let mut found = c.finish();
            let before = found.bundles.len();
            found
                .bundles
                .retain(|b| b.environment.as_deref() != Some(own.as_path()));
            if found.bundles.len() < before {
                found.notes.push(Note {
                    path: Some(own.clone()),
                    message: format!(
                        "not listed: certpatch's own environment (where this `certpatch` is installed as a tool; it has no certifi, so no project uses it); name it with `--env {}` if you mean it",
                        crate::x509::text::shell_path(&own)
                    ),
                });
            }
            return found;
        }
    } else {
        for root in roots {
            walk::walk(&mut c, root, &Source::Root, None);
        }
        for exe in pythons {
            interpreter::collect(&mut c, exe, &Source::PythonArg);
        }
    }
    c.finish()
}

/// `--bundle FILE`: the file as a found bundle, its kind from its place
/// (`other` when the place is not a known one: the user named it, so the
/// bundle rule does not apply) and its environment from the nearest
/// recognised parent folder. A relative path is taken from the process's
/// current folder. The file is not checked here; the caller reads it.
pub fn named_bundle(file: &Path) -> FoundBundle {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let environment = file
        .ancestors()
        .skip(1)
        .take(8)
        // `/` looks like a Python install on most systems; it is not the environment of
        // a bundle somewhere under it.
        .find(|d| d.parent().is_some() && layout::recognise(d).is_some())
        .map(canonical);
    let kind = apps::kind_of(&canonical(&file));
    FoundBundle {
        kind,
        serves: apps::serves(&canonical(&file), kind),
        path: canonical(&file),
        environment,
        source: Source::BundleArg,
        interpreter: None,
        python_version: None,
        refusal: None,
    }
}

/// What stands against patching a file named with `--bundle`: `Err` when it is the
/// operating system's store (certpatch does not patch it: the distribution's tool owns it
/// and would overwrite a patch), `Ok(Some(note))` when patching it would have no effect
/// (a certifi whose `where()` was patched to return the system store).
pub fn named_bundle_check(host: &Host, bundle: &FoundBundle) -> Result<Option<String>, String> {
    if kinds::in_system_store(host, &bundle.path) {
        return Err(format!(
            "`{}` is the operating system's trust store; {}",
            bundle.path.display(),
            kinds::SYSTEM_STORE_ADVICE
        ));
    }
    Ok(kinds::patched_to_system_store(&bundle.path).map(|store| {
        format!(
            "{} is not used: the `where()` beside it returns the operating system's store {} (a distribution-patched certifi), so patching it changes nothing; use `update-ca-certificates` (or your distribution's equivalent) instead",
            bundle.path.display(),
            store.display()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    /// A fake machine: a home folder and a system root, with one environment
    /// per source.
    struct Machine {
        _tmp: tempfile::TempDir,
        base: PathBuf,
        home: PathBuf,
        sys: PathBuf,
    }

    impl Machine {
        fn new() -> Machine {
            let tmp = tempfile::tempdir().unwrap();
            let base = canonical_tmp(tmp.path());
            let home = base.join("home/u");
            let sys = base.join("sysroot");
            mkdirs(&home);
            mkdirs(&sys);
            Machine {
                _tmp: tmp,
                base,
                home,
                sys,
            }
        }

        fn host(&self, env: &[(&str, String)]) -> Host {
            let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let home = self.home.display().to_string();
            vars.push(("HOME", &home));
            Host::for_tests(&self.sys, &vars, &self.home)
        }
    }

    fn s(p: &Path) -> String {
        p.display().to_string()
    }

    fn sources_of(found: &Found) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        for b in &found.bundles {
            if out.last() != Some(&b.source) {
                out.push(b.source.clone());
            }
        }
        out
    }

    fn envs_of(found: &Found, source: Source) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for b in found.bundles.iter().filter(|b| b.source == source) {
            let e = b.environment.clone().unwrap();
            if !out.contains(&e) {
                out.push(e);
            }
        }
        out
    }

    #[cfg(unix)] // a Unix machine: `bin/python3` on PATH (Windows runs only PATHEXT names)
    #[test]
    fn every_source_in_order() {
        let m = Machine::new();
        let h = &m.home;
        let venv = make_venv(&m.base, "active-venv", "3.12");
        let conda_prefix = make_conda(&m.base, "active-conda", "3.11");
        let dot = make_venv(h, ".venv", "3.12");
        let on_path = make_install(&m.base, "opt-python", "3.13");
        let pyenv = make_install(&h.join(".pyenv/versions"), "3.10.13", "3.10");
        let pyenv_venv = make_venv(&pyenv.join("envs"), "tools", "3.10");
        let miniconda = make_conda(h, "miniconda3", "3.12");
        let conda_env = make_conda(&miniconda.join("envs"), "ds", "3.11");
        let listed = make_conda(&m.base, "elsewhere-conda", "3.9");
        std::fs::write(
            h.join(".conda/environments.txt").tap_mkdir(),
            format!("{}\n{}\n", listed.display(), miniconda.display()),
        )
        .unwrap();
        let opt_conda = make_conda(&m.sys.join("opt"), "conda", "3.12");
        let pipx = make_venv(&h.join(".local/share/pipx/venvs"), "httpie", "3.12");
        let uv_tool = make_venv(&h.join(".local/share/uv/tools"), "ruff", "3.12");
        let uv_python = make_install(
            &h.join(".local/share/uv/python"),
            "cpython-3.12.1-linux-x86_64-gnu",
            "3.12",
        );
        mkdirs(&h.join(".local/share/uv/python/.lock"));
        let poetry = make_venv(
            &h.join(".cache/pypoetry/virtualenvs"),
            "app-AbC-py3.12",
            "3.12",
        );
        let pipenv = make_venv(&h.join(".local/share/virtualenvs"), "proj-x1y2", "3.12");
        let hatch = make_venv(
            &h.join(".local/share/hatch/env/virtual/proj/Hash1"),
            "default",
            "3.12",
        );
        let workon = make_venv(&h.join(".virtualenvs"), "work", "3.12");
        write_bundle(
            &h.join(".local/lib/python3.12/site-packages/certifi/cacert.pem"),
            3,
        );
        let usr_sp = m.sys.join("usr/lib/python3/dist-packages");
        write_bundle(&usr_sp.join("certifi/cacert.pem"), 3);
        write_bundle(
            &m.sys
                .join("usr/local/lib/python3.11/dist-packages/botocore/cacert.pem"),
            3,
        );
        let framework = make_install(
            &m.sys.join("Library/Frameworks/Python.framework/Versions"),
            "3.12",
            "3.12",
        );
        let brew = make_install(
            &m.sys.join(
                "opt/homebrew/Cellar/python@3.12/3.12.1/Frameworks/Python.framework/Versions",
            ),
            "3.12",
            "3.12",
        );
        let localappdata = m.base.join("AppData/Local");
        let win = make_windows_install(&localappdata.join("Programs/Python"), "Python312");

        let host = m.host(&[
            ("VIRTUAL_ENV", s(&venv)),
            ("CONDA_PREFIX", s(&conda_prefix)),
            ("PATH", s(&on_path.join("bin"))),
            ("LOCALAPPDATA", s(&localappdata)),
        ]);
        let found = find_all(&host, &[], &[]);
        assert_eq!(
            sources_of(&found),
            vec![
                Source::VirtualEnv,
                Source::CondaPrefix,
                Source::DotVenv,
                Source::PathPython,
                Source::Pyenv,
                Source::Conda,
                Source::Pipx,
                Source::UvTool,
                Source::UvPython,
                Source::Poetry,
                Source::Pipenv,
                Source::Hatch,
                Source::WorkonHome,
                Source::UserSite,
                Source::System,
                Source::MacFramework,
                Source::Homebrew,
                Source::WindowsInstall,
            ]
        );
        let c = |p: &Path| canonical_tmp(p);
        assert_eq!(envs_of(&found, Source::VirtualEnv), vec![c(&venv)]);
        assert_eq!(
            envs_of(&found, Source::Pyenv),
            vec![c(&pyenv), c(&pyenv_venv)]
        );
        assert_eq!(
            envs_of(&found, Source::Conda),
            vec![c(&listed), c(&miniconda), c(&conda_env), c(&opt_conda)]
        );
        assert_eq!(envs_of(&found, Source::DotVenv), vec![c(&dot)]);
        assert_eq!(envs_of(&found, Source::PathPython), vec![c(&on_path)]);
        assert_eq!(envs_of(&found, Source::Pipx), vec![c(&pipx)]);
        assert_eq!(envs_of(&found, Source::UvTool), vec![c(&uv_tool)]);
        assert_eq!(envs_of(&found, Source::UvPython), vec![c(&uv_python)]);
        assert_eq!(envs_of(&found, Source::Poetry), vec![c(&poetry)]);
        assert_eq!(envs_of(&found, Source::Pipenv), vec![c(&pipenv)]);
        assert_eq!(envs_of(&found, Source::Hatch), vec![c(&hatch)]);
        assert_eq!(envs_of(&found, Source::WorkonHome), vec![c(&workon)]);
        assert_eq!(
            envs_of(&found, Source::UserSite),
            vec![c(&h.join(".local"))]
        );
        assert_eq!(
            envs_of(&found, Source::System),
            vec![c(&m.sys.join("usr")), c(&m.sys.join("usr/local"))]
        );
        assert_eq!(envs_of(&found, Source::MacFramework), vec![c(&framework)]);
        assert_eq!(envs_of(&found, Source::Homebrew), vec![c(&brew)]);
        assert_eq!(envs_of(&found, Source::WindowsInstall), vec![c(&win)]);
        // Kinds: the conda prefix's own bundle comes first.
        let active_conda: Vec<Kind> = found
            .bundles
            .iter()
            .filter(|b| b.source == Source::CondaPrefix)
            .map(|b| b.kind)
            .collect();
        assert_eq!(active_conda, vec![Kind::Conda, Kind::Certifi]);
        assert!(found
            .bundles
            .iter()
            .any(|b| b.kind == Kind::Botocore && b.source == Source::System));
        // Each file once.
        let mut paths: Vec<&PathBuf> = found.bundles.iter().map(|b| &b.path).collect();
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        assert!(found.bundles.iter().all(|b| b.path.starts_with(&m.base)));
    }

    #[test]
    fn debian_patched_pip_is_a_note_not_a_bundle() {
        let m = Machine::new();
        let vendored = m
            .sys
            .join("usr/lib/python3/dist-packages/pip/_vendor/certifi");
        write_bundle(&vendored.join("cacert.pem"), 3);
        std::fs::write(
            vendored.join("core.py"),
            "DEBIAN_CA_CERTS_PATH = '/etc/ssl/certs/ca-certificates.crt'\n",
        )
        .unwrap();
        let found = find_all(&m.host(&[]), &[], &[]);
        assert!(found.bundles.is_empty(), "{:?}", found.bundles);
        assert_eq!(found.notes.len(), 1);
        assert!(found.notes[0]
            .message
            .contains("/etc/ssl/certs/ca-certificates.crt"));
        assert!(found.notes[0].message.contains("update-ca-certificates"));
    }

    #[test]
    fn variables_move_tool_folders() {
        let m = Machine::new();
        let pyenv_root = m.base.join("pyenv");
        let v = make_install(&pyenv_root.join("versions"), "3.8.18", "3.8");
        make_install(&m.home.join(".pyenv/versions"), "3.9.0", "3.9"); // ignored: PYENV_ROOT wins
        let pipx = make_venv(&m.base.join("pipx/venvs"), "black", "3.12");
        let uvt = make_venv(&m.base.join("uvtools"), "ruff", "3.12");
        let uvp = make_install(&m.base.join("uvpy"), "cpython-3.11", "3.11");
        let workon = make_venv(&m.base.join("workon"), "w", "3.12");
        let poetry = make_venv(&m.base.join("poetry"), "p", "3.12");
        let hatch = make_venv(&m.base.join("hatchdata/env/virtual/p/h"), "test", "3.12");
        let xdg = make_venv(&m.base.join("xdg/virtualenvs"), "pipenv-env", "3.12");
        let host = m.host(&[
            ("PYENV_ROOT", s(&pyenv_root)),
            ("PIPX_HOME", s(&m.base.join("pipx"))),
            ("UV_TOOL_DIR", s(&m.base.join("uvtools"))),
            ("UV_PYTHON_INSTALL_DIR", s(&m.base.join("uvpy"))),
            ("WORKON_HOME", s(&m.base.join("workon"))),
            ("POETRY_VIRTUALENVS_PATH", s(&m.base.join("poetry"))),
            ("HATCH_DATA_DIR", s(&m.base.join("hatchdata"))),
            ("XDG_DATA_HOME", s(&m.base.join("xdg"))),
        ]);
        let found = find_all(&host, &[], &[]);
        assert_eq!(envs_of(&found, Source::Pyenv), vec![v]);
        assert_eq!(envs_of(&found, Source::Pipx), vec![pipx]);
        assert_eq!(envs_of(&found, Source::UvTool), vec![uvt]);
        assert_eq!(envs_of(&found, Source::UvPython), vec![uvp]);
        assert_eq!(envs_of(&found, Source::WorkonHome), vec![workon]);
        assert_eq!(envs_of(&found, Source::Poetry), vec![poetry]);
        assert_eq!(envs_of(&found, Source::Hatch), vec![hatch]);
        assert_eq!(envs_of(&found, Source::Pipenv), vec![xdg]);
    }

    #[test]
    fn find_leaves_out_certpatchs_own_tool_environment_unless_under_a_root() {
        let m = Machine::new();
        let pipx = m.home.join(".local/share/pipx/venvs");
        let tool = make_tool_venv(&pipx, "certpatch", "3.12");
        let httpie = make_venv(&pipx, "httpie", "3.12");
        let host = m.host(&[]).with_own_exe(Some(tool.join("bin/certpatch")));
        let found = find_all(&host, &[], &[]);
        assert_eq!(envs_of(&found, Source::Pipx), vec![httpie.clone()]);
        assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
        assert_eq!(found.notes[0].path, Some(tool.clone()));
        assert!(
            found.notes[0].message.contains("--env"),
            "{:?}",
            found.notes
        );
        // Another certpatch (a second pipx install) does not hide this one.
        let other = make_tool_venv(&m.base, "other-tool", "3.12");
        let host = m.host(&[]).with_own_exe(Some(other.join("bin/certpatch")));
        let found = find_all(&host, &[], &[]);
        assert_eq!(envs_of(&found, Source::Pipx), vec![tool.clone(), httpie]);
        assert!(found.notes.is_empty(), "{:?}", found.notes);
        // Named by a root that holds it, it is listed.
        let host = m.host(&[]).with_own_exe(Some(tool.join("bin/certpatch")));
        let found = find_all(&host, std::slice::from_ref(&pipx), &[]);
        assert!(
            found
                .bundles
                .iter()
                .any(|b| b.environment.as_ref() == Some(&tool)),
            "{found:?}"
        );
        // And with --env.
        let found = bundles_in_env(&host, &tool, Source::EnvArg);
        assert_eq!(kinds(&found), vec![Kind::PipVendored]);
    }

    #[test]
    // (was Unix only while Windows judged no owner)
    fn first_source_wins_for_one_environment() {
        let m = Machine::new();
        let dot = make_venv(&m.home, ".venv", "3.12");
        let host = m.host(&[("VIRTUAL_ENV", s(&dot)), ("PATH", s(&dot.join("bin")))]);
        let found = find_all(&host, &[], &[]);
        assert_eq!(sources_of(&found), vec![Source::VirtualEnv]);
        assert_eq!(found.bundles.len(), 2);
    }

    #[test]
    fn windows_layouts() {
        let m = Machine::new();
        let wvenv = make_windows_venv(&m.base, "winvenv");
        let found = bundles_in_env(&m.host(&[]), &wvenv, Source::EnvArg);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert_eq!(found.bundles[0].source, Source::EnvArg);

        let conda = m.base.join("WinConda");
        mkdirs(&conda.join("conda-meta"));
        write_exe(&conda.join("python.exe"), "MZ");
        write_bundle(&conda.join("Library/ssl/cacert.pem"), 3);
        write_bundle(&conda.join("Lib/site-packages/certifi/cacert.pem"), 3);
        let found = bundles_in_env(&m.host(&[]), &conda, Source::EnvArg);
        assert_eq!(kinds(&found), vec![Kind::Conda, Kind::Certifi]);

        let appdata = m.base.join("AppData/Roaming");
        write_bundle(
            &appdata.join("Python/Python312/site-packages/certifi/cacert.pem"),
            3,
        );
        let pf = m.base.join("Program Files");
        make_windows_install(&pf, "Python311");
        let host = m.host(&[("APPDATA", s(&appdata)), ("ProgramFiles", s(&pf))]);
        let found = find_all(&host, &[], &[]);
        assert_eq!(
            sources_of(&found),
            vec![Source::UserSite, Source::WindowsInstall]
        );
    }

    #[test]
    fn bundles_in_env_takes_every_kind() {
        let m = Machine::new();
        let venv = make_venv(&m.base, "v", "3.12");
        let sp = venv.join("lib/python3.12/site-packages");
        write_bundle(&sp.join("botocore/cacert.pem"), 3);
        write_bundle(&sp.join("sdk/_vendor/certifi/cacert.pem"), 3);
        let found = bundles_in_env(&m.host(&[]), &venv, Source::EnvArg);
        assert_eq!(
            kinds(&found),
            vec![
                Kind::Certifi,
                Kind::PipVendored,
                Kind::Botocore,
                Kind::Other
            ]
        );
        // A site-packages folder given directly.
        let found = bundles_in_env(&m.host(&[]), &sp, Source::EnvArg);
        assert_eq!(found.bundles.len(), 4);
    }

    #[test]
    fn bundles_in_env_explains_what_it_did_not_find() {
        let m = Machine::new();
        let host = m.host(&[]);
        let found = bundles_in_env(&host, &m.base.join("missing"), Source::EnvArg);
        assert!(found.notes[0].message.contains("is not a folder"));
        mkdirs(&m.base.join("plain"));
        let found = bundles_in_env(&host, &m.base.join("plain"), Source::EnvArg);
        assert!(found.notes[0]
            .message
            .contains("does not look like a Python environment"));
        let empty = m.base.join("empty-venv");
        mkdirs(&empty.join("lib/python3.12/site-packages"));
        std::fs::write(empty.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        let found = bundles_in_env(&host, &empty, Source::EnvArg);
        assert!(found.notes[0].message.contains("neither certifi nor pip"));
    }

    // (was Unix only while Windows judged no owner)
    #[test]
    fn active_environment_bundles() {
        let m = Machine::new();
        let venv = make_venv(&m.base, "v", "3.12");
        let host = m.host(&[("VIRTUAL_ENV", s(&venv))]);
        let env = active_environment(&host).unwrap();
        let found = bundles_of_environment(&host, &env);
        assert_eq!(kinds(&found), vec![Kind::Certifi, Kind::PipVendored]);
        assert_eq!(found.bundles[0].source, Source::VirtualEnv);
    }

    #[test]
    fn named_bundle_finds_its_environment() {
        let m = Machine::new();
        let venv = make_venv(&m.base, "v", "3.12");
        let pem = venv.join("lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem");
        let b = named_bundle(&pem);
        assert_eq!(b.kind, Kind::PipVendored);
        assert_eq!(b.environment, Some(venv));
        assert_eq!(b.source, Source::BundleArg);
    }

    #[test]
    fn host_root_hides_the_real_system() {
        // An empty fake machine finds nothing, even though this machine may
        // have Pythons in /usr, /opt and ~/.pyenv.
        let m = Machine::new();
        let found = find_all(&m.host(&[]), &[], &[]);
        assert_eq!(found, Found::default());
    }

    #[test]
    // (was Unix only while Windows judged no owner)
    fn application_installs_are_found_by_default_with_the_program_they_serve() {
        let m = Machine::new();
        // The Google Cloud SDK (Debian's package), with its bundled Python.
        let sdk = m.sys.join("usr/lib/google-cloud-sdk");
        std::fs::create_dir_all(sdk.join("bin")).unwrap();
        std::fs::create_dir_all(sdk.join("lib")).unwrap();
        std::fs::write(sdk.join("lib/gcloud.py"), "").unwrap();
        for rel in [
            "lib/third_party/certifi/cacert.pem",
            "lib/third_party/botocore/cacert.pem",
            "platform/bq/third_party/certifi/cacert.pem",
            "platform/gsutil/third_party/certifi/certifi/cacert.pem",
            "platform/google_appengine/lib/certifi/certifi/cacert.pem",
            // a test server's CA in a vendored urllib3: not a bundle anyone trusts
            "platform/gsutil/third_party/urllib3/dummyserver/certs/cacert.pem",
        ] {
            write_bundle(&sdk.join(rel), 3);
        }
        let bundled = make_install(&sdk.join("platform"), "bundledpythonunix", "3.12");
        let bsp = bundled.join("lib/python3.12/site-packages");
        write_bundle(&bsp.join("grpc/_cython/_credentials/roots.pem"), 3);
        // The Azure CLI: /opt/az, a Python install with azure-cli in it.
        let az = make_install(&m.sys.join("opt"), "az", "3.12");
        let azsp = az.join("lib/python3.12/site-packages");
        mkdirs(&azsp.join("azure/cli"));
        std::fs::write(azsp.join("azure/cli/__main__.py"), "").unwrap();
        // The AWS CLI v2: a frozen dist folder.
        let dist = m.sys.join("usr/local/aws-cli/v2/current/dist");
        write_bundle(&dist.join("awscli/botocore/cacert.pem"), 3);
        write_bundle(&dist.join("certifi/cacert.pem"), 3);
        std::fs::write(dist.join("aws"), "").unwrap();

        let found = find_all(&m.host(&[]), &[], &[]);
        let got: Vec<(String, &str, Option<&str>)> = found
            .bundles
            .iter()
            .filter(|b| b.source == Source::Application)
            .map(|b| {
                let rel = b
                    .path
                    .strip_prefix(canonical_tmp(&m.sys))
                    .unwrap()
                    .display()
                    .to_string()
                    .replace('\\', "/");
                (rel, b.kind.as_str(), b.serves.map(Program::name))
            })
            .collect();
        let g = |rel: &str, kind: &'static str| {
            (
                format!("usr/lib/google-cloud-sdk/{rel}"),
                kind,
                Some("gcloud"),
            )
        };
        assert_eq!(
            got,
            vec![
                g("lib/third_party/certifi/cacert.pem", "certifi"),
                g("lib/third_party/botocore/cacert.pem", "botocore"),
                g("platform/bq/third_party/certifi/cacert.pem", "certifi"),
                g("platform/gsutil/third_party/certifi/certifi/cacert.pem", "certifi"),
                g("platform/google_appengine/lib/certifi/certifi/cacert.pem", "certifi"),
                g("platform/bundledpythonunix/lib/python3.12/site-packages/certifi/cacert.pem", "certifi"),
                g("platform/bundledpythonunix/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem", "pip-vendored"),
                g("platform/bundledpythonunix/lib/python3.12/site-packages/grpc/_cython/_credentials/roots.pem", "grpcio"),
                ("opt/az/lib/python3.12/site-packages/certifi/cacert.pem".into(), "certifi", Some("az")),
                ("opt/az/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem".into(), "pip-vendored", Some("az")),
                ("usr/local/aws-cli/v2/current/dist/certifi/cacert.pem".into(), "certifi", Some("aws")),
                ("usr/local/aws-cli/v2/current/dist/awscli/botocore/cacert.pem".into(), "botocore", Some("aws")),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    #[cfg_attr(
        feature = "no-root-tests",
        ignore = "needs root (chown); left out by --features no-root-tests"
    )]
    fn an_application_folder_of_another_user_is_no_implicit_target() {
        assert_eq!(
            rustix::process::geteuid().as_raw(),
            0,
            "this test needs root (it gives folders to another uid); run it as root, or build with `--features no-root-tests` to leave it out"
        );
        let m = Machine::new();
        let sdk = m.sys.join("opt/google-cloud-sdk");
        mkdirs(&sdk.join("bin"));
        mkdirs(&sdk.join("lib"));
        std::fs::write(sdk.join("lib/gcloud.py"), "").unwrap();
        write_bundle(&sdk.join("lib/third_party/certifi/cacert.pem"), 3);
        std::os::unix::fs::chown(&sdk, Some(4242), Some(4242)).unwrap();
        let found = find_all(&m.host(&[]), &[], &[]);
        assert!(found.bundles.is_empty(), "{:?}", found.bundles);
        assert!(
            found.notes.iter().any(|n| n
                .message
                .contains("gcloud's install folder is not searched")
                && n.message.contains("owned by uid 4242")),
            "{:?}",
            found.notes
        );
        // Root's own install is searched.
        std::os::unix::fs::chown(&sdk, Some(0), Some(0)).unwrap();
        let found = find_all(&m.host(&[]), &[], &[]);
        assert_eq!(found.bundles.len(), 1, "{:?}", found.notes);
    }

    #[test]
    fn found_names_are_kebab_case() {
        let b = FoundBundle {
            path: PathBuf::from("/e/cacert.pem"),
            kind: Kind::PipVendored,
            environment: Some(PathBuf::from("/e")),
            source: Source::VirtualEnv,
            serves: None,
            interpreter: None,
            python_version: None,
            refusal: None,
        };
        // What the JSON of `find` and every `target` writes (cli::json).
        assert_eq!(b.kind.as_str(), "pip-vendored");
        assert_eq!(b.source.as_str(), "virtual-env");
        assert_eq!(b.environment.as_deref(), Some(std::path::Path::new("/e")));
    }

    #[test]
    fn extend_keeps_each_path_once() {
        let b = |p: &str| FoundBundle {
            path: PathBuf::from(p),
            kind: Kind::Certifi,
            environment: None,
            source: Source::Root,
            serves: None,
            interpreter: None,
            python_version: None,
            refusal: None,
        };
        let mut a = Found {
            bundles: vec![b("/a")],
            notes: vec![],
        };
        a.extend(Found {
            bundles: vec![b("/a"), b("/b")],
            notes: vec![],
        });
        assert_eq!(a.bundles.len(), 2);
    }

    #[cfg_attr(not(unix), allow(dead_code))] // its test is Unix's
    trait TapMkdir {
        fn tap_mkdir(self) -> Self;
    }
    impl TapMkdir for PathBuf {
        fn tap_mkdir(self) -> Self {
            mkdirs(self.parent().unwrap());
            self
        }
    }
}
