//! Python applications that carry their own bundles: the Google Cloud SDK (`gcloud`), the
//! Azure CLI (`az`) and the AWS CLI v2 (`aws`).
//!
//! Each ships its own Python (or a frozen one) and vendored copies of certifi, botocore and
//! httplib2 that no environment search reaches. Their documented install folders are a
//! source like a venv ([`install_roots`]); inside, only fixed places are probed
//! ([`fixed_places`]) plus the application's own Python environment ([`inner_envs`]).
//! [`serves`] names the program a bundle serves, from where it sits, so that `find`,
//! `list` and `status` can say "this is gcloud's". [`gcloud_custom_ca`] reads gcloud's own
//! `core/custom_ca_certs_file` setting, which makes a patch of its bundles useless.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::host::{join_rel, vars, Host};
use super::kinds::Kind;
use super::layout::list;

/// An application with bundles of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum App {
    /// The Google Cloud SDK (`gcloud`, `gsutil`, `bq`).
    Gcloud,
    /// The Azure CLI.
    Az,
    /// The AWS CLI v2 (a frozen Python).
    Aws,
}

/// The program a bundle serves when that is not simply "the Python environment it is in"
/// ([`serves`]): an application's vendored copy, or a client library's own roots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Program {
    /// Inside the Google Cloud SDK (gcloud, gsutil, bq).
    Gcloud,
    /// Inside the Azure CLI's Python.
    Az,
    /// Inside the AWS CLI v2's frozen Python.
    Aws,
    /// grpcio's own `roots.pem`, trusted by every gRPC client in the environment.
    Grpcio,
    /// httplib2's own `cacerts.txt`, trusted by httplib2 when certifi is absent.
    Httplib2,
}

impl Program {
    /// The program's name in messages (`gcloud`, `grpcio`).
    pub fn name(self) -> &'static str {
        match self {
            Program::Gcloud => "gcloud",
            Program::Az => "az",
            Program::Aws => "aws",
            Program::Grpcio => "grpcio",
            Program::Httplib2 => "httplib2",
        }
    }
}

impl std::fmt::Display for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Program {
    /// What to tell someone who patches a bundle this program carries inside its install
    /// folder: an update of the program replaces the bundle and drops the patch, and the
    /// program's own setting, which survives updates, is the better fix.
    pub fn own_setting_advice(self) -> Option<&'static str> {
        match self {
            Program::Gcloud => Some(
                "a Google Cloud SDK update replaces gcloud's bundles and drops this patch (`certpatch status` will say so, `certpatch reapply` puts it back); gcloud's own setting survives updates and is the better fix: `gcloud config set core/custom_ca_certs_file FILE`, with FILE a bundle that holds the certificate",
            ),
            Program::Az => Some(
                "an Azure CLI update replaces its bundle and drops this patch (`certpatch status` will say so, `certpatch reapply` puts it back); the Azure CLI's documented setting survives updates and is the better fix: REQUESTS_CA_BUNDLE=FILE, with FILE a bundle that holds the certificate",
            ),
            Program::Aws => Some(
                "an AWS CLI update replaces its bundles and drops this patch (`certpatch status` will say so, `certpatch reapply` puts it back); the AWS tools' own setting survives updates and is the better fix: AWS_CA_BUNDLE=FILE (or `ca_bundle = FILE` in ~/.aws/config), with FILE a bundle that holds the certificate",
            ),
            Program::Grpcio | Program::Httplib2 => None,
        }
    }
}

impl From<App> for Program {
    fn from(app: App) -> Program {
        match app {
            App::Gcloud => Program::Gcloud,
            App::Az => Program::Az,
            App::Aws => Program::Aws,
        }
    }
}

impl App {
    /// Every application, in the order `find` lists them.
    pub const ALL: [App; 3] = [App::Gcloud, App::Az, App::Aws];

