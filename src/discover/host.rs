//! The outside world as discovery sees it.
//!
//! Discovery never calls `std::env` or looks at `/usr`, `/opt` or `/Library`
//! directly: it asks a [`Host`]. [`Host::from_process`] snapshots the real
//! process (with the path of the running executable, which tells certpatch's own
//! environment apart); tests build one with `Host::for_tests` whose variables (`HOME`,
//! `PATH`, `PYENV_ROOT`, `LOCALAPPDATA`, …) and filesystem root point into a
//! temporary folder, so the machine's own Pythons never leak into a test.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// Names of every environment variable discovery reads, in one place.
pub mod vars {
    /// Moves every fixed system location (`/usr/...`, `/opt/...`,
    /// `/Library/...`, `/etc/...`) under this folder. For tests and for
    /// inspecting a mounted image; see the module documentation.
    pub const CERTPATCH_HOST_ROOT: &str = "CERTPATCH_HOST_ROOT";
    /// The user's home folder (Unix, and Windows shells that set it).
    pub const HOME: &str = "HOME";
    /// The user's home folder on Windows.
    pub const USERPROFILE: &str = "USERPROFILE";
    /// Folders searched for interpreters.
    pub const PATH: &str = "PATH";
    /// The virtual environment activated by `activate` (or uv, Poetry, …).
    pub const VIRTUAL_ENV: &str = "VIRTUAL_ENV";
    /// The conda environment activated by `conda activate`.
    pub const CONDA_PREFIX: &str = "CONDA_PREFIX";
    /// The `conda` executable, `<base>/bin/conda` or `<base>\Scripts\conda.exe`.
    pub const CONDA_EXE: &str = "CONDA_EXE";
    /// Extra folders that hold conda environments (path list).
    pub const CONDA_ENVS_PATH: &str = "CONDA_ENVS_PATH";
    /// micromamba's root prefix (its environments are in `envs/`).
    pub const MAMBA_ROOT_PREFIX: &str = "MAMBA_ROOT_PREFIX";
    /// pyenv's root; versions are in `versions/`.
    pub const PYENV_ROOT: &str = "PYENV_ROOT";
    /// pipx's home; environments are in `venvs/`.
    pub const PIPX_HOME: &str = "PIPX_HOME";
    /// uv's folder of tool environments.
    pub const UV_TOOL_DIR: &str = "UV_TOOL_DIR";
    /// uv's folder of managed Python installs.
    pub const UV_PYTHON_INSTALL_DIR: &str = "UV_PYTHON_INSTALL_DIR";
    /// Poetry's folder of virtualenvs.
    pub const POETRY_VIRTUALENVS_PATH: &str = "POETRY_VIRTUALENVS_PATH";
    /// Poetry's cache folder (virtualenvs are in `virtualenvs/`).
    pub const POETRY_CACHE_DIR: &str = "POETRY_CACHE_DIR";
    /// Hatch's data folder (environments are in `env/virtual/`).
    pub const HATCH_DATA_DIR: &str = "HATCH_DATA_DIR";
    /// virtualenvwrapper's (and Pipenv's, when set) folder of virtualenvs.
    pub const WORKON_HOME: &str = "WORKON_HOME";
    /// XDG data folder, `~/.local/share` when unset.
    pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
    /// XDG cache folder, `~/.cache` when unset.
    pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
    /// Windows: per-user local application data.
    pub const LOCALAPPDATA: &str = "LOCALAPPDATA";
    /// Windows: per-user roaming application data.
    pub const APPDATA: &str = "APPDATA";
    /// Windows: machine-wide program data.
    pub const PROGRAMDATA: &str = "ProgramData";
    /// Windows: machine-wide programs.
    pub const PROGRAMFILES: &str = "ProgramFiles";
    /// Windows: machine-wide 32-bit programs.
    pub const PROGRAMFILES_X86: &str = "ProgramFiles(x86)";
    /// Temporary folders (where a zip-imported certifi extracts its copy).
    pub const TMPDIR: &str = "TMPDIR";
    /// Temporary folder on Windows.
    pub const TEMP: &str = "TEMP";
    /// Temporary folder on Windows.
    pub const TMP: &str = "TMP";
    /// requests (and pip) verify against this file instead of certifi's.
    pub const REQUESTS_CA_BUNDLE: &str = "REQUESTS_CA_BUNDLE";
    /// requests' fallback when `REQUESTS_CA_BUNDLE` is unset; also curl's.
    pub const CURL_CA_BUNDLE: &str = "CURL_CA_BUNDLE";
    /// OpenSSL's default CA file, used by the `ssl` module's default context.
    pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
    /// OpenSSL's default CA folder, used by the `ssl` module's default context.
    pub const SSL_CERT_DIR: &str = "SSL_CERT_DIR";
    /// pip's `--cert`.
    pub const PIP_CERT: &str = "PIP_CERT";
    /// gRPC's roots file, instead of grpcio's `roots.pem`.
    pub const GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: &str = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH";
    /// httplib2's bundle, instead of certifi's or its own `cacerts.txt`.
    pub const HTTPLIB2_CA_CERTS: &str = "HTTPLIB2_CA_CERTS";
    /// botocore's (and the AWS CLI's) bundle, instead of its `cacert.pem`.
    pub const AWS_CA_BUNDLE: &str = "AWS_CA_BUNDLE";
    /// gcloud's `core/custom_ca_certs_file`, as a variable.
    pub const CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: &str = "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE";

