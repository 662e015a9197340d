//! Run as root, certpatch runs nobody else's code (issue 14, findings 1–3), end to end:
//! a throwaway local user owns a real venv (`python3 -m venv`) into whose site-packages
//! a `.pth` file was dropped that records the uid it runs as; root then runs `add --env`,
//! `list`/`find --python`, a plain `add` below a shared sticky folder holding the user's
//! `.venv`, and a plain `list` with that user's `HOME` (`sudo -E`) whose `config.toml`
//! names a program. The planted code must never run as root.
//!
//! These tests need root and `useradd`/`userdel`: not root, they fail saying so, unless
//! built with `--features no-root-tests` (then they are ignored). CI runs as root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::*;
use crate::pyvenv::{make_venv, run_ok, CA_OVERRIDES};

/// A local user made for one test and removed (with its home) when dropped, even when
/// the test panics.
struct LocalUser {
    name: String,
    uid: u32,
    home: PathBuf,
}

fn require_root() {
    assert_eq!(
        rustix::process::geteuid().as_raw(),
        0,
        "this test needs root: it creates throwaway local users with useradd and checks what certpatch runs as root; run `cargo test` as root, or build with `--features no-root-tests` to leave it out"
    );
}

impl LocalUser {
    fn create() -> LocalUser {
        require_root();
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "cpre{}x{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        run_ok(
            Command::new("useradd").args(["-m", "-U", "-s", "/bin/sh", &name]),
            "useradd (a throwaway user)",
        );
        // From here on, dropping the guard removes the user.
        let mut user = LocalUser {
            home: PathBuf::from(format!("/home/{name}")),
            name,
            uid: 0,
        };
        let id = run_ok(Command::new("id").args(["-u", &user.name]), "id -u");
        user.uid = id.trim().parse().expect("a uid");
        assert_ne!(user.uid, 0);
        let home = run_ok(
            Command::new("getent").args(["passwd", &user.name]),
            "getent passwd",
        );
        user.home = PathBuf::from(home.trim().split(':').nth(5).expect("a home"));
        user
    }

    /// Gives `path` (recursively) to this user.
    fn give(&self, path: &Path) {
        run_ok(
            Command::new("chown")
                .arg("-R")
                .arg(format!("{0}:{0}", self.name))
                .arg(path),
            "chown",
        );
    }
}

impl Drop for LocalUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel")
            .args(["-r", "-f", &self.name])
            .run_output();
    }
}

/// The system's Python, which every user may run (pyenv's under `/root` is not).
fn system_python() -> PathBuf {
    let p = PathBuf::from("/usr/bin/python3");
    assert!(
        p.is_file(),
        "these tests need /usr/bin/python3 with the venv module (.ci/run installs it)"
    );
    p
}

/// A venv of `user` in `dir` (owned by them) with a small certifi whose bundle is the
/// test bundle, and a planted `.pth` that appends the uid it runs as to the returned
/// marker; certifi's `where()` appends its uid to the second marker. Its interpreter.
struct Planted {
    python: PathBuf,
    bundle: PathBuf,
    pth_marker: PathBuf,
    certifi_marker: PathBuf,
}

