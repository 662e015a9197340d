//! `config.toml`: the user's settings, all optional.
//!
//! certpatch works the same with no configuration file; the file changes a few defaults.
//! It is `$CERTPATCH_HOME/config.toml` when `CERTPATCH_HOME` is set, else `config.toml` in
//! the platform's configuration folder (the `directories` crate: `~/.config/certpatch/` on
//! Linux). Keys (kebab-case):
//!
//! ```toml
//! warning-days = 30          # status warns about patched certificates expiring this soon
//! backups-to-keep = 1        # how many backups of each bundle to keep
//! keep = [                   # certificates `reapply` puts back wherever a target lacks them:
//!   "/etc/certpatch/corp-intermediate.pem",     # a file (PEM, DER, PKCS#7), or
//!   "3c8b…e1",                                  # a SHA-256 the ledger holds the PEM of
//! ]
//! [default-targets]          # what a command acts on when no target flag is given
//! bundles = []               # instead of the active environment
//! pythons = ["/usr/bin/python3"]
//! envs = []
//! all = false
//! ```
//!
//! An unknown key or a value of the wrong type is an error naming the file, the line and
//! the key: a typo must not silently leave a default in place.
//!
//! The file is read like a bundle (no link followed, no FIFO waited on, size-capped) and
//! only when root or the user certpatch runs as owns it and its folder (see [`load_from`]).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};

use crate::store::home::CERTPATCH_HOME;
use crate::x509::text::path_text;

/// The warning window when the configuration does not set one.
pub const DEFAULT_WARNING_DAYS: u32 = 30;
/// Backups kept per bundle when the configuration does not say.
pub const DEFAULT_BACKUPS_TO_KEEP: u32 = 1;

/// The settings, as read (every key optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Days before a patched certificate's expiry from which `status` warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_days: Option<u32>,
    /// How many backups of each bundle to keep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backups_to_keep: Option<u32>,
    /// The targets of a command given none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_targets: Option<DefaultTargets>,
    /// Certificates to keep applied: files, or SHA-256 fingerprints of recorded patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
}

/// `[default-targets]`: the same as the target flags.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DefaultTargets {
    #[serde(default)]
    pub bundles: Vec<PathBuf>,
    #[serde(default)]
    pub pythons: Vec<PathBuf>,
    #[serde(default)]
    pub envs: Vec<PathBuf>,
    #[serde(default)]
    pub all: bool,
}

impl DefaultTargets {
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty() && self.pythons.is_empty() && self.envs.is_empty() && !self.all
    }
}

/// One `keep` entry, understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// A SHA-256 (lowercase hex, no colons).
    Fingerprint(String),
    /// A certificate file.
    File(PathBuf),
}

/// The configuration and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    pub config: Config,
    /// The file read, or `None` when there is none (every default applies).
    pub path: Option<PathBuf>,
    /// Where it would be read from (shown when there is none).
    pub looked_at: Option<PathBuf>,
}

impl Loaded {
    pub fn warning_days(&self) -> u32 {
        self.config.warning_days.unwrap_or(DEFAULT_WARNING_DAYS)
    }

    pub fn backups_to_keep(&self) -> u32 {
        self.config
            .backups_to_keep
            .unwrap_or(DEFAULT_BACKUPS_TO_KEEP)
    }

