//! Which package (and which version of it) owns a bundle file.
//!
//! certpatch needs this to say *what* changed a bundle ("certifi 2024.8.30 → 2026.10.19")
//! and to name the command that puts a package's own copy back (`pip install
//! --force-reinstall certifi`, `conda install --force-reinstall …`). It is recorded in each
//! backup's `meta.toml` and is meant to be shared by the ledger: one small, serialisable
//! answer, read only from files on disk (no interpreter is run).
//!
//! [`recorded`] reads the package's own record of the file's content (the wheel's `RECORD`
//! hash, conda's `paths_data` sha256), which tells a pristine bundle from one something
//! else edited.
//!
//! How it is determined, first match wins:
//! - **conda**: a `conda-meta/*.json` of the bundle's own conda prefix whose `files` list
//!   the bundle's path (relative to the prefix). conda owns the file even when it is
//!   certifi's. The prefix is the folder the bundle's place in a conda layout names
//!   (`P/ssl/cacert.pem`, `P/Library/ssl/cacert.pem`, `P/lib/pythonX.Y/site-packages/…`,
//!   `P/Lib/site-packages/…`), not any ancestor with a `conda-meta/`: a venv (with a
//!   `pyvenv.cfg`) is no conda prefix, and on Unix `conda-meta/` must have the prefix's
//!   owner. Otherwise another user's `conda-meta/x.json` in a folder above a venv would
//!   name the package (and its hash would call the untouched bundle edited). A package
//!   name that is not a conda package name (`[A-Za-z0-9_.+-]`) is not used either.
//! - **pip's vendored certifi** (`…/pip/_vendor/certifi/cacert.pem`): pip's own
//!   `pip-*.dist-info/METADATA` version, and the vendored certifi's `__version__`.
//! - **certifi** (`…/certifi/cacert.pem`): `certifi-*.dist-info/METADATA` (or
//!   `certifi-*.egg-info/PKG-INFO`) beside the `certifi/` folder, else `certifi/__init__.py`'s
//!   `__version__`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The package that owns a bundle file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The package's name: `certifi`, `pip` (vendored certifi), or a conda package's name.
    pub package: String,
    /// Its version, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// For pip's vendored copy: the version of the certifi vendored inside pip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendored_certifi: Option<String>,
    /// How it was determined (the file read), for messages and debugging.
    #[serde(default)]
    pub source: String,
    /// The installer that manages it: `pip` or `conda`.
    #[serde(default)]
    pub manager: String,
}

impl fmt::Display for Provenance {
    /// `certifi 2024.8.30`, `pip 24.0 (vendored certifi 2024.7.4)`, `conda package certifi 2024.8.30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.manager == "conda" {
            write!(f, "conda package ")?;
        }
        write!(f, "{}", self.package)?;
        if let Some(v) = &self.version {
            write!(f, " {v}")?;
        }
        if let Some(v) = &self.vendored_certifi {
            write!(f, " (vendored certifi {v})")?;
        }
        Ok(())
    }
}

impl Provenance {
    /// The version to compare: the vendored certifi's for pip, else the package's.
    pub fn effective_version(&self) -> Option<&str> {
        self.vendored_certifi.as_deref().or(self.version.as_deref())
    }

    /// The command that puts the package's own copy of the bundle back, quoted for the
    /// shell (the name comes from a file of the environment).
    pub fn reinstall_command(&self) -> String {
        let package = crate::x509::text::shell_word(&self.package);
        match self.manager.as_str() {
            "conda" => format!("conda install --force-reinstall {package}"),
            // An install from a package manager has the component manager switched off:
            // reinstalling the package (`apt-get install --reinstall google-cloud-cli`)
            // does the same.
            "gcloud" => "gcloud components reinstall".to_string(),
            // AWS's documented update, run from the unzipped installer.
            "aws" => {
                "./aws/install --bin-dir /usr/local/bin --install-dir /usr/local/aws-cli --update"
                    .to_string()
            }
            _ => format!("pip install --force-reinstall {package}"),
        }
    }
}

/// The package that owns `bundle`, when one can be told from the files around it.
pub fn of(bundle: &Path) -> Option<Provenance> {
    application(bundle)
        .or_else(|| conda(bundle))
        .or_else(|| pip_vendored(bundle))
        .or_else(|| certifi(bundle))
        .or_else(|| own_roots(bundle))
}

