//! Where environments are looked for, one source at a time, in a fixed order.
//!
//! Each source turns the [`Host`] into a list of [`Place`]s to probe; nothing
//! here reads a site-packages folder. The order of [`Source::SEARCH_ORDER`]
//! is the order of `certpatch find`'s output, and when one file is reachable
//! from two sources, the first source wins.

use std::fmt;
use std::path::{Path, PathBuf};

use super::host::{join_rel, vars, Host};
use super::layout::{is_python_name, list};

/// Where a bundle or environment was found; shown as "found via …".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// `$VIRTUAL_ENV`.
    VirtualEnv,
    /// `$CONDA_PREFIX`.
    CondaPrefix,
    /// `.venv` in the current folder or its nearest parent that has one.
    DotVenv,
    /// `python3`, `python`, `python3.X` in a `PATH` folder.
    PathPython,
    /// `$PYENV_ROOT/versions/*` (else `~/.pyenv/versions/*`), with
    /// pyenv-virtualenv's `versions/*/envs/*`.
    Pyenv,
    /// `~/.conda/environments.txt`, the usual install folders and their
    /// `envs/`.
    Conda,
    /// `$PIPX_HOME/venvs/*`, else `~/.local/share/pipx/venvs/*`.
    Pipx,
    /// `$UV_TOOL_DIR/*`, else `~/.local/share/uv/tools/*`.
    UvTool,
    /// `$UV_PYTHON_INSTALL_DIR/*`, else `~/.local/share/uv/python/*`.
    UvPython,
    /// `~/.cache/pypoetry/virtualenvs/*` (and Poetry's variables).
    Poetry,
    /// `~/.local/share/virtualenvs/*`.
    Pipenv,
    /// `~/.local/share/hatch/env/virtual/**`.
    Hatch,
    /// `$WORKON_HOME/*` and `~/.virtualenvs/*`.
    WorkonHome,
    /// The user site-packages: `~/.local/lib/python3.X/site-packages` and
    /// the macOS and Windows equivalents.
    UserSite,
    /// `/usr` and `/usr/local`: `lib/python3*/site-packages|dist-packages`.
    System,
    /// `/Library/Frameworks/Python.framework/Versions/*` (python.org macOS).
    MacFramework,
    /// `/opt/homebrew`, `/usr/local/Cellar/python@*`, Linuxbrew.
    Homebrew,
    /// `%LOCALAPPDATA%\Programs\Python\Python3*`, `%ProgramFiles%\Python3*`.
    WindowsInstall,
    /// The install folders of Python applications with bundles of their own: the Google
    /// Cloud SDK, the Azure CLI, the AWS CLI v2 (see `apps`).
    Application,
    /// Found while walking a folder given with `--root`.
    Root,
    /// The interpreter named with `--python`.
    PythonArg,
    /// The environment named with `--env`.
    EnvArg,
    /// The file named with `--bundle`.
    BundleArg,
}

impl Source {
    /// The order in which `find` (and `--all`) search, without `--root`.
    pub const SEARCH_ORDER: [Source; 19] = [
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
        Source::Application,
    ];

    /// A short machine name (as in JSON).
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::VirtualEnv => "virtual-env",
            Source::CondaPrefix => "conda-prefix",
            Source::DotVenv => "dot-venv",
            Source::PathPython => "path-python",
            Source::Pyenv => "pyenv",
            Source::Conda => "conda",
            Source::Pipx => "pipx",
            Source::UvTool => "uv-tool",
            Source::UvPython => "uv-python",
            Source::Poetry => "poetry",
            Source::Pipenv => "pipenv",
            Source::Hatch => "hatch",
            Source::WorkonHome => "workon-home",
            Source::UserSite => "user-site",
            Source::System => "system",
            Source::MacFramework => "mac-framework",
            Source::Homebrew => "homebrew",
            Source::WindowsInstall => "windows-install",
            Source::Application => "application",
            Source::Root => "root",
            Source::PythonArg => "python-arg",
            Source::EnvArg => "env-arg",
            Source::BundleArg => "bundle-arg",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::VirtualEnv => "found via `VIRTUAL_ENV`",
            Source::CondaPrefix => "found via `CONDA_PREFIX`",
            Source::DotVenv => "`.venv` in the current folder or a parent",
            Source::PathPython => "interpreter on `PATH`",
            Source::Pyenv => "pyenv version",
            Source::Conda => "conda environment",
            Source::Pipx => "pipx environment",
            Source::UvTool => "uv tool environment",
            Source::UvPython => "uv-managed Python",
            Source::Poetry => "Poetry virtualenv",
            Source::Pipenv => "Pipenv virtualenv",
            Source::Hatch => "Hatch environment",
            Source::WorkonHome => "virtualenv in `WORKON_HOME`",
            Source::UserSite => "user site-packages",
            Source::System => "system Python",
            Source::MacFramework => "macOS framework Python",
            Source::Homebrew => "Homebrew Python",
            Source::WindowsInstall => "Windows Python install",
            Source::Application => "application install (gcloud, az, aws)",
            Source::Root => "under --root",
            Source::PythonArg => "named by --python",
            Source::EnvArg => "named by --env",
            Source::BundleArg => "named by --bundle",
        })
    }
}