    /// Variables removed from an interpreter's environment when it is asked
    /// where its bundles are: they change nothing in `certifi.where()`, but
    /// they must not leak into anything the interpreter imports.
    pub const CA_OVERRIDES: [&str; 5] = [
        REQUESTS_CA_BUNDLE,
        CURL_CA_BUNDLE,
        SSL_CERT_FILE,
        SSL_CERT_DIR,
        PIP_CERT,
    ];
}

/// How long an interpreter may take to say where its bundles are.
pub const DEFAULT_INTERPRETER_TIMEOUT: Duration = Duration::from_secs(10);

/// Snapshot of everything discovery reads from the outside world: the
/// environment variables, the filesystem root under which fixed system
/// locations are looked up, the home folder and the current folder.
#[derive(Clone, Debug)]
pub struct Host {
    env: BTreeMap<String, String>,
    root: PathBuf,
    home: Option<PathBuf>,
    cwd: PathBuf,
    interpreter_timeout: Duration,
    /// Set when `CERTPATCH_HOST_ROOT` moved the root of the real process: then variables
    /// naming fixed install locations (`PYENV_ROOT`) are taken under the root too
    /// ([`Host::rooted_var_path`]). Hosts built for unit tests name their folders directly.
    reroot_vars: bool,
    /// The running certpatch executable, when known: the environment that holds it is
    /// certpatch's own (see `own`), not one to patch by default.
    own_exe: Option<PathBuf>,
}

#[cfg(test)]
mod test_hosts;

impl Host {
    /// The real process: `std::env`, the current folder, and `/` as root
    /// unless `CERTPATCH_HOST_ROOT` names another folder.
    pub fn from_process() -> Host {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = env
            .get(vars::CERTPATCH_HOST_ROOT)
            .filter(|v| !v.is_empty())
            .map(|v| cwd.join(v))
            .unwrap_or_else(|| PathBuf::from("/"));
        let reroot_vars = root != Path::new("/");
        Host {
            reroot_vars,
            ..Host::new(env, root, cwd)
        }
        .with_own_exe(std::env::current_exe().ok())
    }

    /// A host from parts; the home folder comes from `HOME`, else
    /// `USERPROFILE`.
    pub fn new(env: BTreeMap<String, String>, root: PathBuf, cwd: PathBuf) -> Host {
        let mut host = Host {
            env,
            root,
            home: None,
            cwd,
            interpreter_timeout: DEFAULT_INTERPRETER_TIMEOUT,
            reroot_vars: false,
            own_exe: None,
        };
        host.home = host
            .var(vars::HOME)
            .or_else(|| host.var(vars::USERPROFILE))
            .map(PathBuf::from);
        host
    }

    /// The same host with `exe` as the running certpatch executable ([`Host::from_process`]
    /// takes the process's own; a host made with [`Host::new`] has none).
    pub fn with_own_exe(mut self, exe: Option<PathBuf>) -> Host {
        self.own_exe = exe;
        self
    }

    /// The running certpatch executable, when known.
    pub fn own_exe(&self) -> Option<&Path> {
        self.own_exe.as_deref()
    }