/// A bundle an application vendors outside any Python environment of its own: the Google
/// Cloud SDK (`<sdk>/lib/third_party/certifi/cacert.pem`, …; its `VERSION` file) and the
/// AWS CLI v2 (`<aws-cli>/v2/<version>/dist/…`). The application's version is what is
/// recorded and compared: its update replaces the file (and drops a patch) even when the
/// vendored certifi stays the same, and `status` must notice that.
fn application(bundle: &Path) -> Option<Provenance> {
    for dir in bundle.ancestors().skip(1) {
        if dir.file_name().is_some_and(|n| n == "site-packages") {
            // The application's own Python environment: its package owns the file.
            return None;
        }
        if dir.join("lib").join("gcloud.py").is_file() && dir.join("bin").is_dir() {
            let version_file = dir.join("VERSION");
            let version = read_head(&version_file)
                .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
                .filter(|v| version_like(v));
            return Some(Provenance {
                package: "google-cloud-sdk".to_string(),
                version,
                vendored_certifi: None,
                source: version_file.display().to_string(),
                manager: "gcloud".to_string(),
            });
        }
        if dir.join("awscli").is_dir() && dir.join("aws").is_file() {
            // /usr/local/aws-cli/v2/2.17.0/dist (through the `current` link, resolved).
            let real = std::fs::canonicalize(dir).ok()?;
            let version = real
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .filter(|v| version_like(v))
                .map(str::to_string);
            return Some(Provenance {
                package: "aws-cli".to_string(),
                version,
                vendored_certifi: None,
                source: real.display().to_string(),
                manager: "aws".to_string(),
            });
        }
    }
    None
}

