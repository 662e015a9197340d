//! The issuer knowledge of one run: the index of intermediates in use (the refresh
//! `certpatch index refresh` saved in `CERTPATCH_HOME`, else the snapshot built into
//! certpatch), certifi's root history and the run's AIA fetcher. Loaded once per run by the caller and passed
//! down as a value, so every command (`check`, `add`, `fix`, `diagnose`, `status`,
//! `reapply`, `index`) uses the same index — there is no process-wide index to set first.

use std::cell::RefCell;
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::net::issuers::Aia;
use crate::pki::index::{self, Index};
use crate::pki::roots::Roots;
use crate::store::home::Home;
use crate::x509::text::{chain, path_text};

/// The index and root history a run uses.
pub struct Knowledge {
    index: Loaded,
    /// The run's AIA fetcher, shared by every bundle (each URL fetched once, five fetches
    /// in all), for `--with-issuers`.
    pub aia: RefCell<Aia>,
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
            aia: RefCell::default(),
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
                ..Knowledge::embedded()
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

    /// The note that the index is stale, said every time an issuer is looked up in it
    /// (a note remembered in a file would make `check`, which writes nothing, write under
    /// `CERTPATCH_HOME`), or `None`.
    pub fn stale_note(&self, at: OffsetDateTime) -> Option<String> {
        let i = self.index();
        is_stale(i, at).then(|| format!(
            "certpatch's offline index of intermediates is from {}, more than a year old, and did not know this issuer; a newer one might: download Mozilla's CCADB report of intermediates ({CCADB_CSV_URL}) and run `certpatch index refresh FILE` on it",
            i.date
        ))
    }
}

/// Where Mozilla publishes the CCADB report `certpatch index refresh` reads
/// (`PublicAllIntermediateCertsWithPEMCSV`).
pub const CCADB_CSV_URL: &str =
    "https://ccadb.my.salesforce-sites.com/mozilla/PublicAllIntermediateCertsWithPEMCSV";

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