/// Something a source asks discovery to look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A folder that may be an environment: probed only if recognised.
    Env(PathBuf),
    /// An install root probed whatever it looks like (`/usr`, `/usr/local`,
    /// `~/.local`): its `lib/python*/site-packages|dist-packages`.
    Root(PathBuf),
    /// A site-packages folder, and the environment it belongs to.
    Site(PathBuf, PathBuf),
    /// A folder whose environments nest at varying depths (Hatch): walked,
    /// pruned, at most this deep.
    Walk(PathBuf, usize),
    /// An interpreter: its layout is read, and if that says nothing it is
    /// asked.
    Interpreter(PathBuf),
    /// An application's install folder: its fixed bundle places and its own Python.
    App(PathBuf, super::apps::App),
}

/// Sub-folders of `dir`, sorted, skipping hidden ones (`.lock`, `.cache`).
fn children(dir: &Path) -> Vec<PathBuf> {
    list(dir)
        .into_iter()
        .filter(|(n, p)| !n.starts_with('.') && p.is_dir())
        .map(|(_, p)| p)
        .collect()
}

/// Sub-folders of `dir` whose name starts with `prefix`.
fn children_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    list(dir)
        .into_iter()
        .filter(|(n, p)| n.starts_with(prefix) && p.is_dir())
        .map(|(_, p)| p)
        .collect()
}

fn envs_in(dir: Option<PathBuf>) -> Vec<Place> {
    dir.map(|d| children(&d).into_iter().map(Place::Env).collect())
        .unwrap_or_default()
}