    /// Whether `root` is this application's install folder.
    fn is_root(self, root: &Path) -> bool {
        match self {
            App::Gcloud => root.join("lib").join("gcloud.py").is_file(),
            App::Az => super::layout::site_packages_dirs(root)
                .iter()
                .any(|sp| is_az_site(sp)),
            App::Aws => is_aws_dist(root),
        }
    }
}

/// The application whose install folder `dir` is, judged while walking a `--root` from
/// its listing's `names` first (one probe, and only in a folder with a `lib` or `awscli`
/// entry): gcloud and the AWS CLI v2, whose bundles sit outside any Python environment.
/// (The Azure CLI's folder is a Python install, probed as one.)
pub fn app_at(dir: &Path, names: &[&str]) -> Option<App> {
    if names.contains(&"lib") && App::Gcloud.is_root(dir) {
        return Some(App::Gcloud);
    }
    if names.contains(&"awscli") && is_aws_dist(dir) {
        return Some(App::Aws);
    }
    None
}

/// A site-packages folder holding the Azure CLI.
fn is_az_site(sp: &Path) -> bool {
    join_rel(sp, "azure/cli/__main__.py").is_file()
}

/// The AWS CLI v2's frozen `dist` folder: the `aws` program beside its `awscli` package.
fn is_aws_dist(dir: &Path) -> bool {
    dir.join("awscli").is_dir() && (dir.join("aws").is_file() || dir.join("aws.exe").is_file())
}

/// The documented install folders of `app` on this host that hold it (Linux, macOS and
/// Windows), each once, in order.
pub fn install_roots(host: &Host, app: App) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let sys = |p: &str| host.system_path(p);
    let programs = || {
        [vars::PROGRAMFILES, vars::PROGRAMFILES_X86]
            .iter()
            .filter_map(|v| host.var_path(v))
            .collect::<Vec<_>>()
    };
    match app {
        App::Gcloud => {
            for p in [
                "/usr/lib/google-cloud-sdk",
                "/usr/share/google-cloud-sdk",
                "/opt/google-cloud-sdk",
                "/opt/google-cloud-cli",
                "/snap/google-cloud-cli/current",
                "/snap/google-cloud-sdk/current",
                "/opt/homebrew/share/google-cloud-sdk",
                "/usr/local/share/google-cloud-sdk",
                "/opt/homebrew/Caskroom/google-cloud-sdk/latest/google-cloud-sdk",
                "/usr/local/Caskroom/google-cloud-sdk/latest/google-cloud-sdk",
            ] {
                out.push(sys(p));
            }
            out.extend(host.home_path("google-cloud-sdk"));
            out.extend(
                host.var_path(vars::LOCALAPPDATA)
                    .map(|d| join_rel(&d, "Google/Cloud SDK/google-cloud-sdk")),
            );
            for d in programs() {
                out.push(join_rel(&d, "Google/Cloud SDK/google-cloud-sdk"));
            }
            // The `gcloud` on PATH: `<root>/bin/gcloud`, often through a link (`/usr/bin`).
            for dir in host.path_dirs() {
                let exe = dir.join("gcloud");
                if let Ok(real) = std::fs::canonicalize(&exe) {
                    if let Some(root) = real.parent().and_then(Path::parent) {
                        out.push(root.to_path_buf());
                    }
                }
            }
        }
        App::Az => {
            out.push(sys("/opt/az"));
            out.push(sys("/usr/lib64/az"));
            for prefix in ["/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew"] {
                let formula = join_rel(&sys(prefix), "Cellar/azure-cli");
                for (_, version) in list(&formula) {
                    out.push(version.join("libexec"));
                }
            }
            for d in programs() {
                out.push(join_rel(&d, "Microsoft SDKs/Azure/CLI2"));
            }
        }
        App::Aws => {
            out.push(sys("/usr/local/aws-cli/v2/current/dist"));
            out.push(sys("/usr/local/aws-cli"));
            for d in programs() {
                out.push(join_rel(&d, "Amazon/AWSCLIV2"));
            }
        }
    }
    // A set: another user who owns a Homebrew prefix chooses how many Cellar folders there are.
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| {
        let real = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        app.is_root(p) && seen.insert(real)
    });
    out
}