    /// The `keep` entries: a 64-digit hex string (colons allowed) is a fingerprint, anything
    /// else a file (`~/` is the home folder; a relative path is taken from the file's folder).
    pub fn kept(&self) -> Vec<Kept> {
        let base = self.path.as_deref().and_then(Path::parent);
        self.config
            .keep
            .iter()
            .map(|k| {
                let hex: String = k.chars().filter(|c| *c != ':').collect();
                if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Kept::Fingerprint(hex.to_ascii_lowercase());
                }
                // `~/`, and on Windows `~\` too (the platform's own separator).
                let home_rest = k
                    .strip_prefix("~/")
                    .or_else(|| k.strip_prefix('~')?.strip_prefix(std::path::MAIN_SEPARATOR));
                let home = crate::os::home_dir();
                let path = match home_rest {
                    Some(rest) => home
                        .map(|h| PathBuf::from(h).join(rest))
                        .unwrap_or_else(|| PathBuf::from(k)),
                    None => PathBuf::from(k),
                };
                // Only a path without a root is taken from the file's folder: on Windows
                // `\x\ca.pem` (a root, no drive) is on the current drive, not below the
                // configuration (where joining would put it on the configuration's drive).
                Kept::File(match base {
                    Some(b) if path.is_relative() && !path.has_root() => b.join(path),
                    _ => path,
                })
            })
            .collect()
    }
}

/// Where `config.toml` is: under `CERTPATCH_HOME` when set, else the platform's config
/// folder.
pub fn location() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(CERTPATCH_HOME).filter(|v| !v.is_empty()) {
        return Some(
            std::path::absolute(PathBuf::from(dir))
                .ok()?
                .join("config.toml"),
        );
    }
    directories::ProjectDirs::from("", "", "certpatch").map(|d| d.config_dir().join("config.toml"))
}

/// Reads the configuration; no file is the default configuration. A `CERTPATCH_HOME`
/// that is not a folder is refused as [`crate::store::home::from_env`] says.
pub fn load() -> Result<Loaded> {
    crate::store::home::from_env()?;
    match location() {
        Some(path) => load_from(&path),
        None => Ok(Loaded::default()),
    }
}

/// The largest configuration certpatch reads (a real one is a few hundred bytes).
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// Reads the configuration at `path`; an absent file is the default configuration.
///
/// It is read like a bundle: a link at the file is not followed, a FIFO does not block,
/// anything but a regular file is refused, and its size is checked before reading. And
/// since its `[default-targets]` decide which interpreters certpatch runs, it is used only
/// when it and its folder are owned by root or the user certpatch runs as (as root: by
/// root) and writable by no one else: `sudo -E` or `env_keep HOME` give root another
/// user's `HOME`, and that user's configuration must not choose what root runs.
pub fn load_from(path: &Path) -> Result<Loaded> {
    let Some(bytes) = read_guarded(path)? else {
        return Ok(Loaded {
            config: Config::default(),
            path: None,
            looked_at: Some(path.to_path_buf()),
        });
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "the configuration `{}` is not UTF-8 text (byte {}); fix it or move it aside",
            path_text(path),
            e.utf8_error().valid_up_to()
        )
    })?;
    let config = parse(&text, path)?;
    Ok(Loaded {
        config,
        path: Some(path.to_path_buf()),
        looked_at: Some(path.to_path_buf()),
    })
}