fn plant_venv(user: &LocalUser, dir: &Path) -> Planted {
    let python = make_venv(&system_python(), dir, &[]);
    let sp = std::fs::read_dir(dir.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().path().join("site-packages"))
        .find(|p| p.is_dir())
        .expect("the venv's site-packages");
    // pip's own vendored bundle is not what these tests are about.
    for e in std::fs::read_dir(&sp).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_string_lossy().starts_with("pip") {
            let _ = std::fs::remove_dir_all(&p);
        }
    }
    let markers = user.home.join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    let pth_marker = markers.join("pth-ran-as");
    let certifi_marker = markers.join("certifi-imported-as");
    std::fs::create_dir_all(sp.join("certifi")).unwrap();
    std::fs::write(
        sp.join("certifi/__init__.py"),
        format!(
            "import os\n\
             def where():\n    \
                 with open({m:?}, 'a') as f:\n        f.write('%d\\n' % os.getuid())\n    \
                 with open({i:?}, 'a') as f:\n        \
                     f.write('%d %d %s\\n' % (os.getuid(), os.getgid(), sorted(os.getgroups())))\n    \
                 return os.path.join(os.path.dirname(__file__), 'cacert.pem')\n",
            m = certifi_marker.display().to_string(),
            i = markers.join("ids").display().to_string()
        ),
    )
    .unwrap();
    let bundle = sp.join("certifi/cacert.pem");
    std::fs::write(&bundle, test_bundle_bytes()).unwrap();
    std::fs::write(
        sp.join("zz-planted.pth"),
        format!(
            "import os; open({m:?}, 'a').write('%d\\n' % os.getuid())\n",
            m = pth_marker.display().to_string()
        ),
    )
    .unwrap();
    user.give(dir);
    user.give(&markers);
    Planted {
        python,
        bundle,
        pth_marker,
        certifi_marker,
    }
}