/// The bundles at fixed places inside an application's install folder (relative paths),
/// with their kinds. Only these are probed: nothing is walked (a test server's `cacert.pem`
/// inside a vendored urllib3 is not a bundle anyone trusts).
pub fn fixed_places(app: App) -> &'static [(&'static str, Kind)] {
    match app {
        App::Gcloud => &[
            ("lib/third_party/certifi/cacert.pem", Kind::Certifi),
            ("lib/third_party/botocore/cacert.pem", Kind::Botocore),
            (
                "lib/third_party/httplib2/python3/httplib2/cacerts.txt",
                Kind::Httplib2,
            ),
            ("platform/bq/third_party/certifi/cacert.pem", Kind::Certifi),
            (
                "platform/gsutil/third_party/certifi/certifi/cacert.pem",
                Kind::Certifi,
            ),
            (
                "platform/google_appengine/lib/certifi/certifi/cacert.pem",
                Kind::Certifi,
            ),
        ],
        App::Az => &[],
        App::Aws => &[
            ("certifi/cacert.pem", Kind::Certifi),
            ("awscli/botocore/cacert.pem", Kind::Botocore),
            ("botocore/cacert.pem", Kind::Botocore),
        ],
    }
}

/// What a bundle is, from where it sits, knowing applications' fixed places: certifi's copy
/// at gcloud's `lib/third_party/certifi/cacert.pem` is certifi's, not "other", although no
/// site-packages folder holds it ([`Kind::of_path`] otherwise).
pub fn kind_of(path: &Path) -> Kind {
    for app in App::ALL {
        for (rel, kind) in fixed_places(app) {
            let depth = Path::new(rel).components().count();
            let Some(root) = path.ancestors().nth(depth) else {
                continue;
            };
            if join_rel(root, rel) == path && app.is_root(root) {
                return *kind;
            }
        }
    }
    Kind::of_path(path)
}

/// Python environments inside an application's folder: gcloud's bundled Python, and the
/// Azure CLI's folder, which is itself a Python install.
pub fn inner_envs(app: App, root: &Path) -> Vec<PathBuf> {
    match app {
        App::Gcloud => ["platform/bundledpythonunix", "platform/bundledpython"]
            .iter()
            .map(|rel| join_rel(root, rel))
            .collect(),
        App::Az => vec![root.to_path_buf()],
        App::Aws => Vec::new(),
    }
}

/// The program a bundle serves, when it is not simply "the Python environment it is in":
/// gcloud, az or aws for a bundle inside their install folders (judged by what sits in its
/// parent folders), else grpcio or httplib2 for their own bundles.
pub fn serves(path: &Path, kind: Kind) -> Option<Program> {
    // The deepest fixed place is 9 folders below its install folder (gcloud's bundled
    // Python's grpcio roots): no need to look further up.
    for dir in path.ancestors().skip(1).take(10) {
        if dir.as_os_str().is_empty() || dir.parent().is_none() {
            break;
        }
        if dir.join("lib").join("gcloud.py").is_file() && dir.join("bin").is_dir() {
            return Some(Program::Gcloud);
        }
        if dir
            .file_name()
            .is_some_and(|n| super::kinds::is_site_dir(&n.to_string_lossy()))
        {
            if is_az_site(dir) {
                return Some(Program::Az);
            }
        } else if is_aws_dist(dir) {
            return Some(Program::Aws);
        }
    }
    match kind {
        Kind::Grpcio => Some(Program::Grpcio),
        Kind::Httplib2 => Some(Program::Httplib2),
        _ => None,
    }
}

