//! One file per subcommand. Each is thin: resolve targets, call the library, print.

pub mod add;
pub mod adopt;
pub mod check;
pub mod completions;
pub mod find;
pub mod index;
pub mod knowledge;
pub mod list;
pub mod lost;
pub mod man;
pub mod reapply;
pub mod remove;
pub mod report;
pub mod restore;
pub mod status;

use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use time::OffsetDateTime;

use crate::bundle::Bundle;
use crate::cli::exit::Outcome;
use crate::cli::json::BundleError;
use crate::cli::output::{path_text, Printer};
use crate::discover::Host;
use crate::store::commit::Committed;
use crate::store::home::Home;
use crate::store::transaction::Access;
use crate::store::write::Locked;
use crate::target::{self, Target};
use crate::x509::cert::Cert;
use crate::x509::clock::rfc3339;

/// What every command gets: resolved global options, never raw flags.
pub struct Context {
    pub printer: Printer,
    /// The time validity is judged at (`--at`, or now).
    pub at: OffsetDateTime,
    pub host: Host,
    /// `--yes`: no question before a machine-wide write ([`crate::cli::confirm`]).
    pub yes: bool,
    /// `-v`: every bundle's detail, even where it repeats another's.
    pub verbose: bool,
    /// Verdict blocks already shown in this run (environment and verdicts), so that a
    /// second bundle of one environment with the same verdicts gets one line.
    pub shown: std::cell::RefCell<Vec<String>>,
    /// `--resolve HOST:PORT:ADDR` entries (diagnose, fix).
    pub resolve: Vec<crate::net::endpoint::Resolve>,
}

impl Context {
    pub fn home(&self) -> Result<Home> {
        Home::locate()
    }

    /// Resolves targets and shows discovery's notes as warnings. With no target flag, the
    /// configuration's `[default-targets]` when it sets any; a configuration that cannot be
    /// read is then a warning (the active environment is used), so that `list`, `remove`
    /// and `restore` keep working.
    pub fn targets(&self, spec: &crate::cli::Targets) -> Result<(Vec<Target>, Vec<String>)> {
        if spec.is_empty() {
            match crate::store::config::load() {
                Ok(config) => return self.targets_with(spec, &config),
                Err(e) => self.printer.warn(format!(
                    "{}; using the active environment",
                    crate::cli::exit::chain(&e)
                )),
            }
        }
        self.targets_with(spec, &crate::store::config::Loaded::default())
    }

    /// [`Context::targets`] with the configuration already read.
    pub fn targets_with(
        &self,
        spec: &crate::cli::Targets,
        config: &crate::store::config::Loaded,
    ) -> Result<(Vec<Target>, Vec<String>)> {
        let mut spec: target::Spec = spec.into();
        let from_config = spec.named.bundles.is_empty()
            && spec.named.pythons.is_empty()
            && spec.named.envs.is_empty()
            && !spec.all;
        if let Some(d) = config
            .config
            .default_targets
            .as_ref()
            .filter(|d| from_config && !d.is_empty())
        {
            spec.named.bundles.clone_from(&d.bundles);
            spec.named.pythons.clone_from(&d.pythons);
            spec.named.envs.clone_from(&d.envs);
            spec.all = d.all;
        }
        let resolved = target::resolve(&spec, &self.host)?;
        // A note is one line; the paths and interpreter answers in it can hold anything,
        // so the whole of it is escaped (a line break too).
        for note in &resolved.notes {
            self.printer.warn(crate::cli::output::escape(note));
        }
        Ok((resolved.targets, resolved.notes))
    }
}

impl Context {
    /// Locks a target for a change ([`Target::lock`]) and tells the user when certpatch,
    /// as root, is about to replace a file in a folder that other users can write.
    pub fn lock(&self, target: &Target) -> Result<Locked> {
        let locked = target.lock(wait_notice)?;
        if let Some(mode) = locked.shared_folder {
            self.printer.warn(format!(
                "{}: its folder can be written by users other than root and the file's owner (mode {mode:04o}); they can replace the bundle before or after certpatch patches it. Make the folder writable only by its owner",
                path_text(&target.path)
            ));
        }
        Ok(locked)
    }
}