/// The file's bytes, `None` when there is no file (see [`load_from`]).
fn read_guarded(path: &Path) -> Result<Option<Vec<u8>>> {
    use crate::os;
    use std::io::Read;
    let fd = match os::open_read(path) {
        Ok(fd) => fd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if os::is_final_link_error(&e) => {
            return Err(anyhow!(
            "the configuration `{}` is {}; certpatch does not follow it. Put the file itself there",
            path_text(path),
            os::LINK_WORDS
        ))
        }
        Err(e) => {
            return Err(anyhow!(
                "cannot read the configuration `{}`: {}",
                path_text(path),
                e
            ))
        }
    };
    let st = os::file_meta(&fd)?;
    if st.kind != os::Kind::File {
        return Err(anyhow!(
            "the configuration `{}` is not a regular file; move it aside",
            path_text(path)
        ));
    }
    if st.len > MAX_CONFIG_BYTES {
        return Err(anyhow!(
            "the configuration `{}` is {} bytes, more than the {MAX_CONFIG_BYTES} certpatch reads; check what this file is",
            path_text(path),
            st.len
        ));
    }
    let me = crate::store::write::euid();
    let owners = if me == 0 {
        "root".to_string()
    } else {
        format!("you (uid {me}) or root")
    };
    let parent = path.parent().unwrap_or(Path::new("/"));
    let parent_st = os::path_meta(parent, true)?;
    for (what, uid, mode, is_dir) in [
        (path, st.owner, st.mode, false),
        (parent, parent_st.owner, parent_st.mode, true),
    ] {
        let sticky = is_dir && mode & 0o1000 != 0;
        let others_write = mode & 0o022 != 0 && !sticky;
        if (uid != 0 && uid != me) || others_write {
            return Err(anyhow!(
                "the configuration `{}` was not used: `{}` is owned by uid {uid} (mode {:04o}), and a configuration chooses which interpreters certpatch runs, so it must be owned by {owners} and writable by no one else. Name the targets with `--python`, `--env` or `--bundle`, or set {CERTPATCH_HOME} to a folder of your own",
                path_text(path),
                path_text(what),
                mode & 0o7777
            ));
        }
    }
    let mut bytes = Vec::new();
    fd.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow!("cannot read the configuration `{}`: {e}", path_text(path)))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(anyhow!(
            "the configuration `{}` grew past {MAX_CONFIG_BYTES} bytes while being read",
            path_text(path)
        ));
    }
    Ok(Some(bytes))
}