/// gcloud's `core/custom_ca_certs_file`, with where it was set: the variable
/// `CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE`, else the active configuration
/// (`<config>/configurations/config_<name>`), else the user's `<config>/properties`, else
/// the installation's `properties` (`sdk_root`), as gcloud reads them. The configuration
/// folder is `$CLOUDSDK_CONFIG`, else `~/.config/gcloud` (`%APPDATA%\gcloud` on Windows).
pub fn gcloud_custom_ca(host: &Host, sdk_root: Option<&Path>) -> Option<(String, String)> {
    const VAR: &str = vars::CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE;
    if let Some(v) = host.var(VAR) {
        return Some((VAR.to_string(), v.to_string()));
    }
    let config = host
        .var_path("CLOUDSDK_CONFIG")
        .or_else(|| host.home_path(".config/gcloud"))
        .or_else(|| host.var_path(vars::APPDATA).map(|a| a.join("gcloud")));
    let mut files = Vec::new();
    if let Some(config) = config {
        let active = host
            .var("CLOUDSDK_ACTIVE_CONFIG_NAME")
            .map(str::to_string)
            .or_else(|| read_config(&config.join("active_config")))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && !s.contains(['/', '\\']) && s != "..")
            .unwrap_or_else(|| "default".to_string());
        files.push(
            config
                .join("configurations")
                .join(format!("config_{active}")),
        );
        files.push(config.join("properties"));
    }
    files.extend(sdk_root.map(|r| r.join("properties")));
    files.into_iter().find_map(|file| {
        let text = read_config(&file)?;
        let value = ini_value(&text, "core", "custom_ca_certs_file")?;
        Some((
            format!(
                "core/custom_ca_certs_file in {}",
                crate::x509::text::path_text(&file)
            ),
            value,
        ))
    })
}

/// gcloud's install folder that holds `path`, if any.
pub fn gcloud_root_of(path: &Path) -> Option<&Path> {
    path.ancestors()
        .skip(1)
        .find(|d| d.join("lib").join("gcloud.py").is_file() && d.join("bin").is_dir())
}

/// A configuration file read like a bundle: not through a link, a regular file, owned by
/// the user running certpatch or by root (a file another user can write must not steer
/// what certpatch tells root), at most 1 MiB.
fn read_config(path: &Path) -> Option<String> {
    let file = open_config(path)?;
    let mut text = String::new();
    file.take(1 << 20).read_to_string(&mut text).ok()?;
    Some(text)
}

/// Opens a properties file only when it is a regular file owned by root (an
/// administrator) or the user certpatch runs as, never through a link (`crate::os`).
fn open_config(path: &Path) -> Option<std::fs::File> {
    let file = crate::os::open_read(path).ok()?;
    let meta = crate::os::file_meta(&file).ok()?;
    let me = crate::os::euid();
    if meta.kind != crate::os::Kind::File || (meta.owner != me && meta.owner != 0) {
        return None;
    }
    Some(file)
}