impl Context {
    /// The ways into a target's bundle for [`crate::store::transaction::run`]: its
    /// unlocked read, and [`Context::lock`] (which warns about a shared folder).
    pub fn access<'t>(
        &'t self,
        target: &'t Target,
    ) -> Access<impl Fn() -> Result<Vec<u8>> + 't, impl Fn() -> Result<Locked> + 't> {
        Access {
            read: move || target.read(),
            lock: move || self.lock(target),
        }
    }

    /// Shows what a commit could not do besides writing the bundle (the ledger, a stale
    /// backup): warnings, since the bundle change stands.
    pub fn committed_warnings(&self, committed: &Committed) {
        for problem in [&committed.ledger_problem, &committed.backup_problem]
            .into_iter()
            .flatten()
        {
            self.printer.warn(problem);
        }
    }
}

/// Says, on standard error, why a write seems to hang: another certpatch holds the lock.
pub fn wait_notice(path: &Path) {
    eprintln!(
        "certpatch: waiting for another certpatch process to finish with `{}`…",
        path.display()
    );
}

/// Reads and parses a bundle without locking it (for commands that only look): never
/// follows a swapped-in link, never blocks on a FIFO, refuses a file over the size limit.
pub fn read_bundle(path: &Path) -> Result<Bundle> {
    Ok(Bundle::parse(crate::store::write::read(path)?))
}

/// [`read_bundle`] for a command that goes on past a bundle it cannot read: the failure
/// is printed, its JSON entry added to `results`, and `outcome` set to failure.
pub fn read_or_report<'a, E: From<BundleError<'a>>>(
    ctx: &Context,
    target: &'a Target,
    outcome: &mut Outcome,
    results: &mut Vec<E>,
) -> Option<Bundle> {
    match target.read() {
        Ok(bytes) => Some(Bundle::parse(bytes)),
        Err(e) => {
            *outcome = Outcome::Failure;
            results.push(bundle_error(ctx, target, &e).into());
            None
        }
    }
}

/// The JSON facts about one certificate.
pub fn cert_json(cert: &Cert) -> CertJson {
    CertJson {
        issuer: cert.issuer().to_string(),
        key: cert.key_desc.clone(),
        label: cert.label().to_string(),
        not_after: rfc3339(cert.not_after),
        not_before: rfc3339(cert.not_before),
        serial: cert.serial_decimal().to_string(),
        sha256: cert.sha256_hex(),
        signature: cert.sig_alg_name.clone(),
        subject: cert.subject().to_string(),
    }
}

/// The JSON facts about one certificate (fields in alphabetical order, the order the
/// JSON has always had).
#[derive(Serialize)]
pub struct CertJson {
    pub issuer: String,
    pub key: String,
    pub label: String,
    /// RFC 3339.
    pub not_after: String,
    pub not_before: String,
    /// Decimal.
    pub serial: String,
    pub sha256: String,
    pub signature: String,
    pub subject: String,
}

/// Prints why one bundle could not be handled and returns its JSON entry; the run goes on
/// with the other bundles and ends with the failure exit code.
pub fn bundle_error<'a>(ctx: &Context, target: &'a Target, err: &anyhow::Error) -> BundleError<'a> {
    let message = crate::cli::exit::chain(err);
    ctx.printer
        .error(format!("{}: {message}", path_text(&target.path)));
    BundleError {
        error: message,
        status: "error",
        target: target.json(),
    }
}

/// A short picture of added (`+`) or removed (`-`) patch text: the comment lines and the
/// PEM armour, with the base64 body folded into one line.
pub fn preview(bytes: &[u8], sign: char) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut body = 0;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("-----") || line.starts_with('#') || line.is_empty() {
            if body > 0 {
                out.push(format!("{sign} … {body} lines of base64 …"));
                body = 0;
            }
            // Patch text comes from the bundle, which others can write: escaped for display.
            out.push(format!("{sign}{}", crate::cli::output::escape(line)));
        } else {
            body += 1;
        }
    }
    out
}
pub mod diagnose;
pub mod fix;