/// Parses configuration text; `path` is only for the error, which names the line and the
/// key.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let config: Config = toml::from_str(text).map_err(|e| {
        let (line, key) = match e.span() {
            Some(span) => {
                let start = span.start.min(text.len());
                let line_no = text[..start].matches('\n').count() + 1;
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let line_text = text[line_start..].lines().next().unwrap_or("");
                let key = line_text
                    .split_once('=')
                    .map(|(k, _)| k.trim().trim_matches('"').to_string())
                    .filter(|k| !k.is_empty() && !k.starts_with('['));
                (Some(line_no), key)
            }
            None => (None, None),
        };
        anyhow!(
            "the configuration `{}` is not valid{}{}: {}; fix it or move it aside (certpatch works without one)",
            path_text(path),
            line.map(|l| format!(" at line {l}")).unwrap_or_default(),
            key.map(|k| format!(", key `{k}`")).unwrap_or_default(),
            e.message().trim_end()
        )
    })?;
    if config.backups_to_keep == Some(0) {
        return Err(anyhow!(
            "the configuration `{}` is not valid, key `backups-to-keep`: it must be at least 1 (the backup is what `restore` puts back)",
            path_text(path)
        ));
    }
    if config.warning_days.is_some_and(|d| d > 3650) {
        return Err(anyhow!(
            "the configuration `{}` is not valid, key `warning-days`: at most 3650 days",
            path_text(path)
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
warning-days = 45
backups-to-keep = 2
keep = ["corp.pem", "AB:cd0000000000000000000000000000000000000000000000000000000000ef"]

[default-targets]
pythons = ["/usr/bin/python3"]
"#;

    #[test]
    fn the_example_reads() {
        let c = parse(EXAMPLE, Path::new("/c/config.toml")).unwrap();
        assert_eq!(c.warning_days, Some(45));
        assert_eq!(
            c.default_targets.unwrap().pythons,
            vec![PathBuf::from("/usr/bin/python3")]
        );
        let loaded = Loaded {
            config: parse(EXAMPLE, Path::new("/c/config.toml")).unwrap(),
            path: Some("/c/config.toml".into()),
            looked_at: None,
        };
        assert_eq!(
            loaded.kept(),
            vec![
                Kept::File("/c/corp.pem".into()),
                Kept::Fingerprint(format!("abcd{}ef", "0".repeat(58)))
            ]
        );
        assert_eq!(loaded.backups_to_keep(), 2);
    }

    /// Windows: `\x\ca.pem` has a root but no drive: it is on the current drive, never
    /// below the configuration's folder (joined, it landed on the configuration's drive and
    /// `reapply` did not find it).
    #[test]
    fn a_keep_path_with_a_root_is_never_joined_to_the_configuration_folder() {
        let dir = if cfg!(windows) { r"D:\cfg" } else { "/cfg" };
        let rooted = if cfg!(windows) {
            r"\certs\corp.pem"
        } else {
            "/certs/corp.pem"
        };
        let loaded = Loaded {
            config: parse(
                &format!("keep = [{rooted:?}, \"rel.pem\"]\n"),
                Path::new(dir),
            )
            .unwrap(),
            path: Some(Path::new(dir).join("config.toml")),
            looked_at: None,
        };
        assert_eq!(
            loaded.kept(),
            vec![
                Kept::File(rooted.into()),
                Kept::File(Path::new(dir).join("rel.pem"))
            ]
        );
    }

    #[test]
    fn no_file_is_every_default() {
        let t = tempfile::tempdir().unwrap();
        let l = load_from(&t.path().join("config.toml")).unwrap();
        assert_eq!(l.path, None);
        assert_eq!(l.warning_days(), DEFAULT_WARNING_DAYS);
        assert!(l.kept().is_empty());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line_and_the_key() {
        let p = Path::new("/c/config.toml");
        let e = parse("warning-days = 3\nwarn-days = 4\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`/c/config.toml` is not valid at line 2, key `warn-days`"),
            "{e}"
        );
        assert!(e.contains("unknown field"), "{e}");
        let e = parse("\n\nwarning-days = \"soon\"\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("at line 3, key `warning-days`"), "{e}");
        let e = parse("[default-targets]\nenv = []\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2, key `env`"), "{e}");
        let e = parse("warning-days = [\n", p).unwrap_err().to_string();
        assert!(e.contains("not valid at line"), "{e}");
        let e = parse("backups-to-keep = 0\n", p).unwrap_err().to_string();
        assert!(e.contains("backups-to-keep"), "{e}");
    }
}

#[cfg(all(test, unix))]
mod read_tests {
    use super::*;

    #[test]
    fn a_fifo_a_link_and_a_huge_file_are_refused_without_reading() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("config.toml");
        // A FIFO with no writer: opening it blocking would hang `list` for ever.
        crate::os::make_fifo(&path, 0o600).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        std::fs::remove_file(&path).unwrap();
        // A link at the file.
        let real = t.path().join("real.toml");
        std::fs::write(&real, "warning-days = 3\n").unwrap();
        std::os::unix::fs::symlink(&real, &path).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        std::fs::remove_file(&path).unwrap();
        // 1 GiB, sparse: refused by its size before a byte is read.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(1 << 30).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("more than the"), "{e}");
        // A normal file is read.
        std::fs::write(&path, "warning-days = 3\n").unwrap();
        assert_eq!(load_from(&path).unwrap().warning_days(), 3);
    }

    #[test]
    fn a_configuration_writable_by_others_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("config.toml");
        std::fs::write(&path, "[default-targets]\npythons = [\"/x/python3\"]\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("writable by no one else"), "{e}");
        assert!(e.contains("mode 0666"), "{e}");
    }

    #[test]
    #[cfg_attr(
        feature = "no-root-tests",
        ignore = "needs root (chown); left out by --features no-root-tests"
    )]
    fn a_configuration_owned_by_another_user_is_not_used() {
        assert_eq!(
            crate::store::write::euid(),
            0,
            "this test needs root (it gives a file to another uid); run it as root, or build with `--features no-root-tests` to leave it out"
        );
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("config.toml");
        std::fs::write(&path, "[default-targets]\npythons = [\"/x/python3\"]\n").unwrap();
        std::os::unix::fs::chown(&path, Some(4242), None).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("owned by uid 4242"), "{e}");
        assert!(e.contains("owned by root"), "{e}");
        // Its folder too.
        std::os::unix::fs::chown(&path, Some(0), None).unwrap();
        std::os::unix::fs::chown(t.path(), Some(4242), None).unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("owned by uid 4242"), "{e}");
    }
}