/// `528.0.0`, `2.17.0`: digits and dots, short.
fn version_like(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 32
        && v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// grpcio's `grpc/_cython/_credentials/roots.pem` and httplib2's `httplib2/cacerts.txt`:
/// the package's `dist-info` version.
fn own_roots(bundle: &Path) -> Option<Provenance> {
    let names: Vec<&str> = bundle
        .iter()
        .rev()
        .take(4)
        .filter_map(|n| n.to_str())
        .collect();
    let (package, up) = match names.as_slice() {
        ["roots.pem", "_credentials", "_cython", "grpc", ..] => ("grpcio", 4),
        ["cacerts.txt", "httplib2", ..] => ("httplib2", 2),
        _ => return None,
    };
    let site = bundle.ancestors().nth(up)?;
    let (version, source) = dist_info_version(site, package)?;
    Some(Provenance {
        package: package.to_string(),
        version: Some(version),
        vendored_certifi: None,
        source,
        manager: "pip".to_string(),
    })
}

fn conda(bundle: &Path) -> Option<Provenance> {
    let (path, json, _) = conda_record(bundle, |json, rel| {
        json["files"]
            .as_array()
            .is_some_and(|files| files.iter().any(|f| f.as_str() == Some(rel)))
    })?;
    let package = json["name"].as_str().filter(|n| conda_package_name(n))?;
    Some(Provenance {
        package: package.to_string(),
        version: json["version"].as_str().map(str::to_string),
        vendored_certifi: None,
        source: path.display().to_string(),
        manager: "conda".to_string(),
    })
}

/// The first `conda-meta/*.json` of the conda prefix holding `bundle` (in name order) for
/// which `wanted(record, path of the bundle relative to the prefix)` holds, with its path
/// and that relative path.
fn conda_record(
    bundle: &Path,
    wanted: impl Fn(&serde_json::Value, &str) -> bool,
) -> Option<(PathBuf, serde_json::Value, String)> {
    let prefix = conda_prefix(bundle)?;
    // conda's records name files with `/` on every platform (`Lib/site-packages/…` on
    // Windows too), so the relative path is spelled with `/` whatever the separator.
    let rel = bundle
        .strip_prefix(prefix)
        .ok()?
        .iter()
        .map(|c| c.to_str())
        .collect::<Option<Vec<_>>>()?
        .join("/");
    let mut entries: Vec<_> = std::fs::read_dir(prefix.join("conda-meta"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let Some(text) = read_text(&path) else {
            continue;
        };
        if !text.contains(rel.as_str()) {
            continue; // cheap filter before parsing large records
        }
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if wanted(&json, &rel) {
            return Some((path, json, rel));
        }
    }
    None
}

/// The conda prefix `bundle`'s place names (see the module documentation), when it has
/// its own `conda-meta/` and is not a venv.
fn conda_prefix(bundle: &Path) -> Option<&Path> {
    let names: Vec<&std::ffi::OsStr> = bundle
        .ancestors()
        .skip(1)
        .take(6)
        .filter_map(|d| d.file_name())
        .collect();
    let name = |i: usize| names.get(i).and_then(|n| n.to_str()).unwrap_or("");
    // How many folders above the bundle the prefix is.
    let up = if name(0) == "ssl" {
        if name(1).eq_ignore_ascii_case("Library") {
            3
        } else {
            2
        }
    } else {
        // …/site-packages/certifi/cacert.pem or …/site-packages/pip/_vendor/certifi/cacert.pem
        let site = if name(0) == "certifi" && name(1) == "_vendor" && name(2) == "pip" {
            3
        } else if name(0) == "certifi" {
            1
        } else {
            return None;
        };
        if name(site) != "site-packages" {
            return None;
        }
        if name(site + 1) == "Lib" {
            site + 3
        } else if name(site + 1).starts_with("python") && name(site + 2) == "lib" {
            site + 4
        } else {
            return None;
        }
    };
    let prefix = bundle.ancestors().nth(up)?;
    let meta = prefix.join("conda-meta");
    let meta_info = crate::os::path_meta(&meta, false).ok()?;
    if meta_info.kind != crate::os::Kind::Dir || prefix.join("pyvenv.cfg").exists() {
        return None;
    }
    if crate::os::path_meta(prefix, true).ok()?.owner != meta_info.owner {
        return None;
    }
    Some(prefix)
}

/// Whether `name` can be a conda package's name (letters, digits, `_.+-`).
fn conda_package_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

/// A metadata file of the environment as text, read the way bundles are read: never
/// through a link at the file, never blocking (a FIFO is refused at once), never more
/// than the size limit. The environment belongs to its user, and root may be reading it.
fn read_text(path: &Path) -> Option<String> {
    let bytes = crate::store::write::read(path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// How much of a file only its first lines matter in is read: a `METADATA` header, a
/// `VERSION`, an `__init__.py`'s `__version__`. The environment's owner chooses the size.
const HEAD_BYTES: u64 = 64 << 10;

/// How many `NAME-*.dist-info` folders of one package are looked in (pip leaves one; a
/// broken uninstall a second): their number is the environment owner's choice too.
const MAX_DIST_INFOS: usize = 4;

/// The first [`HEAD_BYTES`] of `path` ([`crate::store::write::read_head`]).
fn read_head(path: &Path) -> Option<String> {
    let bytes = crate::store::write::read_head(path, HEAD_BYTES).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn pip_vendored(bundle: &Path) -> Option<Provenance> {
    let certifi_dir = bundle.parent()?;
    let vendor = certifi_dir.parent()?;
    let pip = vendor.parent()?;
    if certifi_dir.file_name()? != "certifi"
        || vendor.file_name()? != "_vendor"
        || pip.file_name()? != "pip"
    {
        return None;
    }
    let site = pip.parent()?;
    let vendored = init_version(&certifi_dir.join("__init__.py"));
    let (version, source) = match dist_info_version(site, "pip") {
        Some((v, from)) => (Some(v), from),
        None => (None, certifi_dir.join("__init__.py").display().to_string()),
    };
    Some(Provenance {
        package: "pip".to_string(),
        version,
        vendored_certifi: vendored,
        source,
        manager: "pip".to_string(),
    })
}

fn certifi(bundle: &Path) -> Option<Provenance> {
    let certifi_dir = bundle.parent()?;
    if certifi_dir.file_name()? != "certifi" {
        return None;
    }
    let site = certifi_dir.parent()?;
    let (version, source) = match dist_info_version(site, "certifi") {
        Some((v, from)) => (Some(v), from),
        None => {
            let init = certifi_dir.join("__init__.py");
            let v = init_version(&init)?;
            (Some(v), init.display().to_string())
        }
    };
    Some(Provenance {
        package: "certifi".to_string(),
        version,
        vendored_certifi: None,
        source,
        manager: "pip".to_string(),
    })
}

/// The `Version:` of `NAME-*.dist-info/METADATA` (or `.egg-info/PKG-INFO`) in `site`, and
/// the file it came from.
fn dist_info_version(site: &Path, name: &str) -> Option<(String, String)> {
    let mut dirs: Vec<_> = std::fs::read_dir(site)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                let lower = n.to_ascii_lowercase();
                lower.starts_with(&format!("{name}-"))
                    && (lower.ends_with(".dist-info") || lower.ends_with(".egg-info"))
            })
        })
        .collect();
    dirs.sort();
    for dir in dirs.into_iter().take(MAX_DIST_INFOS) {
        for file in ["METADATA", "PKG-INFO"] {
            let path = dir.join(file);
            if let Some(text) = read_head(&path) {
                let version = text
                    .lines()
                    .take_while(|l| !l.trim().is_empty())
                    .find_map(|l| l.strip_prefix("Version:"))
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty());
                if let Some(v) = version {
                    return Some((v, path.display().to_string()));
                }
            }
        }
    }
    None
}