    /// A variable's value; an empty value counts as unset (as requests and
    /// most tools treat it). Names are case-insensitive on Windows.
    pub fn var(&self, name: &str) -> Option<&str> {
        let value = match self.env.get(name) {
            Some(v) => Some(v.as_str()),
            None if cfg!(windows) => self
                .env
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str()),
            None => None,
        };
        value.filter(|v| !v.is_empty())
    }

    /// Every variable, as given to interpreters that discovery runs.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The current folder (where `.venv` is looked for).
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// How long an interpreter may take to answer.
    pub fn interpreter_timeout(&self) -> Duration {
        self.interpreter_timeout
    }

    /// A fixed absolute system location (`/usr/lib`, `/opt/conda`, …) as
    /// seen on this host: under `Host::root`.
    pub fn system_path(&self, absolute: &str) -> PathBuf {
        let mut out = self.root.clone();
        for c in Path::new(absolute).components() {
            if let Component::Normal(part) = c {
                out.push(part);
            }
        }
        out
    }

    /// A variable that names a fixed install location (`PYENV_ROOT`), as a path: like
    /// [`Host::var_path`], but when `CERTPATCH_HOST_ROOT` moved the filesystem root, an
    /// absolute value is taken under that root too, as [`Host::system_path`] does, so a
    /// variable inherited from the real machine cannot lead discovery out of the host
    /// root (to the machine's own Pythons).
    pub fn rooted_var_path(&self, name: &str) -> Option<PathBuf> {
        let value = self.var(name)?;
        if !self.reroot_vars || !Path::new(value).is_absolute() {
            return self.var_path(name);
        }
        Some(self.system_path(value))
    }

    /// A path inside the home folder, if the home folder is known.
    pub fn home_path(&self, relative: &str) -> Option<PathBuf> {
        self.home.as_ref().map(|h| join_rel(h, relative))
    }

    /// A variable that names a folder, as a path (relative values are taken
    /// from the current folder).
    pub fn var_path(&self, name: &str) -> Option<PathBuf> {
        self.var(name).map(|v| self.absolute(Path::new(v)))
    }

    /// A path made absolute against the current folder.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        }
    }

    /// `$XDG_DATA_HOME/<rel>`, else `~/.local/share/<rel>`.
    pub fn data_home_path(&self, relative: &str) -> Option<PathBuf> {
        match self.var_path(vars::XDG_DATA_HOME) {
            Some(d) => Some(join_rel(&d, relative)),
            None => self.home_path(&format!(".local/share/{relative}")),
        }
    }

    /// `$XDG_CACHE_HOME/<rel>`, else `~/.cache/<rel>`.
    pub fn cache_home_path(&self, relative: &str) -> Option<PathBuf> {
        match self.var_path(vars::XDG_CACHE_HOME) {
            Some(d) => Some(join_rel(&d, relative)),
            None => self.home_path(&format!(".cache/{relative}")),
        }
    }

    /// The folders of `PATH`, in order.
    pub fn path_dirs(&self) -> Vec<PathBuf> {
        match self.var(vars::PATH) {
            Some(p) => std::env::split_paths(p)
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| self.absolute(&d))
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Joins a `/`-separated relative path, component by component, so the
/// result uses the platform's separator.
pub(crate) fn join_rel(base: &Path, relative: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        out.push(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_paths_go_under_the_root() {
        let host = Host::for_tests(Path::new("/fake"), &[], Path::new("/w"));
        assert_eq!(host.system_path("/usr/lib"), PathBuf::from("/fake/usr/lib"));
        assert_eq!(
            host.system_path("opt/conda"),
            PathBuf::from("/fake/opt/conda")
        );
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let host = Host::for_tests(
            Path::new("/"),
            &[("VIRTUAL_ENV", ""), ("HOME", "/h")],
            Path::new("/w"),
        );
        assert_eq!(host.var("VIRTUAL_ENV"), None);
        assert_eq!(host.home(), Some(Path::new("/h")));
        assert_eq!(
            host.home_path(".pyenv/versions"),
            Some(PathBuf::from("/h/.pyenv/versions"))
        );
    }

    #[test]
    fn for_tests_reads_nothing_from_the_process() {
        let host = Host::for_tests(Path::new("/r"), &[], Path::new("/w"));
        assert!(host.vars().is_empty());
        assert_eq!(host.home(), None);
        assert!(host.path_dirs().is_empty());
    }

    #[test]
    fn xdg_folders_fall_back_to_home() {
        let host = Host::for_tests(Path::new("/"), &[("HOME", "/h")], Path::new("/w"));
        assert_eq!(
            host.data_home_path("uv/tools"),
            Some(PathBuf::from("/h/.local/share/uv/tools"))
        );
        let host = host.with_var("XDG_DATA_HOME", "/x");
        assert_eq!(
            host.data_home_path("uv/tools"),
            Some(PathBuf::from("/x/uv/tools"))
        );
        assert_eq!(
            host.cache_home_path("pypoetry"),
            Some(PathBuf::from("/h/.cache/pypoetry"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn relative_path_entries_are_taken_from_cwd() {
        let host = Host::for_tests(Path::new("/"), &[("PATH", "/a:rel::/b")], Path::new("/w"));
        assert_eq!(
            host.path_dirs(),
            vec![
                PathBuf::from("/a"),
                PathBuf::from("/w/rel"),
                PathBuf::from("/b")
            ]
        );
    }
}
