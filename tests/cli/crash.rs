//! A certpatch killed with SIGKILL while writing a large bundle leaves the old bundle or
//! the new one, never a torn one; the next run works and cleans up after it.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::*;

/// The test bundle followed by about 40 MiB of valid foreign comment lines, so that reading,
/// backing up and writing it take a while.
fn big_bundle() -> Vec<u8> {
    let mut b = test_bundle_bytes();
    let line = b"# padding: foreign text that certpatch must keep verbatim 0123456789abcdef\n";
    let target = b.len() + 40 * 1024 * 1024;
    b.reserve(target - b.len());
    while b.len() < target {
        b.extend_from_slice(line);
    }
    b
}

/// The bundle is either `original` or `original` plus exactly one patch of `cert`.
/// Returns whether it was patched.
fn assert_old_or_new(bundle: &[u8], original: &[u8], cert: &[u8], when: &str) -> bool {
    if bundle == original {
        return false;
    }
    assert!(
        bundle.starts_with(original),
        "{when}: torn bundle: {} bytes, not a prefix-extension of the original {} bytes",
        bundle.len(),
        original.len()
    );
    let tail = &bundle[original.len()..];
    assert_eq!(patch_count(tail), 1, "{when}: exactly one patch appended");
    assert_eq!(
        count_cert(tail, cert),
        1,
        "{when}: the patch is the certificate"
    );
    let text = String::from_utf8_lossy(tail);
    assert!(
        text.trim_end().ends_with("-----END CERTIFICATE-----"),
        "{when}: the patch is complete"
    );
    true
}

fn stray_temporaries(dir: &Path) -> Vec<String> {
    dir_entries(dir)
        .into_iter()
        .filter(|n| n.contains(".certpatch-") || n.ends_with(".tmp"))
        .collect()
}

/// What the bundle folder looks like: its entries, and the bundle's inode, size and mtime.
type Snapshot = (Vec<String>, Option<(u64, u64, i64, i64)>);

fn snapshot(dir: &Path, bundle: &Path) -> Snapshot {
    let meta = std::fs::metadata(bundle)
        .ok()
        .map(|m| (m.ino(), m.len(), m.mtime(), m.mtime_nsec()));
    (dir_entries(dir), meta)
}

/// The writer has started: a new entry appeared beside the bundle (its temporary file), or
/// the bundle itself changed. (Entries that disappear, such as a stale temporary file the
/// writer cleans up, do not count.)
fn write_started(quiet: &Snapshot, now: &Snapshot) -> bool {
    now.1 != quiet.1 || now.0.iter().any(|e| !quiet.0.contains(e))
}

/// When to kill the writer.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// After this fraction of the time one whole add takes (reading, checking, backup).
    Fraction(f64),
    /// This long after the writer starts changing the bundle's folder (a temporary file
    /// appears, or the bundle itself changes): in the middle of writing.
    AfterWriteStarts(Duration),
}

#[test]
fn sigkill_while_writing_a_large_bundle_leaves_old_or_new_never_torn() {
    let sb = Sandbox::new();
    let original = big_bundle();
    let bundle = sb.write_bundle("cacert.pem", &original);
    let dir = sb.bundle_dir();
    let cert = der(&gen("int-good.pem"));

    // How long does one add take on this machine? (On a separate copy and home.)
    let timing = Sandbox::new();
    let tb = timing.write_bundle("cacert.pem", &original);
    let t0 = Instant::now();
    timing.add_ok(gen("int-good.pem"), &tb, &["-q"]);
    let full = t0.elapsed();
    drop(timing);

    let ms = Duration::from_millis;
    let plan = [
        KillAt::Fraction(0.15),
        KillAt::Fraction(0.5),
        KillAt::Fraction(0.8),
        KillAt::AfterWriteStarts(ms(0)),
        KillAt::AfterWriteStarts(ms(1)),
        KillAt::AfterWriteStarts(ms(3)),
        KillAt::AfterWriteStarts(ms(8)),
        KillAt::AfterWriteStarts(ms(20)),
        KillAt::AfterWriteStarts(ms(60)),
    ];
    let (mut patched_runs, mut mid_write, mut finished_first) = (0, 0, 0);
    for (i, at) in plan.iter().enumerate() {
        let quiet = snapshot(&dir, &bundle);
        let mut child = sb
            .std_cmd()
            .arg("add")
            .arg(gen("int-good.pem"))
            .args(["-q", "--at", TEST_CLOCK, "--bundle"])
            .arg(&bundle)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        match *at {
            KillAt::Fraction(f) => std::thread::sleep(full.mul_f64(f)),
            KillAt::AfterWriteStarts(d) => {
                // Poll the folder until the writer touches it (or exits).
                let deadline = Instant::now() + full * 4 + Duration::from_secs(5);
                while !write_started(&quiet, &snapshot(&dir, &bundle))
                    && child.try_wait().unwrap().is_none()
                    && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_micros(100));
                }
                std::thread::sleep(d);
            }
        }
        // Child::kill sends SIGKILL on Unix.
        let exited_first = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let status = child.wait().unwrap();
        if exited_first {
            finished_first += 1;
        }
        let when = format!("run {i} ({at:?}), {status:?}");
        if !stray_temporaries(&dir).is_empty() {
            mid_write += 1;
        }

        let now = read(&bundle);
        if assert_old_or_new(&now, &original, &cert, &when) {
            patched_runs += 1;
            // Take the patch off again: the next run works despite the killed one.
            let out = sb.remove(&bundle, &["--all", "-q"]);
            assert_exit(&out, 0, &format!("{when}: remove --all after the kill"));
            assert_file_is(&bundle, &original, &format!("{when}: undo after the kill"));
        }
    }
    eprintln!(
        "sigkill: one add takes {full:?}; of {} runs, {mid_write} were killed mid-write \
         (a temporary file was left), {patched_runs} had already patched, \
         {finished_first} finished before the kill",
        plan.len()
    );

    // Where these kills land is up to the scheduler (no assertion on a race being won);
    // the kill that surely lands mid-write is the next test's.

    // A normal run after all that: works, and leaves nothing beside the bundle.
    sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    let now = read(&bundle);
    assert!(assert_old_or_new(&now, &original, &cert, "final add"));
    assert_eq!(
        stray_temporaries(&dir),
        Vec::<String>::new(),
        "no temporary file left beside the bundle"
    );
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
    assert_exit(&sb.remove(&bundle, &["--all", "-q"]), 0, "final remove");
    assert_file_is(&bundle, &original, "final undo");
}