/// The places one source names on this host, in order.
pub fn places(host: &Host, source: &Source) -> Vec<Place> {
    match source {
        Source::VirtualEnv => host
            .var_path(vars::VIRTUAL_ENV)
            .map(Place::Env)
            .into_iter()
            .collect(),
        Source::CondaPrefix => host
            .var_path(vars::CONDA_PREFIX)
            .map(Place::Env)
            .into_iter()
            .collect(),
        Source::DotVenv => dot_venv(host).map(Place::Env).into_iter().collect(),
        Source::PathPython => path_interpreters(host)
            .into_iter()
            .map(Place::Interpreter)
            .collect(),
        Source::Pyenv => pyenv(host),
        Source::Conda => conda(host),
        Source::Pipx => {
            let mut out = Vec::new();
            match host.var_path(vars::PIPX_HOME) {
                Some(home) => out.extend(envs_in(Some(home.join("venvs")))),
                None => {
                    out.extend(envs_in(host.data_home_path("pipx/venvs")));
                    out.extend(envs_in(host.home_path(".local/pipx/venvs")));
                    out.extend(envs_in(
                        host.home_path("Library/Application Support/pipx/venvs"),
                    ));
                    out.extend(envs_in(host.home_path("pipx/venvs")));
                }
            }
            out
        }
        Source::UvTool => match host.var_path(vars::UV_TOOL_DIR) {
            Some(d) => envs_in(Some(d)),
            None => {
                let mut out = envs_in(host.data_home_path("uv/tools"));
                out.extend(envs_in(
                    host.var_path(vars::APPDATA)
                        .map(|a| join_rel(&a, "uv/data/tools")),
                ));
                out.extend(envs_in(
                    host.var_path(vars::APPDATA)
                        .map(|a| join_rel(&a, "uv/tools")),
                ));
                out
            }
        },
        Source::UvPython => match host.var_path(vars::UV_PYTHON_INSTALL_DIR) {
            Some(d) => envs_in(Some(d)),
            None => {
                let mut out = envs_in(host.data_home_path("uv/python"));
                out.extend(envs_in(
                    host.var_path(vars::APPDATA)
                        .map(|a| join_rel(&a, "uv/data/python")),
                ));
                out.extend(envs_in(
                    host.var_path(vars::APPDATA)
                        .map(|a| join_rel(&a, "uv/python")),
                ));
                out
            }
        },
        Source::Poetry => {
            if let Some(d) = host.var_path(vars::POETRY_VIRTUALENVS_PATH) {
                return envs_in(Some(d));
            }
            if let Some(d) = host.var_path(vars::POETRY_CACHE_DIR) {
                return envs_in(Some(d.join("virtualenvs")));
            }
            let mut out = envs_in(host.cache_home_path("pypoetry/virtualenvs"));
            out.extend(envs_in(
                host.home_path("Library/Caches/pypoetry/virtualenvs"),
            ));
            out.extend(envs_in(
                host.var_path(vars::LOCALAPPDATA)
                    .map(|a| join_rel(&a, "pypoetry/Cache/virtualenvs")),
            ));
            out
        }
        Source::Pipenv => envs_in(host.data_home_path("virtualenvs")),
        Source::Hatch => {
            let mut dirs = Vec::new();
            match host.var_path(vars::HATCH_DATA_DIR) {
                Some(d) => dirs.push(join_rel(&d, "env/virtual")),
                None => {
                    dirs.extend(host.data_home_path("hatch/env/virtual"));
                    dirs.extend(host.home_path("Library/Application Support/hatch/env/virtual"));
                    dirs.extend(
                        host.var_path(vars::LOCALAPPDATA)
                            .map(|a| join_rel(&a, "hatch/env/virtual")),
                    );
                }
            }
            dirs.into_iter()
                .filter(|d| d.is_dir())
                .map(|d| Place::Walk(d, 4))
                .collect()
        }
        Source::WorkonHome => {
            let mut out = envs_in(host.var_path(vars::WORKON_HOME));
            out.extend(envs_in(host.home_path(".virtualenvs")));
            out
        }
        Source::UserSite => user_site(host),
        Source::System => ["/usr", "/usr/local"]
            .iter()
            .map(|p| Place::Root(host.system_path(p)))
            .collect(),
        Source::MacFramework => {
            let mut out = Vec::new();
            let rel = "Library/Frameworks/Python.framework/Versions";
            out.extend(framework_versions(&host.system_path(rel)));
            if let Some(h) = host.home_path(rel) {
                out.extend(framework_versions(&h));
            }
            out
        }
        Source::Homebrew => homebrew(host),
        Source::WindowsInstall => {
            let mut out = Vec::new();
            if let Some(l) = host.var_path(vars::LOCALAPPDATA) {
                out.extend(
                    children_named(&join_rel(&l, "Programs/Python"), "Python")
                        .into_iter()
                        .map(Place::Env),
                );
            }
            for var in [vars::PROGRAMFILES, vars::PROGRAMFILES_X86] {
                if let Some(p) = host.var_path(var) {
                    out.extend(children_named(&p, "Python").into_iter().map(Place::Env));
                }
            }
            out
        }
        Source::Application => super::apps::App::ALL
            .iter()
            .flat_map(|app| {
                super::apps::install_roots(host, *app)
                    .into_iter()
                    .map(|root| Place::App(root, *app))
            })
            .collect(),
        Source::Root | Source::PythonArg | Source::EnvArg | Source::BundleArg => Vec::new(),
    }
}

/// The nearest `.venv` folder in the current folder or a parent.
pub fn dot_venv(host: &Host) -> Option<PathBuf> {
    host.cwd()
        .ancestors()
        .map(|d| d.join(".venv"))
        .find(|p| p.is_dir())
}

/// Interpreters on `PATH`, folder by folder: `python3`, `python`, then
/// `python3.X` (and `python.exe`, `python3.exe`). Microsoft Store stubs in
/// `WindowsApps` are skipped: running one opens the Store. In a `shims`
/// folder (pyenv, asdf) only `python3` and `python` are taken: the
/// versioned shims fail unless that version is selected, and pyenv's
/// versions are searched on their own.
pub fn path_interpreters(host: &Host) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in host.path_dirs() {
        if dir.iter().any(|c| c == "WindowsApps") || !dir.is_dir() {
            continue;
        }
        for name in ["python3", "python", "python3.exe", "python.exe"] {
            let p = dir.join(name);
            if is_executable(&p) {
                out.push(p);
            }
        }
        if dir.file_name().is_some_and(|n| n == "shims") {
            continue;
        }
        let mut versioned: Vec<(Vec<u32>, PathBuf)> = list(&dir)
            .into_iter()
            .filter(|(n, _)| n.starts_with("python3.") && is_python_name(n))
            .filter(|(_, p)| is_executable(p))
            .map(|(n, p)| {
                let v = n["python".len()..]
                    .split('.')
                    .filter_map(|s| s.parse().ok())
                    .collect();
                (v, p)
            })
            .collect();
        versioned.sort();
        out.extend(versioned.into_iter().map(|(_, p)| p));
    }
    out
}

