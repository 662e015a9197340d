//! Hosts made by tests (test-only): from explicit parts, with one more variable, with a
//! shorter interpreter limit. Kept out of the production `impl Host`.

use super::*;

impl Host {
    /// A host made only of what the caller gives: `root` replaces `/` for
    /// fixed system locations, `env` is the whole environment (nothing is
    /// read from the process), `cwd` is the current folder.
    pub fn for_tests(root: &Path, env: &[(&str, &str)], cwd: &Path) -> Host {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Host::new(env, root.to_path_buf(), cwd.to_path_buf())
    }

    /// The same host with one more (or a changed) variable.
    pub fn with_var(mut self, name: &str, value: &str) -> Host {
        self.env.insert(name.to_string(), value.to_string());
        if name == vars::HOME || name == vars::USERPROFILE {
            self.home = self
                .var(vars::HOME)
                .or_else(|| self.var(vars::USERPROFILE))
                .map(PathBuf::from);
        }
        self
    }

    /// The same host with another limit on how long an interpreter may take.
    pub fn with_interpreter_timeout(mut self, timeout: Duration) -> Host {
        self.interpreter_timeout = timeout;
        self
    }

    /// The user's home folder, if known.
    pub fn home(&self) -> Option<&Path> {
        self.home.as_deref()
    }
}
