//! What makes a Python client ignore the bundles certpatch patches: environment variables
//! and pip's configuration. `find`, `add`, `check` and `status` report them.
//!
//! [`overrides`] lists the variables that are set. [`findings`] says, for one bundle, which
//! client stops reading it and why — exactly per client and version, as measured with the
//! real packages (requests 2.34, httpx 0.28, pip 23.2.1, 24.1.2 and 24.3.1 on CPython
//! 3.11, against a local TLS server that omits its intermediate, with the intermediate
//! patched into the bundle and the setting pointing at a file without it):
//!
//! | bundle | client | ignores the patched bundle when |
//! | --- | --- | --- |
//! | certifi | requests | `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE` is set (not `SSL_CERT_FILE`/`SSL_CERT_DIR`, not `PIP_CERT`) |
//! | certifi | httpx | `SSL_CERT_FILE` or `SSL_CERT_DIR` is set (not the requests variables) |
//! | certifi | the `ssl` module | always: its default context reads OpenSSL's paths, never certifi (only `SSL_CERT_FILE` naming the bundle makes it read it) |
//! | pip-vendored | pip before 24.2 (or on Python before 3.10, or with `use-deprecated = legacy-certs`) | `PIP_CERT`, `--cert`, `cert =` in a pip configuration file (`PIP_CONFIG_FILE` too), `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE` is set |
//! | pip-vendored | pip 24.2 and later | never: pip uses truststore (the OS store) and loads its vendored certifi bundle on top; `PIP_CERT`, `--cert`, `cert =` and the requests variables *add* a file, they do not replace the bundle |
//! | conda `ssl/cacert.pem` | the `ssl` module of that prefix | `SSL_CERT_FILE` or `SSL_CERT_DIR` is set (not measured: no conda here) |

use std::path::{Path, PathBuf};

use super::host::{vars, Host};
use super::kinds::Kind;

/// One variable that is set, and what it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The variable's name.
    pub var: &'static str,
    /// Its value.
    pub value: String,
    /// What it means for requests, pip and the `ssl` module.
    pub effect: &'static str,
}

/// Every variable, in the order they are reported, with its effect.
pub const OVERRIDES: [(&str, &str); 9] = [
    (
        vars::REQUESTS_CA_BUNDLE,
        "requests uses this file instead of certifi's bundle (and so does pip before 24.2, \
         through its vendored requests); patching certifi has no effect on requests while it is set",
    ),
    (
        vars::CURL_CA_BUNDLE,
        "requests uses this file instead of certifi's bundle when `REQUESTS_CA_BUNDLE` is not \
         set (and so does pip before 24.2; curl reads it too); patching certifi has no effect on \
         requests while it is set",
    ),
    (
        vars::SSL_CERT_FILE,
        "the ssl module's default context (`ssl.create_default_context()`, urllib, \
         http.client) trusts this file, and httpx uses it instead of certifi; requests and pip \
         still use their certifi bundles (pip 24.2+ adds it to the system store it trusts)",
    ),
    (
        vars::SSL_CERT_DIR,
        "the ssl module's default context also trusts the hashed certificates in this folder, \
         and httpx uses it instead of certifi; requests and pip still use their certifi bundles",
    ),
    (
        vars::PIP_CERT,
        "pip before 24.2 verifies against this file instead of its vendored certifi bundle, so \
         patching pip's bundle has no effect on it; pip 24.2 and later (on Python 3.10+) add \
         this file to the system store and its vendored bundle, so a patch still works there \
         (requests, httpx and the ssl module ignore it)",
    ),
    (
        vars::GRPC_DEFAULT_SSL_ROOTS_FILE_PATH,
        "gRPC clients (grpcio) trust this file instead of grpcio's own roots.pem, so patching \
         roots.pem has no effect on them while it is set",
    ),
    (
        vars::HTTPLIB2_CA_CERTS,
        "httplib2 trusts this file instead of certifi's bundle or its own cacerts.txt",
    ),
    (
        vars::AWS_CA_BUNDLE,
        "botocore, boto3 and the AWS CLI trust this file instead of their cacert.pem",
    ),
    (
        vars::CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE,
        "gcloud (and gsutil, bq) trust this file instead of the Google Cloud SDK's own bundles",
    ),
];

