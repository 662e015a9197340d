//! certpatch's own environment: the venv that `pipx install certpatch`, `uv tool install
//! certpatch` or `uvx certpatch` made to hold the `certpatch` executable.
//!
//! That venv is nobody's project: it holds certpatch's wheel (and maybe pip), and no
//! program in it verifies TLS with certifi. Yet it looks like an active environment —
//! `uvx` puts its `bin/` first on `PATH`, so `python3` there is the tool's; a tool runner
//! may set `VIRTUAL_ENV` to it — and `find` meets it among the pipx and uv tool
//! environments. Patching it would fix nothing and tell the user it did.
//!
//! **The rule.** The environment that holds the running executable is certpatch's own
//! when the executable (symlinks resolved) is `<root>/bin/certpatch` (or
//! `<root>\Scripts\certpatch.exe`), `<root>` is a venv (`pyvenv.cfg`), and `<root>` has no
//! `certifi` package of its own. A venv with certifi is a project that also has certpatch
//! installed (`pip install certpatch` in a project's venv): it stays a target like any
//! other. certpatch's own environment is passed over by the active-environment fallback
//! (`VIRTUAL_ENV`, `CONDA_PREFIX`, `.venv`, `python3` on `PATH`) and left out of `find` and
//! `--all`; it is used only when named (`--env`, `--python`, `--bundle`, or a `--root` that
//! holds it).

use std::path::PathBuf;

use super::collect::canonical;
use super::host::Host;
use super::layout::{recognise, site_packages_dirs, EnvShape};

/// certpatch's own environment (resolved), when the running executable is installed as a
/// tool in a venv without certifi (see the module docs).
pub fn own_environment(host: &Host) -> Option<PathBuf> {
    let exe = canonical(host.own_exe()?);
    let bin = exe.parent()?;
    let bin_name = bin.file_name()?.to_string_lossy();
    if bin_name != "bin" && !bin_name.eq_ignore_ascii_case("Scripts") {
        return None;
    }
    let root = bin.parent()?;
    if recognise(root) != Some(EnvShape::Venv) {
        return None;
    }
    let has_certifi = site_packages_dirs(root)
        .iter()
        .any(|sp| sp.join("certifi").is_dir());
    (!has_certifi).then(|| canonical(root))
}

/// The line that says why an environment was passed over.
pub(crate) fn passed_over_because(root: &std::path::Path) -> String {
    format!(
        "{} is certpatch's own environment (where this `certpatch` is installed as a tool; it has no certifi), not a project's; name it with `--env` if you mean it",
        crate::x509::text::path_text(root)
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn host_with_exe(base: &std::path::Path, exe: &std::path::Path) -> Host {
        Host::for_tests(base, &[], base).with_own_exe(Some(exe.to_path_buf()))
    }

    #[test]
    fn a_venv_holding_the_executable_without_certifi_is_the_own_environment() {
        let t = tempfile::tempdir().unwrap();
        let base = canonical_tmp(t.path());
        let tool = make_tool_venv(&base.join("pipx/venvs"), "certpatch", "3.12");
        let host = host_with_exe(&base, &tool.join("bin/certpatch"));
        assert_eq!(own_environment(&host), Some(tool.clone()));
        // Through a link (`~/.local/bin/certpatch`), the same.
        #[cfg(unix)]
        {
            mkdirs(&base.join("local/bin"));
            std::os::unix::fs::symlink(tool.join("bin/certpatch"), base.join("local/bin/cp"))
                .unwrap();
            let host = host_with_exe(&base, &base.join("local/bin/cp"));
            assert_eq!(own_environment(&host), Some(tool));
        }
    }

    #[test]
    fn a_project_venv_with_certifi_is_not_the_own_environment() {
        let t = tempfile::tempdir().unwrap();
        let base = canonical_tmp(t.path());
        let venv = make_venv(&base, "project", "3.12");
        write_exe(&venv.join("bin/certpatch"), "ELF");
        let host = host_with_exe(&base, &venv.join("bin/certpatch"));
        assert_eq!(own_environment(&host), None);
    }

    #[test]
    fn an_executable_outside_any_venv_has_no_own_environment() {
        let t = tempfile::tempdir().unwrap();
        let base = canonical_tmp(t.path());
        // `cargo install`: ~/.cargo/bin is no venv.
        write_exe(&base.join(".cargo/bin/certpatch"), "ELF");
        let host = host_with_exe(&base, &base.join(".cargo/bin/certpatch"));
        assert_eq!(own_environment(&host), None);
        // An install root (`/usr/bin/certpatch` from a distribution) is no venv either.
        let inst = make_install(&base, "usr", "3.12");
        write_exe(&inst.join("bin/certpatch"), "ELF");
        let host = host_with_exe(&base, &inst.join("bin/certpatch"));
        assert_eq!(own_environment(&host), None);
        assert_eq!(own_environment(&Host::for_tests(&base, &[], &base)), None);
    }
}
