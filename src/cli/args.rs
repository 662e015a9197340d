//! The command line as the user types it (clap definitions only).
//!
//! Everything here is turned into plain values by `main` and the commands; nothing else in
//! the program sees clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;

#[derive(Debug, Parser)]
#[command(
    name = "certpatch",
    // The package version and, when known, the git revision of the build (see build.rs).
    version = env!("CERTPATCH_VERSION"),
    about = "Add a missing intermediate CA certificate to Python's CA bundles (certifi), safely and reversibly",
    long_about = "Add a missing intermediate CA certificate to Python's CA bundles (certifi), safely and reversibly.\n\n\
        When `requests` fails with `certificate verify failed: unable to get local issuer certificate` \
        because a server forgets to send its intermediate, run `certpatch fix https://HOST`: it fetches \
        that intermediate, checks it (a real, valid CA signed by a root the bundle already trusts), \
        appends it to the active environment's bundles with a certifi-style header, keeps a backup, \
        and verifies again. `certpatch add FILE` does the same with a certificate you have; \
        `certpatch remove` undoes either byte for byte.",
    // Examples and the exit codes are added by `cli::help`, shared with the man page.
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print one JSON document on standard output instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Judge certificate validity at this time instead of now: RFC 3339
    /// (2026-06-01T00:00:00Z), a date (2026-06-01, midnight UTC), or `now`.
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_at)]
    pub at: Option<OffsetDateTime>,
    /// Print only errors and warnings.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Show the detail of every bundle (each verdict and reason, per bundle), not only
    /// what differs between them.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Answer yes to the question asked before a write to a machine-wide Python (no
    /// target named, outside a virtual environment) or to `--all`.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// For `diagnose` and `fix`: connect to ADDR when the server is HOST on PORT, while
    /// sending and checking HOST (curl's syntax; repeatable). An entry for another host
    /// or port is not used, and a warning says so.
    #[arg(long, global = true, value_name = "HOST:PORT:ADDR", value_parser = parse_resolve)]
    pub resolve: Vec<crate::net::endpoint::Resolve>,
    /// When to use colour (honours NO_COLOR).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

fn parse_resolve(s: &str) -> Result<crate::net::endpoint::Resolve, String> {
    crate::net::endpoint::Resolve::parse(s)
}

fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    crate::x509::clock::parse_at(s)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Bundles named one way or another (shared by every command's targets).
#[derive(Debug, Args, Clone, Default)]
pub struct NamedTargets {
    /// That bundle file.
    #[arg(long = "bundle", value_name = "FILE")]
    pub bundles: Vec<PathBuf>,
    /// Every bundle that interpreter uses (certifi's and pip's vendored copy).
    #[arg(long = "python", value_name = "EXE")]
    pub pythons: Vec<PathBuf>,
    /// Every bundle inside that environment (venv, conda prefix, or Python install root).
    #[arg(long = "env", value_name = "DIR")]
    pub envs: Vec<PathBuf>,
}

/// Which bundles a command acts on. With none of these, the active environment.
#[derive(Debug, Args, Clone, Default)]
pub struct Targets {
    #[command(flatten)]
    pub named: NamedTargets,
    /// Every bundle that `certpatch find` reports.
    #[arg(long = "all", visible_alias = "all-bundles")]
    pub all: bool,
}

/// The targets of `remove`, where `--all` means every patch; `--all-bundles` names
/// every bundle that `find` reports.
#[derive(Debug, Args, Clone, Default)]
pub struct RemoveTargets {
    #[command(flatten)]
    pub named: NamedTargets,
    /// Every bundle that `certpatch find` reports.
    #[arg(long = "all-bundles")]
    pub all_bundles: bool,
}

impl Targets {
    /// Whether no target flag was given (the active environment, or the configuration's
    /// default targets).
    pub fn is_empty(&self) -> bool {
        self.named.bundles.is_empty()
            && self.named.pythons.is_empty()
            && self.named.envs.is_empty()
            && !self.all
    }
}

impl From<RemoveTargets> for Targets {
    fn from(t: RemoveTargets) -> Targets {
        Targets {
            named: t.named,
            all: t.all_bundles,
        }
    }
}

impl From<&Targets> for crate::target::Spec {
    fn from(t: &Targets) -> Self {
        Self {
            named: crate::target::Named {
                bundles: t.named.bundles.clone(),
                pythons: t.named.pythons.clone(),
                envs: t.named.envs.clone(),
            },
            all: t.all,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the CA bundles of every Python environment.
    Find {
        /// Only look under this folder (repeatable).
        #[arg(long = "root", value_name = "DIR")]
        roots: Vec<PathBuf>,
        /// Also report the bundles of this interpreter (repeatable).
        #[arg(long = "python", value_name = "EXE")]
        pythons: Vec<PathBuf>,
    },
    /// Check whether `add` would accept the certificate(s) in FILE; writes nothing.
    Check {
        /// PEM, DER or PKCS#7 file with the certificate(s); `-` for standard input.
        file: PathBuf,
        #[command(flatten)]
        targets: Targets,
        /// Accept a self-signed root certificate.
        #[arg(long)]
        allow_root: bool,
        /// Also add the missing issuers certpatch finds in its offline index (CCADB
        /// intermediates), up to a root of the bundle, each checked like FILE.
        #[arg(long)]
        with_issuers: bool,
    },
    /// Append the CA certificate(s) in FILE that each bundle lacks, keeping a backup.
    Add {
        /// PEM, DER or PKCS#7 file with the certificate(s); `-` for standard input.
        file: PathBuf,
        #[command(flatten)]
        targets: Targets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accept a self-signed root certificate.
        #[arg(long)]
        allow_root: bool,
        /// Write the patched copy to OUT and leave the bundle alone.
        #[arg(long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// Also add the missing issuers certpatch finds in its offline index (CCADB
        /// intermediates), up to a root of the bundle, each checked like FILE.
        #[arg(long)]
        with_issuers: bool,
    },
    /// Show the certpatch patches present in each bundle.
    List {
        #[command(flatten)]
        targets: Targets,
    },
    /// Remove certpatch patches by SHA-256 fingerprint (or a unique prefix of it).
    #[command(group(
        clap::ArgGroup::new("which_patches")
            .required(true)
            .args(["selectors", "all_patches"])
    ))]
    Remove {
        /// SHA-256 fingerprint or unique prefix (hex, colons optional, any case).
        #[arg(value_name = "SELECTOR", conflicts_with = "all_patches")]
        selectors: Vec<String>,
        /// Remove every certpatch patch.
        #[arg(long = "all", id = "all_patches")]
        all_patches: bool,
        #[command(flatten)]
        targets: RemoveTargets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Put back the copy saved before the first patch of each bundle, only while the bundle
    /// without certpatch's patches is still that copy (never an older bundle over a newer one).
    Restore {
        #[command(flatten)]
        targets: Targets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// For each bundle: patches recorded and present, patches an upgrade lost (and how), edits
    /// by something else, patched certificates expiring soon, and what makes a client ignore
    /// the bundle. Exit 1 when anything needs attention.
    Status {
        #[command(flatten)]
        targets: Targets,
    },
    /// Put back recorded patches that an upgrade (or reinstall) removed, and the
    /// configuration's `keep` certificates, each checked again as `add` checks it.
    Reapply {
        #[command(flatten)]
        targets: Targets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Turn certificates pasted by hand at the end of a bundle into certpatch patches:
    /// tracked, checked again, and reapplied after an upgrade. The package's own file
    /// becomes the backup.
    Adopt {
        #[command(flatten)]
        targets: Targets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Accept a self-signed root among the pasted certificates.
        #[arg(long)]
        allow_root: bool,
    },
    /// Show a server's certificate chain (or a saved one) and whether each bundle verifies
    /// it, and if not, why: missing intermediate, root not in the bundle, expired, wrong
    /// name, self-signed. Writes nothing.
    Diagnose {
        /// HOST, HOST:PORT, [IPv6]:PORT or an https:// URL (not with --chain).
        #[arg(
            value_name = "HOST[:PORT]|URL",
            required_unless_present = "chain",
            conflicts_with = "chain"
        )]
        server: Option<String>,
        /// Read the chain from FILE (PEM, DER or PKCS#7, leaf first) instead of connecting.
        #[arg(long, value_name = "FILE")]
        chain: Option<PathBuf>,
        /// With --chain: the host name the leaf must be valid for.
        #[arg(long, value_name = "HOST", requires = "chain")]
        name: Option<String>,
        #[command(flatten)]
        targets: Targets,
    },
    /// Diagnose a server, fetch the missing intermediate(s) (offline index, then AIA unless
    /// --offline), check them as `add` does, add them, and verify again.
    Fix {
        /// HOST, HOST:PORT, [IPv6]:PORT or an https:// URL.
        #[arg(value_name = "HOST[:PORT]|URL")]
        server: String,
        #[command(flatten)]
        targets: Targets,
        /// Show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Fetch nothing from the network (AIA); only the offline index.
        #[arg(long)]
        offline: bool,
        /// Add a self-signed root the chain ends at (your company's proxy or CA: confirm
        /// its fingerprint first).
        #[arg(long)]
        allow_root: bool,
    },
    /// Show the offline index of CCADB intermediates (date, size), look a certificate up,
    /// or refresh it from Mozilla's CCADB CSV report with PEM.
    Index {
        #[command(subcommand)]
        action: Option<IndexAction>,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum IndexAction {
    /// Look a name (any part of the subject, any case) or a SHA-256 fingerprint (or a
    /// prefix of 8+ hex digits, colons optional) up, in the index and certifi's root history.
    Lookup { query: String },
    /// Build a new index from a CCADB CSV report with PEM (PublicAllIntermediateCertsWithPEMCSV)
    /// or a PEM file, row by row with the same validation, saved under CERTPATCH_HOME.
    Refresh { file: PathBuf },
    /// Forget a refreshed index: use the snapshot built into certpatch again.
    Reset,
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Find { .. } => "find",
            Command::Check { .. } => "check",
            Command::Add { .. } => "add",
            Command::List { .. } => "list",
            Command::Remove { .. } => "remove",
            Command::Restore { .. } => "restore",
            Command::Status { .. } => "status",
            Command::Reapply { .. } => "reapply",
            Command::Adopt { .. } => "adopt",
            Command::Diagnose { .. } => "diagnose",
            Command::Fix { .. } => "fix",
            Command::Index { .. } => "index",
            Command::Completions { .. } => "completions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