/// The first `python3` (Windows: `python.exe`) on `PATH`.
pub fn first_python3(host: &Host) -> Option<PathBuf> {
    python3s_on_path(host).next()
}

/// Every `python3` on `PATH`, in order (`python3.exe`, `python.exe` on Windows), as
/// [`first_python3`] looks for them.
pub fn python3s_on_path(host: &Host) -> impl Iterator<Item = PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["python3.exe", "python.exe"]
    } else {
        &["python3"]
    };
    host.path_dirs()
        .into_iter()
        .filter(|d| !d.iter().any(|c| c == "WindowsApps"))
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .filter(|p| is_executable(p))
}

/// A regular file (after symlinks) that may be run.
pub fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    crate::os::may_run(path, &meta)
}

fn pyenv(host: &Host) -> Vec<Place> {
    let mut roots = Vec::new();
    match host.rooted_var_path(vars::PYENV_ROOT) {
        Some(r) => roots.push(r),
        None => roots.extend(host.home_path(".pyenv")),
    }
    // pyenv-win keeps its versions one level down.
    roots.extend(host.home_path(".pyenv/pyenv-win"));
    let mut out = Vec::new();
    for root in roots {
        for version in children(&root.join("versions")) {
            let envs = children(&version.join("envs"));
            out.push(Place::Env(version));
            out.extend(envs.into_iter().map(Place::Env));
        }
    }
    out
}

/// Usual conda install folders, relative to the home folder.
const CONDA_HOME_DIRS: [&str; 11] = [
    "miniconda3",
    "miniconda",
    "anaconda3",
    "anaconda",
    "miniforge3",
    "mambaforge",
    "micromamba",
    "opt/miniconda3",
    "opt/anaconda3",
    "opt/miniforge3",
    ".local/share/mamba",
];

/// Usual conda install folders, machine-wide.
const CONDA_SYSTEM_DIRS: [&str; 13] = [
    "/opt/conda",
    "/opt/miniconda3",
    "/opt/miniconda",
    "/opt/anaconda3",
    "/opt/anaconda",
    "/opt/miniforge3",
    "/opt/mambaforge",
    "/usr/local/miniconda3",
    "/usr/local/anaconda3",
    "/usr/share/miniconda",
    "/opt/homebrew/Caskroom/miniconda/base",
    "/opt/homebrew/Caskroom/miniforge/base",
    "/usr/local/Caskroom/miniconda/base",
];

fn conda(host: &Host) -> Vec<Place> {
    let mut out = Vec::new();
    // 1. environments.txt: every prefix conda has created.
    if let Some(txt) = host.home_path(".conda/environments.txt") {
        if let Some(text) = super::kinds::read_text(&txt) {
            for line in text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                out.push(Place::Env(host.absolute(Path::new(line))));
            }
        }
    }
    // 2. base prefixes named by variables, then the usual folders.
    let mut bases: Vec<PathBuf> = Vec::new();
    if let Some(exe) = host.var_path(vars::CONDA_EXE) {
        // <base>/bin/conda, <base>/condabin/conda, <base>\Scripts\conda.exe
        if let Some(base) = exe.parent().and_then(Path::parent) {
            bases.push(base.to_path_buf());
        }
    }
    bases.extend(host.var_path(vars::MAMBA_ROOT_PREFIX));
    for rel in CONDA_HOME_DIRS {
        bases.extend(host.home_path(rel));
    }
    for abs in CONDA_SYSTEM_DIRS {
        bases.push(host.system_path(abs));
    }
    for var in [vars::LOCALAPPDATA, vars::PROGRAMDATA] {
        if let Some(d) = host.var_path(var) {
            for name in ["miniconda3", "anaconda3", "miniforge3"] {
                bases.push(d.join(name));
            }
        }
    }
    for base in bases {
        if !base.is_dir() {
            continue;
        }
        let envs = children(&base.join("envs"));
        out.push(Place::Env(base));
        out.extend(envs.into_iter().map(Place::Env));
    }
    // 3. per-user environment folders.
    out.extend(envs_in(host.home_path(".conda/envs")));
    if let Some(list) = host.var(vars::CONDA_ENVS_PATH) {
        for dir in std::env::split_paths(list) {
            out.extend(envs_in(Some(host.absolute(&dir))));
        }
    }
    out
}