/// The uids recorded in a marker (none when it was never written).
fn uids_in(marker: &Path) -> Vec<u32> {
    std::fs::read_to_string(marker)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

/// The planted code never ran as root.
fn assert_never_root(marker: &Path, what: &str) {
    let uids = uids_in(marker);
    assert!(
        !uids.contains(&0),
        "{what} ran as root (uids recorded in {}: {uids:?})",
        marker.display()
    );
}

/// certpatch as root with the usual test isolation, `cwd` its working folder.
fn as_root(sb: &Sandbox, cwd: &Path) -> assert_cmd::Command {
    let mut cmd = sb.cmd();
    for v in CA_OVERRIDES {
        cmd.env_remove(v);
    }
    cmd.current_dir(cwd);
    cmd
}

/// `certpatch add int-good.pem --at TEST_CLOCK` as root in `cwd`, plus `extra` (targets).
fn add_as_root(
    sb: &Sandbox,
    cwd: &Path,
    env: &[(&str, &Path)],
    extra: &[&std::ffi::OsStr],
) -> std::process::Output {
    let mut cmd = as_root(sb, cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("add")
        .arg(gen("int-good.pem"))
        .args(["--at", TEST_CLOCK])
        .args(extra)
        .run_output()
        .unwrap()
}

/// Readable to the throwaway user on the way to its venv: the sandbox is 0700.
fn open_sandbox(sb: &Sandbox) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(sb.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn add_env_runs_the_load_check_as_the_venvs_owner_and_no_pth() {
    let user = LocalUser::create();
    let sb = Sandbox::new();
    let venv = user.home.join("venv");
    let p = plant_venv(&user, &venv);
    let before = read(&p.bundle);
    let out = add_as_root(&sb, sb.root(), &[], &["--env".as_ref(), venv.as_os_str()]);
    assert_exit(&out, 0, "add --env (the user's venv)");
    assert!(
        read(&p.bundle).len() > before.len(),
        "the bundle was patched"
    );
    assert_never_root(&p.pth_marker, "the planted .pth");
    // -S: the .pth is not even read as the user.
    assert_eq!(uids_in(&p.pth_marker), Vec::<u32>::new());
    // And the load check ran: Python loaded the new bundle as the venv's owner, with no
    // warning that it could not be checked.
    let err = stderr(&out);
    assert!(!err.contains("could not check"), "{err}");
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn list_and_find_python_ask_the_interpreter_as_its_owner() {
    let user = LocalUser::create();
    let sb = Sandbox::new();
    let p = plant_venv(&user, &user.home.join("venv"));
    for command in ["list", "find"] {
        let out = as_root(&sb, sb.root())
            .arg(command)
            .arg("--python")
            .arg(&p.python)
            .arg("--json")
            .run_output()
            .unwrap();
        let doc = json(&out);
        let paths: Vec<&str> = doc["bundles"]
            .as_array()
            .unwrap_or_else(|| panic!("{command}: {doc}"))
            .iter()
            .filter_map(|b| b["path"].as_str().or(b["target"]["path"].as_str()))
            .collect();
        assert!(
            paths.iter().any(|x| x.ends_with("certifi/cacert.pem")),
            "{command} --python finds the bundle: {doc}"
        );
    }
    assert_never_root(&p.pth_marker, "the planted .pth");
    assert_never_root(&p.certifi_marker, "the venv's certifi");
    // It was asked, as its owner (not read from the layout).
    assert!(
        uids_in(&p.certifi_marker).contains(&user.uid),
        "certifi.where() ran as uid {}: {:?}",
        user.uid,
        uids_in(&p.certifi_marker)
    );
    // With the owner's primary group and no supplementary group but it (root's dropped).
    let gid = run_ok(Command::new("id").args(["-g", &user.name]), "id -g");
    let ids = std::fs::read_to_string(user.home.join("markers/ids")).unwrap();
    for line in ids.lines() {
        let expected_groups = [format!("[{}]", gid.trim()), "[]".to_string()];
        let (ids_part, groups) = line.split_at(line.find('[').unwrap());
        assert_eq!(
            ids_part.trim(),
            format!("{} {}", user.uid, gid.trim()),
            "{ids}"
        );
        assert!(
            expected_groups.contains(&groups.to_string()),
            "supplementary groups: {ids}"
        );
    }
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn a_dot_venv_planted_in_a_shared_folder_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let user = LocalUser::create();
    let sb = Sandbox::new();
    open_sandbox(&sb);
    // A shared sticky folder (`/tmp`): the user made `.venv` there; root works below it.
    let shared = sb.root().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let dot = shared.join(".venv");
    let p = plant_venv(&user, &dot);
    let work = shared.join("work");
    std::fs::create_dir(&work).unwrap();
    let before = read(&p.bundle);
    let out = add_as_root(&sb, &work, &[], &[]);
    assert_exit(&out, 1, "add with no target below a planted .venv");
    let err = stderr(&out);
    assert!(err.contains(".venv"), "{err}");
    assert!(err.contains(&format!("uid {}", user.uid)), "{err}");
    assert!(err.contains("name it with `--env` if you mean it"), "{err}");
    assert_eq!(read(&p.bundle), before, "the planted bundle is untouched");
    assert_never_root(&p.pth_marker, "the planted .pth");
    assert_never_root(&p.certifi_marker, "the planted certifi");

    // Named by $VIRTUAL_ENV, the same.
    let out = add_as_root(&sb, sb.root(), &[("VIRTUAL_ENV", &dot)], &[]);
    assert_exit(&out, 1, "add with $VIRTUAL_ENV of another user");
    let err = stderr(&out);
    assert!(err.contains("VIRTUAL_ENV"), "{err}");
    assert!(err.contains("name it with `--env` if you mean it"), "{err}");
    assert_eq!(read(&p.bundle), before);
    assert_never_root(&p.pth_marker, "the planted .pth");
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn another_users_home_config_does_not_choose_what_root_runs() {
    let user = LocalUser::create();
    let sb = Sandbox::new();
    // `sudo -E`: root keeps the user's HOME; the user's config names their program.
    let marker = user.home.join("program-ran-as");
    let program = user.home.join("evil-python");
    std::fs::write(
        &program,
        format!("#!/bin/sh\nid -u >> '{}'\n", marker.display()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config_dir = user.home.join(".config/certpatch");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[default-targets]\npythons = [{:?}]\n",
            program.display().to_string()
        ),
    )
    .unwrap();
    user.give(&user.home);
    let out = as_root(&sb, sb.root())
        .env_remove("CERTPATCH_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", &user.home)
        .arg("list")
        .run_output()
        .unwrap();
    let err = stderr(&out);
    assert_never_root(&marker, "the program named in the user's config.toml");
    assert!(
        err.contains("config.toml") && err.contains(&format!("uid {}", user.uid)),
        "the refusal names the file and its owner: {err}"
    );
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn fix_confirms_with_the_venvs_python_as_its_owner_and_no_pth() {
    use crate::netlab::*;
    let user = LocalUser::create();
    let sb = Sandbox::new();
    let p = plant_venv(&user, &user.home.join("venv"));
    // The venv trusts the test PKI's root; the server forgets its intermediate, which the
    // leaf's AIA names on a local HTTP server.
    let (root, int) = cas();
    let int_der = int.der();
    let (aia_port, _) = http_server(move |_| Answer::Body(int_der.clone()));
    let leaf = site_leaf(&int, &format!("http://127.0.0.1:{aia_port}/int.der"), VALID);
    let port = tls_server(vec![leaf.der()], &leaf.key);
    let mut bytes = read(real(CERTIFI));
    bytes.extend_from_slice(root.pem().as_bytes());
    std::fs::write(&p.bundle, bytes).unwrap();
    let mut cmd = as_root(&sb, sb.root());
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .args(["fix", &format!("127.0.0.1:{port}"), "--json", "--python"])
        .arg(&p.python)
        .run_output()
        .unwrap();
    let doc = json(&out);
    assert_exit(&out, 0, "fix --python (the user's venv)");
    let entry = &doc["bundles"][0];
    assert_eq!(entry["status"], "patched", "{doc}");
    // The handshake was confirmed by the venv's Python, run as its owner.
    assert_eq!(entry["python"]["verifies"], true, "{doc}");
    assert_never_root(&p.pth_marker, "the planted .pth");
    assert_eq!(uids_in(&p.pth_marker), Vec::<u32>::new());
    assert_never_root(&p.certifi_marker, "the venv's certifi");
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn reapply_env_runs_no_pth_as_root() {
    let user = LocalUser::create();
    let sb = Sandbox::new();
    let venv = user.home.join("venv");
    let p = plant_venv(&user, &venv);
    let original = read(&p.bundle);
    let env_args = ["--env".as_ref(), venv.as_os_str()];
    assert_exit(&add_as_root(&sb, sb.root(), &[], &env_args), 0, "add --env");
    // An upgrade puts certifi's own bundle back; reapply puts the patch back.
    std::fs::write(&p.bundle, &original).unwrap();
    let out = as_root(&sb, sb.root())
        .arg("reapply")
        .args(env_args)
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 0, "reapply --env");
    assert!(read(&p.bundle).len() > original.len(), "the patch is back");
    assert_never_root(&p.pth_marker, "the planted .pth");
    assert_eq!(uids_in(&p.pth_marker), Vec::<u32>::new());
}

#[test]
#[cfg_attr(feature = "no-root-tests", ignore = "needs root and useradd")]
fn another_users_python_first_on_path_is_refused_as_an_implicit_target() {
    let user = LocalUser::create();
    let sb = Sandbox::new();
    open_sandbox(&sb);
    // Root's PATH starts with a folder of another user's (a venv's `bin`, no
    // $VIRTUAL_ENV): the same implicit choice as a planted `.venv`.
    let venv = sb.root().join("theirs");
    let p = plant_venv(&user, &venv);
    let path = format!(
        "{}:{}",
        p.python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let before = read(&p.bundle);
    let out = as_root(&sb, sb.root())
        .env("PATH", &path)
        .env_remove("VIRTUAL_ENV")
        .env_remove("CONDA_PREFIX")
        .arg("add")
        .arg(gen("int-good.pem"))
        .args(["--at", TEST_CLOCK])
        .run_output()
        .unwrap();
    assert_exit(&out, 1, "add with another user's python3 first on PATH");
    let err = stderr(&out);
    assert!(err.contains(&format!("uid {}", user.uid)), "{err}");
    assert!(err.contains("name it with `--env` if you mean it"), "{err}");
    assert_eq!(
        read(&p.bundle),
        before,
        "the other user's bundle is untouched"
    );
    assert_never_root(&p.pth_marker, "the planted .pth");
    assert_never_root(&p.certifi_marker, "the planted certifi");
}