/// The overriding variables set on this host (an empty value counts as
/// unset, as requests treats it).
pub fn overrides(host: &Host) -> Vec<Override> {
    OVERRIDES
        .iter()
        .filter_map(|(var, effect)| {
            host.var(var).map(|value| Override {
                var,
                value: value.to_string(),
                effect,
            })
        })
        .collect()
}

/// pip's setting that brings back the behaviour before 24.2 (certifi only).
const LEGACY_CERTS: &str = "legacy-certs";

/// One thing that makes one client ignore one bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The client: `requests`, `httpx`, `pip`, `ssl`.
    pub client: &'static str,
    /// Which versions of it this is about (`pip 23.2.1, before 24.2`), when it matters.
    pub versions: Option<String>,
    /// The setting: a variable's name, or `cert = … in FILE`.
    pub setting: String,
    /// Its value.
    pub value: String,
    /// What it does to that client.
    pub effect: String,
    /// What to do about it.
    pub fix: String,
}

/// Which client ignores the bundle at `bundle` (of `kind`), and why. A variable that names
/// that very bundle is no problem. `pip` is the version of the pip that owns a vendored
/// bundle, when known.
pub fn findings(host: &Host, bundle: &Path, kind: Kind, pip: Option<&str>) -> Vec<Finding> {
    let names_it = |value: &str| {
        dunce::canonicalize(value)
            .ok()
            .is_some_and(|p| p == bundle || dunce::canonicalize(bundle).ok() == Some(p))
    };
    let var = |name: &'static str| {
        host.var(name)
            .filter(|v| !names_it(v))
            .map(|v| (name, v.to_string()))
    };
    let mut out = Vec::new();
    // Paths quoted for the shell: `status` lists this under `next:`, where it may be pasted.
    let unset = |name: &str| {
        format!(
            "unset {name}, or point it at {}",
            crate::x509::text::shell_path(bundle)
        )
    };
    match kind {
        Kind::Certifi | Kind::Other | Kind::Botocore => {
            for name in [vars::REQUESTS_CA_BUNDLE, vars::CURL_CA_BUNDLE] {
                if let Some((setting, value)) = var(name) {
                    out.push(Finding {
                        client: "requests",
                        versions: None,
                        setting: setting.to_string(),
                        effect: format!("requests verifies against {value} instead of certifi's bundle, so the patch has no effect on requests"),
                        value,
                        fix: unset(name),
                    });
                }
            }
            if kind == Kind::Certifi {
                for name in [vars::SSL_CERT_FILE, vars::SSL_CERT_DIR] {
                    if let Some((setting, value)) = var(name) {
                        out.push(Finding {
                            client: "httpx",
                            versions: None,
                            setting: setting.to_string(),
                            effect: format!("httpx verifies against {value} instead of certifi's bundle, so the patch has no effect on httpx (requests and pip are not affected)"),
                            value,
                            fix: unset(name),
                        });
                    }
                }
            }
        }
        Kind::PipVendored => {
            let pip_versions = |legacy: &str| match pip {
                Some(v) => format!("pip {v}, {legacy}"),
                None => format!("pip of unknown version, {legacy}"),
            };
            let python = python_version(bundle);
            let config = pip_config(host, bundle);
            let legacy_setting = host
                .var("PIP_USE_DEPRECATED")
                .filter(|v| v.contains(LEGACY_CERTS))
                .map(|_| "PIP_USE_DEPRECATED=legacy-certs".to_string())
                .or_else(|| {
                    config
                        .iter()
                        .find(|c| c.key == "use-deprecated" && c.value.contains(LEGACY_CERTS))
                        .map(|c| format!("use-deprecated = legacy-certs in {}", c.file.display()))
                });
            let legacy = match (pip.and_then(version_tuple), python) {
                (Some(v), _) if v < (24, 2) => Some("before 24.2".to_string()),
                (_, Some(py)) if py < (3, 10) => Some(format!(
                    "on Python {}.{} (truststore needs 3.10)",
                    py.0, py.1
                )),
                (Some(_), _) => legacy_setting.map(|s| format!("24.2 or later with {s}")),
                // Unknown version: said, since it holds for every pip before 24.2.
                (None, _) => Some(
                    "which holds for pip before 24.2 (24.2 and later load their bundle anyway)"
                        .to_string(),
                ),
            };
            let Some(legacy) = legacy else {
                return out; // truststore plus the vendored bundle: nothing displaces it
            };
            let versions = Some(pip_versions(&legacy));
            for name in [
                vars::PIP_CERT,
                vars::REQUESTS_CA_BUNDLE,
                vars::CURL_CA_BUNDLE,
            ] {
                if let Some((setting, value)) = var(name) {
                    out.push(Finding {
                        client: "pip",
                        versions: versions.clone(),
                        setting: setting.to_string(),
                        effect: format!("pip verifies against {value} instead of its vendored bundle, so the patch has no effect on pip"),
                        value,
                        fix: format!("{}; or upgrade pip to 24.2 or later, which loads its bundle on top of the system store and this file", unset(name)),
                    });
                }
            }
            if host.var(vars::PIP_CERT).is_none() {
                for c in config
                    .iter()
                    .filter(|c| c.key == "cert" && !names_it(&c.value))
                {
                    out.push(Finding {
                        client: "pip",
                        versions: versions.clone(),
                        setting: format!("cert = … in [{}] of {}", c.section, c.file.display()),
                        value: c.value.clone(),
                        effect: format!("pip verifies against {} instead of its vendored bundle, so the patch has no effect on pip", c.value),
                        fix: format!("remove `cert` from {} (or point it at {}), or upgrade pip to 24.2 or later", crate::x509::text::shell_path(&c.file), crate::x509::text::shell_path(bundle)),
                    });
                }
            }
        }
        Kind::Grpcio => {
            if let Some((setting, value)) = var(vars::GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) {
                out.push(Finding {
                    client: "grpc",
                    versions: None,
                    setting: setting.to_string(),
                    effect: format!("gRPC clients verify against {value} instead of grpcio's roots.pem, so the patch has no effect on them"),
                    value,
                    fix: unset(vars::GRPC_DEFAULT_SSL_ROOTS_FILE_PATH),
                });
            }
        }
        Kind::Httplib2 => {}
        Kind::Conda => {
            for name in [vars::SSL_CERT_FILE, vars::SSL_CERT_DIR] {
                if let Some((setting, value)) = var(name) {
                    out.push(Finding {
                        client: "ssl",
                        versions: None,
                        setting: setting.to_string(),
                        effect: format!("the ssl module of this prefix trusts {value} instead of its ssl/cacert.pem"),
                        value,
                        fix: unset(name),
                    });
                }
            }
        }
    }
    out.extend(application_findings(host, bundle, kind, &var));
    out
}