fn user_site(host: &Host) -> Vec<Place> {
    let mut out = Vec::new();
    if let Some(local) = host.home_path(".local") {
        if local.join("lib").is_dir() {
            out.push(Place::Root(local));
        }
    }
    // macOS: ~/Library/Python/3.X/lib/python/site-packages
    if let Some(lib) = host.home_path("Library/Python") {
        for version in children(&lib) {
            let sp = join_rel(&version, "lib/python/site-packages");
            if sp.is_dir() {
                out.push(Place::Site(sp, version));
            }
        }
    }
    // Windows: %APPDATA%\Python\Python3X\site-packages
    if let Some(appdata) = host.var_path(vars::APPDATA) {
        for version in children_named(&appdata.join("Python"), "Python") {
            let sp = version.join("site-packages");
            if sp.is_dir() {
                out.push(Place::Site(sp, version));
            }
        }
    }
    out
}

fn framework_versions(versions: &Path) -> Vec<Place> {
    list(versions)
        .into_iter()
        .filter(|(n, p)| n != "Current" && p.is_dir())
        .map(|(_, p)| Place::Env(p))
        .collect()
}

fn homebrew(host: &Host) -> Vec<Place> {
    let mut out = Vec::new();
    for prefix in ["/opt/homebrew", "/home/linuxbrew/.linuxbrew", "/usr/local"] {
        let prefix = host.system_path(prefix);
        // Packages installed with Homebrew's pip land in <prefix>/lib/python3.X
        // (/usr/local is searched as a system location).
        if !prefix.ends_with("usr/local") && prefix.join("lib").is_dir() {
            out.push(Place::Root(prefix.clone()));
        }
        let cellar = prefix.join("Cellar");
        let formulas = children_named(&cellar, "python");
        for formula in formulas {
            for version in children(&formula) {
                let frameworks = join_rel(&version, "Frameworks/Python.framework/Versions");
                if frameworks.is_dir() {
                    out.extend(framework_versions(&frameworks));
                } else {
                    out.push(Place::Env(version));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn search_order_is_documented_order() {
        let names: Vec<&str> = Source::SEARCH_ORDER.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names[..4],
            ["virtual-env", "conda-prefix", "dot-venv", "path-python"]
        );
        assert_eq!(Source::VirtualEnv.to_string(), "found via `VIRTUAL_ENV`");
        assert_eq!(Source::Root.to_string(), "under --root");
        // The JSON spelling (cli::json writes `as_str`).
        assert_eq!(Source::UvTool.as_str(), "uv-tool");
    }

    #[cfg(unix)]
    #[test]
    fn path_interpreters_in_order() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("a");
        let b = t.path().join("b");
        for (dir, name) in [
            (&a, "python3.9"),
            (&a, "python3.12"),
            (&a, "python3"),
            (&a, "python3-config"),
            (&b, "python"),
        ] {
            write_exe(&dir.join(name), "#!/bin/sh\n");
        }
        std::fs::write(b.join("python3"), "not executable").unwrap();
        let shims = t.path().join("shims");
        write_exe(&shims.join("python3"), "#!/bin/sh\n");
        write_exe(&shims.join("python3.6"), "#!/bin/sh\n");
        let path = format!(
            "{}:{}:{}:{}",
            a.display(),
            t.path().join("missing").display(),
            b.display(),
            shims.display()
        );
        let host = Host::for_tests(t.path(), &[("PATH", &path)], t.path());
        assert_eq!(
            path_interpreters(&host),
            vec![
                a.join("python3"),
                a.join("python3.9"),
                a.join("python3.12"),
                b.join("python"),
                shims.join("python3"),
            ]
        );
        assert_eq!(first_python3(&host), Some(a.join("python3")));
    }

    #[test]
    fn dot_venv_is_found_in_a_parent() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("proj/src/pkg");
        mkdirs(&deep);
        let host = Host::for_tests(t.path(), &[], &deep);
        assert_eq!(dot_venv(&host), None);
        mkdirs(&t.path().join("proj/.venv"));
        let host = Host::for_tests(t.path(), &[], &deep);
        assert_eq!(dot_venv(&host), Some(t.path().join("proj/.venv")));
    }
}
