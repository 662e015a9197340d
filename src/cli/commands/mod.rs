//! One file per subcommand. Each is thin: resolve targets, call the library, print.

pub mod add;
pub mod adopt;
pub mod check;
pub mod completions;
pub mod find;
pub mod index;
pub mod list;
pub mod man;
pub mod reapply;
pub mod remove;
pub mod restore;
pub mod status;

use std::path::Path;

use anyhow::Result;

use crate::cli::json::TargetJson;
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
use crate::usecase::advice::{self, Offline, Prepared};
use crate::usecase::knowledge::Knowledge;
use crate::x509::input::Input;

/// What every command gets: resolved global options, never raw flags.
pub struct Context {
    pub printer: Printer,
    /// The time validity is judged at (`--at`, or now).
    pub at: OffsetDateTime,
    pub host: Host,
    /// The offline knowledge of this run, loaded by the first command step that needs it
    /// ([`Context::knowledge`]) and the same for every later one.
    pub knowledge: std::cell::OnceCell<Knowledge>,
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

    /// The index of intermediates and root history this run uses: the refreshed index
    /// in `CERTPATCH_HOME` when there is one and it reads, else the built-in snapshot (a
    /// damaged file is named once, as a warning). Loaded on first use, once per run.
    pub fn knowledge(&self) -> &Knowledge {
        self.knowledge.get_or_init(|| {
            let k = Knowledge::load(self.home().ok().as_ref());
            if let Some(problem) = &k.problem {
                self.printer.warn(problem);
            }
            k.aia.borrow_mut().fetcher.on_fetch = Some(self.aia_progress());
            k
        })
    }

    /// The progress line before each AIA fetch (`fix`, `add --with-issuers`): a server
    /// that never answers holds the run for the whole timeout, which the user should see
    /// coming. Quiet with `-q` and `--json`, as every progress line.
    pub fn aia_progress(&self) -> crate::net::aia::OnFetch {
        let p = self.printer.clone();
        Box::new(move |url: &str| {
            p.progress(format!(
                "fetching the issuer from {} (AIA, at most {} s)",
                crate::cli::output::escape(url),
                crate::net::aia::TIMEOUT.as_secs()
            ))
        })
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
    /// The offline index's issuers and removed roots for `input` against `bundle`
    /// ([`advice::prepare`]), with the note that the index is stale when a certificate was
    /// looked up in it.
    pub fn prepare_offline(&self, input: &Input, bundle: &Bundle, with_issuers: bool) -> Prepared {
        let prepared = advice::prepare(self.knowledge(), input, bundle, with_issuers);
        // A stale index matters only when it was asked and did not know the issuer: a
        // newer one might have.
        if prepared.known.iter().any(|k| k.completion.path.is_none()) {
            if let Some(note) = self.knowledge().stale_note(self.at) {
                self.printer.note(note);
            }
        }
        prepared
    }

    /// Shows what the offline index said ([`advice::explain`]) as hints: the AIA fetches
    /// that failed, and for a removed root what can work instead and Python 3.13's
    /// partial-chain behaviour.
    pub fn offline_hints(&self, offline: &Offline) {
        for f in offline.fetches.iter().filter(|f| f.outcome != "ok") {
            self.printer.hint(format!(
                "AIA {}: {} ({})",
                crate::cli::output::escape(&f.url),
                f.outcome,
                crate::cli::output::escape(&f.detail)
            ));
        }
        for r in &offline.removed_roots {
            self.printer
                .hint(format!("{}: what can work instead:", r.certificate_name));
            for (n, a) in r.root.actions.iter().enumerate() {
                self.printer.hint(format!("  {}. {a}", n + 1));
            }
            self.printer.hint(format!(
                "  note: {}",
                crate::pki::advice::PARTIAL_CHAIN_NOTE
            ));
        }
    }
}

impl Context {
    /// Locks a target for a change ([`Target::lock`]) and tells the user when certpatch,
    /// as root, is about to replace a file in a folder that other users can write.
    pub fn lock(&self, target: &Target) -> Result<Locked> {
        let locked = target.lock(wait_notice)?;
        if let Some(how) = &locked.shared_folder {
            self.printer.warn(format!(
                "{}: its folder can be written by users other than {} and the file's owner ({}); they can replace the bundle before or after certpatch patches it. Make the folder writable only by its owner",
                path_text(&target.path),
                if cfg!(windows) { "the administrators" } else { "root" },
                crate::cli::output::escape(how)
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
        path_text(path)
    );
}

/// Reads and parses a bundle without locking it, for a command that goes on past a
/// bundle it cannot read: the failure
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

/// Prints why one bundle could not be handled and returns its JSON entry; the run goes on
/// with the other bundles and ends with the failure exit code.
pub fn bundle_error<'a>(ctx: &Context, target: &'a Target, err: &anyhow::Error) -> BundleError<'a> {
    let message = crate::cli::exit::chain(err);
    ctx.printer
        .error(format!("{}: {message}", path_text(&target.path)));
    BundleError {
        error: message,
        status: "error",
        target: TargetJson::from(target),
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