/// What makes the program a bundle serves ([`super::apps::serves`]) ignore it: httplib2's,
/// botocore's and the AWS CLI's variables, gcloud's `core/custom_ca_certs_file`, and the
/// Azure CLI's `REQUESTS_CA_BUNDLE` — each naming the application's own setting, which a
/// reinstall or upgrade of the application does not drop, as the alternative to a patch.
fn application_findings(
    host: &Host,
    bundle: &Path,
    kind: Kind,
    var: &dyn Fn(&'static str) -> Option<(&'static str, String)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let shell = crate::x509::text::shell_path;
    use super::apps::Program;
    let serves = super::apps::serves(bundle, kind);
    // httplib2 reads certifi's bundle when certifi is installed beside it.
    let beside_httplib2 = kind == Kind::Certifi
        && bundle
            .parent()
            .and_then(Path::parent)
            .is_some_and(|sp| sp.join("httplib2").is_dir());
    if kind == Kind::Httplib2 || beside_httplib2 {
        if let Some((setting, value)) = var(vars::HTTPLIB2_CA_CERTS) {
            {
                out.push(Finding {
                    client: "httplib2",
                    versions: None,
                    setting: setting.to_string(),
                    effect: format!("httplib2 verifies against {value} instead of certifi's bundle or its own cacerts.txt, so the patch has no effect on httplib2"),
                    value,
                    fix: format!("unset {setting}, or point it at {}", shell(bundle)),
                });
            }
        }
    }
    if kind == Kind::Botocore || serves == Some(Program::Aws) {
        if let Some((setting, value)) = var(vars::AWS_CA_BUNDLE) {
            out.push(Finding {
                client: if serves == Some(Program::Aws) { "aws" } else { "botocore" },
                versions: None,
                setting: setting.to_string(),
                effect: format!("botocore and the AWS CLI verify against {value} instead of their cacert.pem, so the patch has no effect on them"),
                value: value.clone(),
                fix: format!("AWS_CA_BUNDLE (or `ca_bundle` in ~/.aws/config) is the AWS tools' own setting and survives their upgrades: add the certificate to {} instead, or unset {setting} to use the patched bundle", shell(Path::new(&value))),
            });
        }
    }
    // gcloud's HTTP and gRPC layers read the setting; the pip of its bundled Python
    // (which `gcloud components` may run) does not.
    if serves == Some(Program::Gcloud) && kind != Kind::PipVendored {
        let root = super::apps::gcloud_root_of(bundle);
        if let Some((setting, value)) = super::apps::gcloud_custom_ca(host, root) {
            let names_it = std::fs::canonicalize(&value)
                .ok()
                .is_some_and(|p| Some(p) == std::fs::canonicalize(bundle).ok());
            if !names_it {
                out.push(Finding {
                    client: "gcloud",
                    versions: None,
                    setting: setting.clone(),
                    effect: format!("gcloud (and gsutil, bq) verify against {value} instead of the Google Cloud SDK's bundles, so the patch has no effect on them"),
                    value: value.clone(),
                    fix: format!("gcloud's own setting is the better fix (an SDK update replaces its bundles and drops a patch): add the certificate to {} (or `gcloud config set core/custom_ca_certs_file FILE` with a bundle that holds it)", shell(Path::new(&value))),
                });
            }
        }
    }
    if serves == Some(Program::Az) {
        if let Some((setting, value)) = var(vars::REQUESTS_CA_BUNDLE) {
            out.push(Finding {
                client: "az",
                versions: None,
                setting: setting.to_string(),
                effect: format!("the Azure CLI verifies against {value} instead of its certifi bundle, so the patch has no effect on az"),
                value: value.clone(),
                fix: format!("REQUESTS_CA_BUNDLE is the Azure CLI's documented setting and survives its upgrades: add the certificate to {} instead, or unset it to use the patched bundle", shell(Path::new(&value))),
            });
        }
    }
    out
}