/// `key` in `[section]` of an INI text (gcloud's properties files), trimmed, non-empty.
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if current == section {
            if let Some((k, v)) = line.split_once(['=', ':']) {
                if k.trim() == key {
                    found = Some(v.trim().to_string()).filter(|v| !v.is_empty());
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn ini_values() {
        let text = "[core]\naccount = a\ncustom_ca_certs_file = /x/ca.pem\n[other]\ncustom_ca_certs_file = /y\n";
        assert_eq!(
            ini_value(text, "core", "custom_ca_certs_file").as_deref(),
            Some("/x/ca.pem")
        );
        assert_eq!(ini_value("[core]\n", "core", "custom_ca_certs_file"), None);
        assert_eq!(
            ini_value(
                "[auth]\ncustom_ca_certs_file = /z\n",
                "core",
                "custom_ca_certs_file"
            ),
            None
        );
    }

    #[test]
    fn gcloud_setting_from_the_active_configuration_then_the_installation() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("home");
        let sdk = t.path().join("sdk");
        mkdirs(&home.join(".config/gcloud/configurations"));
        mkdirs(&sdk);
        let host = Host::for_tests(t.path(), &[("HOME", home.to_str().unwrap())], t.path());
        assert_eq!(gcloud_custom_ca(&host, Some(&sdk)), None);
        std::fs::write(
            sdk.join("properties"),
            "[core]\ncustom_ca_certs_file = /inst.pem\n",
        )
        .unwrap();
        assert_eq!(
            gcloud_custom_ca(&host, Some(&sdk))
                .map(|(_, v)| v)
                .as_deref(),
            Some("/inst.pem")
        );
        let cfg = home.join(".config/gcloud");
        std::fs::write(cfg.join("active_config"), "work\n").unwrap();
        std::fs::write(
            cfg.join("configurations/config_work"),
            "[core]\ncustom_ca_certs_file = /work.pem\n",
        )
        .unwrap();
        let (setting, value) = gcloud_custom_ca(&host, Some(&sdk)).unwrap();
        assert_eq!(value, "/work.pem");
        assert!(setting.contains("config_work"), "{setting}");
        // A link is not followed (symbolic links need privileges to make on Windows).
        #[cfg(unix)]
        {
            std::fs::remove_file(cfg.join("configurations/config_work")).unwrap();
            std::os::unix::fs::symlink(
                sdk.join("properties"),
                cfg.join("configurations/config_work"),
            )
            .unwrap();
            let (setting, _) = gcloud_custom_ca(&host, Some(&sdk)).unwrap();
            assert!(setting.contains("sdk/properties"), "{setting}");
        }
        let host = Host::for_tests(
            t.path(),
            &[
                ("HOME", home.to_str().unwrap()),
                ("CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE", "/env.pem"),
            ],
            t.path(),
        );
        assert_eq!(
            gcloud_custom_ca(&host, Some(&sdk)),
            Some((
                "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE".to_string(),
                "/env.pem".to_string()
            ))
        );
    }

    #[test]
    fn serves_from_the_parent_folders() {
        let t = tempfile::tempdir().unwrap();
        let sdk = t.path().join("google-cloud-sdk");
        write_bundle(&sdk.join("lib/third_party/certifi/cacert.pem"), 2);
        std::fs::write(sdk.join("lib/gcloud.py"), "").unwrap();
        mkdirs(&sdk.join("bin"));
        assert_eq!(
            serves(
                &sdk.join("lib/third_party/certifi/cacert.pem"),
                Kind::Certifi
            ),
            Some(Program::Gcloud)
        );
        let sp = t.path().join("az/lib/python3.12/site-packages");
        write_bundle(&sp.join("certifi/cacert.pem"), 2);
        assert_eq!(serves(&sp.join("certifi/cacert.pem"), Kind::Certifi), None);
        std::fs::create_dir_all(sp.join("azure/cli")).unwrap();
        std::fs::write(sp.join("azure/cli/__main__.py"), "").unwrap();
        assert_eq!(
            serves(&sp.join("certifi/cacert.pem"), Kind::Certifi),
            Some(Program::Az)
        );
        let dist = t.path().join("aws-cli/v2/current/dist");
        write_bundle(&dist.join("awscli/botocore/cacert.pem"), 2);
        assert_eq!(
            serves(&dist.join("awscli/botocore/cacert.pem"), Kind::Botocore),
            None
        );
        std::fs::write(dist.join("aws"), "").unwrap();
        assert_eq!(
            serves(&dist.join("awscli/botocore/cacert.pem"), Kind::Botocore),
            Some(Program::Aws)
        );
        assert_eq!(
            serves(
                Path::new("/v/grpc/_cython/_credentials/roots.pem"),
                Kind::Grpcio
            ),
            Some(Program::Grpcio)
        );
    }
}
