//! The offline knowledge of one run: the index of intermediates in use (the refresh
//! `certpatch index refresh` saved in `CERTPATCH_HOME`, else the snapshot built into
//! certpatch) and certifi's root history. Loaded once per run by the caller and passed
//! down as a value, so every command (`check`, `add`, `fix`, `diagnose`, `status`,
//! `reapply`, `index`) uses the same index — there is no process-wide index to set first.

use std::path::PathBuf;

use time::OffsetDateTime;

use crate::pki::index::{self, Index};
use crate::pki::roots::Roots;
use crate::store::home::Home;
use crate::x509::text::{chain, path_text};

/// The index and root history a run uses.
pub struct Knowledge {
    index: Loaded,
    /// The refreshed index in use and its size in bytes (`None`: the built-in snapshot).
    pub refreshed: Option<(PathBuf, usize)>,
    /// Why a refreshed index on disk is not used (a warning for the user).
    pub problem: Option<String>,
}

enum Loaded {
    Embedded,
    Refreshed(Box<Index>),
}

impl Knowledge {
    /// The snapshot built into certpatch.
    pub fn embedded() -> Knowledge {
        Knowledge {
            index: Loaded::Embedded,
            refreshed: None,
            problem: None,
        }
    }

    /// Reads the index `index refresh` saved under `home`, when there is one and it reads;
    /// else the built-in snapshot, with [`Knowledge::problem`] saying why for a damaged
    /// or unsafe file.
    pub fn load(home: Option<&Home>) -> Knowledge {
        let Some(home) = home else {
            return Knowledge::embedded();
        };
        let path = refreshed_file(home);
        if !path.exists() {
            return Knowledge::embedded();
        }
        let loaded = crate::store::home::check(&path)
            .and_then(|()| crate::store::write::read(&path))
            .and_then(|bytes| {
                let n = bytes.len();
                Index::decode(&bytes)
                    .map(|i| (i, n))
                    .map_err(anyhow::Error::from)
            });
        match loaded {
            Ok((i, n)) => Knowledge {
                index: Loaded::Refreshed(Box::new(i)),
                refreshed: Some((path, n)),
                problem: None,
            },
            Err(e) => Knowledge {
                problem: Some(format!(
                    "cannot use the refreshed index {}: {}; using the snapshot built into certpatch (run `certpatch index refresh FILE` again, or `certpatch index reset`)",
                    path_text(&path),
                    chain(&e)
                )),
                ..Knowledge::embedded()
            },
        }
    }

    /// The index of intermediates in use.
    pub fn index(&self) -> &Index {
        match &self.index {
            Loaded::Embedded => Index::embedded(),
            Loaded::Refreshed(i) => i,
        }
    }

    /// certifi's root history (built in).
    pub fn roots(&self) -> &'static Roots {
        Roots::embedded()
    }

    /// The size in bytes of the index in use.
    pub fn index_bytes(&self) -> usize {
        self.refreshed
            .as_ref()
            .map_or(index::EMBEDDED.len(), |(_, n)| *n)
    }

    /// Whether the index in use is more than a year older than `at`.
    pub fn is_stale(&self, at: OffsetDateTime) -> bool {
        is_stale(self.index(), at)
    }

    /// The note that the index is stale, once per index date (a marker in
    /// `CERTPATCH_HOME/index/` remembers it was shown), or `None`.
    pub fn stale_note_once(&self, at: OffsetDateTime, home: Option<&Home>) -> Option<String> {
        let i = self.index();
        if !is_stale(i, at) {
            return None;
        }
        let home = home?;
        let marker = home
            .root
            .join("index")
            .join(format!("stale-noted-{}", i.date));
        if marker.exists() {
            return None;
        }
        if home.ensure(marker.parent()?).is_ok() {
            let _ = crate::store::write::write_atomic(&marker, b"", None);
        }
        Some(format!(
            "certpatch's offline index of intermediates is from {}, more than a year old: newer intermediates are missing from it; refresh it with `certpatch index refresh FILE` (this note is shown once)",
            i.date
        ))
    }
}

/// Where `certpatch index refresh` saves its index: `CERTPATCH_HOME/index/intermediates.bin`.
pub fn refreshed_file(home: &Home) -> PathBuf {
    home.root.join("index").join("intermediates.bin")
}

/// Whether `i` is more than a year older than `at`.
pub fn is_stale(i: &Index, at: OffsetDateTime) -> bool {
    let Ok(date) = time::Date::parse(
        &i.date,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) else {
        return false;
    };
    at.date() - date > time::Duration::days(365)
}