/// `24.2` → (24, 2).
fn version_tuple(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.split('.');
    let major = parts.next()?.trim().parse().ok()?;
    let minor = parts
        .next()
        .map(|m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    Some((major, minor))
}

/// The Python version of a bundle inside `lib/python3.X/`.
fn python_version(bundle: &Path) -> Option<(u32, u32)> {
    bundle.components().find_map(|c| {
        let name = c.as_os_str().to_str()?;
        version_tuple(name.strip_prefix("python")?)
    })
}

/// One `key = value` of a pip configuration file.
#[derive(Clone, Debug)]
struct PipSetting {
    file: PathBuf,
    section: String,
    key: String,
    value: String,
}

/// The settings of the pip configuration files that the pip owning `bundle` reads:
/// `PIP_CONFIG_FILE` (`/dev/null` turns every file off), the global files
/// (`/etc/xdg/pip/pip.conf`, `/etc/pip.conf`), the user's (`~/.pip/pip.conf`,
/// `~/.config/pip/pip.conf`; not read when `PIP_CONFIG_FILE` names a file) and the
/// environment's own `pip.conf`.
fn pip_config(host: &Host, bundle: &Path) -> Vec<PipSetting> {
    let env_file = host.var("PIP_CONFIG_FILE").map(PathBuf::from);
    if env_file.as_deref() == Some(Path::new("/dev/null")) {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = Vec::new();
    files.extend(env_file.clone());
    files.push(host.system_path("/etc/xdg/pip/pip.conf"));
    files.push(host.system_path("/etc/pip.conf"));
    if !env_file.as_deref().is_some_and(Path::is_file) {
        files.extend(host.home_path(".pip/pip.conf"));
        match host.var("XDG_CONFIG_HOME") {
            Some(x) => files.push(PathBuf::from(x).join("pip/pip.conf")),
            None => files.extend(host.home_path(".config/pip/pip.conf")),
        }
    }
    // The environment's prefix: the folder above `lib/` (or `Lib\`).
    if let Some(prefix) = bundle
        .ancestors()
        .find(|d| d.file_name().is_some_and(|n| n == "lib" || n == "Lib"))
        .and_then(Path::parent)
    {
        files.push(prefix.join("pip.conf"));
    }
    let mut out = Vec::new();
    for file in files {
        let Some(text) = super::kinds::read_text(&file) else {
            continue;
        };
        let mut section = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim().to_string();
                continue;
            }
            if let Some((k, v)) = line.split_once('=').or_else(|| line.split_once(':')) {
                let key = k.trim().to_ascii_lowercase().replace('_', "-");
                if key == "cert" || key == "use-deprecated" {
                    out.push(PipSetting {
                        file: file.clone(),
                        section: section.clone(),
                        key,
                        value: v.trim().to_string(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn pip_bundle(root: &Path, py: &str) -> PathBuf {
        let b = root.join(format!(
            "venv/lib/{py}/site-packages/pip/_vendor/certifi/cacert.pem"
        ));
        std::fs::create_dir_all(b.parent().unwrap()).unwrap();
        std::fs::write(&b, "x").unwrap();
        b
    }

    #[test]
    fn applications_own_settings_are_findings_on_their_bundles() {
        let t = tempfile::tempdir().unwrap();
        let mk = |rel: &str| {
            let p = t.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "x").unwrap();
            p
        };
        // The Azure CLI's certifi: REQUESTS_CA_BUNDLE is its documented setting.
        let az = mk("opt/az/lib/python3.12/site-packages/certifi/cacert.pem");
        mk("opt/az/lib/python3.12/site-packages/azure/cli/__main__.py");
        let host = Host::for_tests(t.path(), &[("REQUESTS_CA_BUNDLE", "/corp.pem")], t.path());
        let f = findings(&host, &az, Kind::Certifi, None);
        let clients: Vec<&str> = f.iter().map(|f| f.client).collect();
        assert_eq!(clients, ["requests", "az"], "{f:?}");
        assert!(f[1].fix.contains("Azure CLI's documented setting"), "{f:?}");
        // The AWS CLI v2's botocore: AWS_CA_BUNDLE, named as the better fix.
        let aws = mk("aws-cli/v2/current/dist/awscli/botocore/cacert.pem");
        mk("aws-cli/v2/current/dist/aws");
        let host = Host::for_tests(t.path(), &[("AWS_CA_BUNDLE", "/corp.pem")], t.path());
        let f = findings(&host, &aws, Kind::Botocore, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].client, f[0].setting.as_str()),
            ("aws", "AWS_CA_BUNDLE")
        );
        assert!(f[0].fix.contains("survives their upgrades"), "{f:?}");
        // grpcio's roots and httplib2's own bundle, each with its variable only.
        let roots = mk("v/lib/python3.12/site-packages/grpc/_cython/_credentials/roots.pem");
        let h2 = mk("v/lib/python3.12/site-packages/httplib2/cacerts.txt");
        let host = Host::for_tests(
            t.path(),
            &[
                ("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "/corp.pem"),
                ("HTTPLIB2_CA_CERTS", "/corp.pem"),
            ],
            t.path(),
        );
        let f = findings(&host, &roots, Kind::Grpcio, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].client, "grpc");
        let f = findings(&host, &h2, Kind::Httplib2, None);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].client, "httplib2");
        // A variable naming the patched bundle itself is no problem.
        let same = roots.display().to_string();
        let host = Host::for_tests(
            t.path(),
            &[("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", same.as_str())],
            t.path(),
        );
        assert!(findings(&host, &roots, Kind::Grpcio, None).is_empty());
    }

    #[test]
    fn pip_cert_displaces_the_vendored_bundle_only_before_pip_24_2() {
        let t = tempfile::tempdir().unwrap();
        let b = pip_bundle(t.path(), "python3.11");
        let host = Host::for_tests(t.path(), &[("PIP_CERT", "/other.pem")], t.path());
        let old = findings(&host, &b, Kind::PipVendored, Some("24.1.2"));
        assert_eq!(old.len(), 1);
        assert_eq!(
            (old[0].client, old[0].setting.as_str()),
            ("pip", "PIP_CERT")
        );
        assert_eq!(old[0].versions.as_deref(), Some("pip 24.1.2, before 24.2"));
        assert!(findings(&host, &b, Kind::PipVendored, Some("24.2")).is_empty());
        assert!(findings(&host, &b, Kind::PipVendored, Some("25.0.1")).is_empty());
        // truststore needs Python 3.10: pip 24.3 on 3.9 behaves as before.
        let b39 = pip_bundle(&t.path().join("o"), "python3.9");
        assert_eq!(
            findings(&host, &b39, Kind::PipVendored, Some("24.3.1")).len(),
            1
        );
        // legacy-certs brings the old behaviour back.
        let legacy = Host::for_tests(
            t.path(),
            &[
                ("PIP_CERT", "/other.pem"),
                ("PIP_USE_DEPRECATED", "legacy-certs"),
            ],
            t.path(),
        );
        assert_eq!(
            findings(&legacy, &b, Kind::PipVendored, Some("24.3.1")).len(),
            1
        );
        // PIP_CERT does nothing to requests or httpx.
        let c = t.path().join("certifi/cacert.pem");
        assert!(findings(&host, &c, Kind::Certifi, None).is_empty());
    }

    #[test]
    fn pip_conf_cert_is_found_in_global_user_env_and_pip_config_file() {
        let t = tempfile::tempdir().unwrap();
        let b = pip_bundle(t.path(), "python3.11");
        let home = t.path().join("home");
        std::fs::create_dir_all(home.join(".config/pip")).unwrap();
        std::fs::write(
            home.join(".config/pip/pip.conf"),
            "[install]
cert = /u.pem
",
        )
        .unwrap();
        std::fs::create_dir_all(t.path().join("etc")).unwrap();
        std::fs::write(
            t.path().join("etc/pip.conf"),
            "[global]
cert=/g.pem
",
        )
        .unwrap();
        std::fs::write(
            t.path().join("venv/pip.conf"),
            "[global]
timeout = 3
",
        )
        .unwrap();
        let host = Host::for_tests(t.path(), &[("HOME", home.to_str().unwrap())], t.path());
        let f = findings(&host, &b, Kind::PipVendored, Some("23.2.1"));
        let values: Vec<&str> = f.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(values, ["/g.pem", "/u.pem"]);
        assert!(f[1].setting.contains("[install]"), "{}", f[1].setting);
        // PIP_CONFIG_FILE=/dev/null turns every file off.
        let off = Host::for_tests(
            t.path(),
            &[
                ("HOME", home.to_str().unwrap()),
                ("PIP_CONFIG_FILE", "/dev/null"),
            ],
            t.path(),
        );
        assert!(findings(&off, &b, Kind::PipVendored, Some("23.2.1")).is_empty());
    }

    #[test]
    fn requests_and_httpx_variables_are_told_apart() {
        let t = tempfile::tempdir().unwrap();
        let c = t.path().join("site/certifi/cacert.pem");
        let host = Host::for_tests(
            t.path(),
            &[("CURL_CA_BUNDLE", "/c.pem"), ("SSL_CERT_DIR", "/d")],
            t.path(),
        );
        let f = findings(&host, &c, Kind::Certifi, None);
        let got: Vec<(&str, &str)> = f.iter().map(|f| (f.client, f.setting.as_str())).collect();
        assert_eq!(
            got,
            [("requests", "CURL_CA_BUNDLE"), ("httpx", "SSL_CERT_DIR")]
        );
    }

    #[test]
    fn reports_only_set_variables_in_order() {
        let host = Host::for_tests(
            Path::new("/"),
            &[
                ("PIP_CERT", "/p.pem"),
                ("REQUESTS_CA_BUNDLE", "/r.pem"),
                ("SSL_CERT_DIR", ""),
                ("HOME", "/h"),
            ],
            Path::new("/"),
        );
        let got = overrides(&host);
        let names: Vec<&str> = got.iter().map(|o| o.var).collect();
        assert_eq!(names, ["REQUESTS_CA_BUNDLE", "PIP_CERT"]);
        assert_eq!(got[0].value, "/r.pem");
        assert!(got[0]
            .effect
            .contains("patching certifi has no effect on requests"));
        assert!(got[1].effect.starts_with("pip before 24.2 verifies"));
    }

    #[test]
    fn nothing_set_nothing_reported() {
        let host = Host::for_tests(Path::new("/"), &[], Path::new("/"));
        assert!(overrides(&host).is_empty());
    }
}