/// The package's own record of a bundle's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The SHA-256 of the file as installed (lowercase hex).
    pub sha256: String,
    /// The record it comes from (`…/RECORD`, `conda-meta/….json`).
    pub source: String,
}

/// The SHA-256 the owning package recorded for `bundle`: the `RECORD` line of the wheel's
/// `*.dist-info` (`certifi/cacert.pem,sha256=…` or `pip/_vendor/certifi/cacert.pem,…`), or
/// the `paths_data` of conda's record. `None` when there is no record (or no hash in it).
pub fn recorded(bundle: &Path) -> Option<Recorded> {
    conda_recorded(bundle).or_else(|| wheel_recorded(bundle))
}

fn conda_recorded(bundle: &Path) -> Option<Recorded> {
    let sha = |json: &serde_json::Value, rel: &str| -> Option<String> {
        json["paths_data"]["paths"]
            .as_array()?
            .iter()
            .find(|p| p["_path"].as_str() == Some(rel))?["sha256"]
            .as_str()
            .map(str::to_ascii_lowercase)
    };
    let (path, json, rel) = conda_record(bundle, |json, rel| sha(json, rel).is_some())?;
    Some(Recorded {
        sha256: sha(&json, &rel)?,
        source: path.display().to_string(),
    })
}

fn wheel_recorded(bundle: &Path) -> Option<Recorded> {
    // `certifi/cacert.pem` or `pip/_vendor/certifi/cacert.pem`, relative to site-packages.
    let (site, package, rel) = if pip_vendored_place(bundle) {
        let site = bundle.ancestors().nth(4)?;
        (site, "pip", "pip/_vendor/certifi/cacert.pem")
    } else if bundle.parent()?.file_name()? == "certifi" {
        (bundle.ancestors().nth(2)?, "certifi", "certifi/cacert.pem")
    } else {
        return None;
    };
    let mut dirs: Vec<_> = std::fs::read_dir(site)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                let lower = n.to_ascii_lowercase();
                lower.starts_with(&format!("{package}-")) && lower.ends_with(".dist-info")
            })
        })
        .collect();
    dirs.sort();
    for dir in dirs.into_iter().take(MAX_DIST_INFOS) {
        let record = dir.join("RECORD");
        let Some(text) = read_text(&record) else {
            continue;
        };
        for line in text.lines() {
            let mut cols = line.split(',');
            if cols.next() != Some(rel) {
                continue;
            }
            let Some(b64) = cols.next().and_then(|h| h.strip_prefix("sha256=")) else {
                continue;
            };
            if let Some(sha) = urlsafe_b64_to_hex(b64) {
                return Some(Recorded {
                    sha256: sha,
                    source: record.display().to_string(),
                });
            }
        }
    }
    None
}

fn pip_vendored_place(bundle: &Path) -> bool {
    let names: Vec<_> = bundle
        .ancestors()
        .skip(1)
        .take(3)
        .filter_map(|d| d.file_name())
        .collect();
    names.len() == 3 && names[0] == "certifi" && names[1] == "_vendor" && names[2] == "pip"
}