#[test]
fn stale_temporary_file_from_a_killed_run_does_not_block_and_is_cleaned() {
    let sb = Sandbox::new();
    let bundle = sb.test_bundle();
    let original = read(&bundle);
    // What a killed writer leaves: a half-written temporary file in the bundle's folder.
    let stale = sb.bundle_dir().join(".cacert.pem.certpatch-AbC123.tmp");
    std::fs::write(&stale, &original[..original.len() / 2]).unwrap();

    // Not blocked by it: the run ends (the harness stops a command after 60 s) and succeeds.
    sb.add_ok(gen("int-good.pem"), &bundle, &[]);
    assert_eq!(patch_count(&read(&bundle)), 1);
    assert_eq!(
        sb.bundle_dir_entries(),
        vec!["cacert.pem"],
        "the stale temporary file was cleaned up"
    );
    assert_exit(&sb.remove(&bundle, &["--all"]), 0, "remove --all");
    assert_file_is(&bundle, &original, "original bytes");
}

#[test]
fn a_writer_killed_mid_write_by_the_file_size_limit_leaves_the_old_bundle() {
    // The kernel, not the scheduler, picks the moment: with a file size limit a little
    // above the bundle's size, the backup (the bundle's size) is written whole and the new
    // bundle's temporary file (the bundle plus the patch) is cut off at the limit, and the
    // writer killed there by SIGXFSZ, every time.
    let sb = Sandbox::new();
    let original = test_bundle_bytes();
    let bundle = sb.write_bundle("cacert.pem", &original);
    let limit = original.len() as u64 + 64;
    let mut cmd = sb.std_cmd();
    cmd.arg("add")
        .arg(gen("int-good.pem"))
        .args(["-q", "--at", TEST_CLOCK, "--bundle"])
        .arg(&bundle)
        .stdin(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe; the closure allocates nothing.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || {
            let fsize = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &fsize) != 0
                || libc::setrlimit(libc::RLIMIT_CORE, &no_core) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGXFSZ),
        "the writer was to be stopped at the file size limit: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let left = stray_temporaries(&sb.bundle_dir());
    assert_eq!(left.len(), 1, "the torn temporary file: {left:?}");
    let torn = std::fs::metadata(sb.bundle_dir().join(&left[0]))
        .unwrap()
        .len();
    assert_eq!(torn, limit, "cut off at the limit");
    assert_file_is(
        &bundle,
        &original,
        "killed mid-write: the old bundle, untouched",
    );

    // The next run works, and cleans up what the killed one left.
    sb.add_ok(gen("int-good.pem"), &bundle, &["-q"]);
    let cert = der(&gen("int-good.pem"));
    assert!(assert_old_or_new(
        &read(&bundle),
        &original,
        &cert,
        "after the killed run"
    ));
    assert_eq!(sb.bundle_dir_entries(), vec!["cacert.pem"]);
    assert_exit(&sb.remove(&bundle, &["--all", "-q"]), 0, "remove");
    assert_file_is(&bundle, &original, "undo");
}