/// The wheel RECORD's hash (URL-safe base64 without padding) as lowercase hex.
fn urlsafe_b64_to_hex(b64: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in b64.trim().trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    (out.len() == 32).then(|| out.iter().map(|b| format!("{b:02x}")).collect())
}

/// `__version__ = "…"` in a Python file.
fn init_version(init: &Path) -> Option<String> {
    let text = read_head(init)?;
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("__version__")?.trim_start();
        let rest = rest.strip_prefix('=')?.trim();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = &rest[1..];
        Some(inner[..inner.find(quote)?].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Only a few `NAME-*.dist-info` folders are looked in: their number is the
    /// environment owner's choice.
    #[test]
    fn only_a_few_dist_info_folders_are_read() {
        let t = tempfile::tempdir().unwrap();
        let site = t.path();
        for i in 0..MAX_DIST_INFOS {
            write(
                &site.join(format!("grpcio-0.{i}.dist-info/METADATA")),
                "Name: grpcio\n\n",
            );
        }
        let last = site.join("grpcio-9.0.dist-info/METADATA");
        write(&last, "Name: grpcio\nVersion: 9.0\n\n");
        assert_eq!(dist_info_version(site, "grpcio"), None);
        fs::remove_dir_all(site.join("grpcio-0.0.dist-info")).unwrap();
        assert_eq!(
            dist_info_version(site, "grpcio").map(|(v, _)| v).as_deref(),
            Some("9.0")
        );
    }

    #[test]
    fn certifi_version_from_dist_info() {
        let t = tempfile::tempdir().unwrap();
        let site = t.path().join("lib/python3.12/site-packages");
        let bundle = site.join("certifi/cacert.pem");
        write(&bundle, "");
        write(
            &site.join("certifi/__init__.py"),
            "__version__ = \"2000.1.1\"\n",
        );
        write(
            &site.join("certifi-2024.8.30.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: certifi\nVersion: 2024.8.30\n\nVersion: 1\n",
        );
        let p = of(&bundle).unwrap();
        assert_eq!(p.package, "certifi");
        assert_eq!(p.version.as_deref(), Some("2024.8.30"));
        assert_eq!(p.manager, "pip");
        assert!(p.source.ends_with("METADATA"), "{}", p.source);
        assert_eq!(p.to_string(), "certifi 2024.8.30");
        assert_eq!(
            p.reinstall_command(),
            "pip install --force-reinstall certifi"
        );
    }

    #[test]
    fn certifi_version_from_init_without_dist_info() {
        let t = tempfile::tempdir().unwrap();
        let bundle = t.path().join("site/certifi/cacert.pem");
        write(&bundle, "");
        write(
            &t.path().join("site/certifi/__init__.py"),
            "from .core import contents, where\n\n__all__ = []\n__version__ = '2023.7.22'\n",
        );
        let p = of(&bundle).unwrap();
        assert_eq!(p.version.as_deref(), Some("2023.7.22"));
        assert!(p.source.ends_with("__init__.py"));
    }

    #[test]
    fn pip_vendored_names_pip_and_the_vendored_certifi() {
        let t = tempfile::tempdir().unwrap();
        let site = t.path().join("site-packages");
        let bundle = site.join("pip/_vendor/certifi/cacert.pem");
        write(&bundle, "");
        write(
            &site.join("pip/_vendor/certifi/__init__.py"),
            "__version__ = \"2024.07.04\"\n",
        );
        write(
            &site.join("pip-24.2.dist-info/METADATA"),
            "Name: pip\nVersion: 24.2\n",
        );
        let p = of(&bundle).unwrap();
        assert_eq!(p.package, "pip");
        assert_eq!(p.version.as_deref(), Some("24.2"));
        assert_eq!(p.vendored_certifi.as_deref(), Some("2024.07.04"));
        assert_eq!(p.effective_version(), Some("2024.07.04"));
        assert_eq!(p.to_string(), "pip 24.2 (vendored certifi 2024.07.04)");
    }

    #[test]
    fn conda_record_listing_the_file_wins() {
        let t = tempfile::tempdir().unwrap();
        let prefix = t.path().join("conda-env");
        let bundle = prefix.join("ssl/cacert.pem");
        write(&bundle, "");
        write(
            &prefix.join("conda-meta/openssl-3.0.0-h1.json"),
            r#"{"name": "openssl", "version": "3.0.0", "files": ["lib/libssl.so"]}"#,
        );
        write(
            &prefix.join("conda-meta/ca-certificates-2024.7.2-h06a4308_0.json"),
            r#"{"name": "ca-certificates", "version": "2024.7.2", "files": ["ssl/cacert.pem", "ssl/cert.pem"]}"#,
        );
        let p = of(&bundle).unwrap();
        assert_eq!(p.package, "ca-certificates");
        assert_eq!(p.version.as_deref(), Some("2024.7.2"));
        assert_eq!(p.manager, "conda");
        assert_eq!(p.to_string(), "conda package ca-certificates 2024.7.2");
        assert_eq!(
            p.reinstall_command(),
            "conda install --force-reinstall ca-certificates"
        );
        // certifi inside the conda prefix, listed by its conda record.
        let site = prefix.join("lib/python3.12/site-packages");
        let certifi = site.join("certifi/cacert.pem");
        write(&certifi, "");
        write(
            &site.join("certifi-2024.8.30.dist-info/METADATA"),
            "Version: 2024.8.30\n",
        );
        write(
            &prefix.join("conda-meta/certifi-2024.8.30-py312.json"),
            r#"{"name": "certifi", "version": "2024.8.30", "files": ["lib/python3.12/site-packages/certifi/cacert.pem"]}"#,
        );
        let p = of(&certifi).unwrap();
        assert_eq!(
            (p.package.as_str(), p.manager.as_str()),
            ("certifi", "conda")
        );
    }

    #[test]
    fn the_wheel_record_and_conda_paths_data_give_the_installed_hash() {
        use sha2::{Digest, Sha256};
        let t = tempfile::tempdir().unwrap();
        let site = t.path().join("site-packages");
        let bundle = site.join("certifi/cacert.pem");
        write(&bundle, "hello\n");
        // sha256("hello\n") in the wheel's encoding.
        let hex_sha = crate::x509::cert::hex(&Sha256::digest(b"hello\n"));
        write(
            &site.join("certifi-2024.8.30.dist-info/RECORD"),
            "certifi/__init__.py,sha256=abc,10\ncertifi/cacert.pem,sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\n",
        );
        let r = recorded(&bundle).unwrap();
        assert_eq!(r.sha256, hex_sha);
        assert!(r.source.ends_with("RECORD"));
        let pip = site.join("pip/_vendor/certifi/cacert.pem");
        write(&pip, "x");
        assert_eq!(recorded(&pip), None);
        write(
            &site.join("pip-24.2.dist-info/RECORD"),
            "pip/_vendor/certifi/cacert.pem,sha256=WJG1tSLV3whtD_CxEPvZ0hu0_HFjrzTQgoai6Eb2vgM,6\n",
        );
        assert_eq!(recorded(&pip).unwrap().sha256, hex_sha);
        let prefix = t.path().join("conda");
        let ssl = prefix.join("ssl/cacert.pem");
        write(&ssl, "x");
        write(
            &prefix.join("conda-meta/ca-certificates-1.json"),
            &format!(
                r#"{{"name": "ca-certificates", "files": ["ssl/cacert.pem"], "paths_data": {{"paths": [{{"_path": "ssl/cacert.pem", "sha256": "{}"}}]}}}}"#,
                hex_sha.to_uppercase()
            ),
        );
        assert_eq!(recorded(&ssl).unwrap().sha256, hex_sha);
    }

    #[test]
    fn unknown_place_has_no_provenance() {
        let t = tempfile::tempdir().unwrap();
        let bundle = t.path().join("somewhere/cacert.pem");
        write(&bundle, "");
        assert_eq!(of(&bundle), None);
    }

    #[test]
    fn round_trips_through_toml_and_tolerates_missing_fields() {
        let p: Provenance = toml::from_str("package = \"certifi\"\n").unwrap();
        assert_eq!(p.version, None);
        let full = Provenance {
            package: "pip".into(),
            version: Some("24.2".into()),
            vendored_certifi: Some("2024.07.04".into()),
            source: "x".into(),
            manager: "pip".into(),
        };
        let text = toml::to_string(&full).unwrap();
        assert_eq!(toml::from_str::<Provenance>(&text).unwrap(), full);
    }
}
