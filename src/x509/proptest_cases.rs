//! How many cases a property test runs: `PROPTEST_CASES` when set (the adversarial reviews
//! ran 10,000), else the test's own default. proptest's `with_cases` alone would ignore the
//! variable. Test-only; in `x509`, the bottom layer, so every layer's tests can use it.

use proptest::test_runner::Config;

/// The proptest configuration for a test whose default is `default` cases.
pub(crate) fn cases(default: u32) -> Config {
    Config::with_cases(from_env(
        std::env::var("PROPTEST_CASES").ok().as_deref(),
        default,
    ))
}

/// The number of cases `PROPTEST_CASES` (when given and a number) asks for, else `default`.
fn from_env(var: Option<&str>, default: u32) -> u32 {
    var.and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::from_env;

    #[test]
    fn the_variable_wins_over_the_default_and_garbage_keeps_the_default() {
        assert_eq!(from_env(Some("10000"), 300), 10000);
        assert_eq!(from_env(Some(" 7 "), 300), 7);
        assert_eq!(from_env(None, 300), 300);
        assert_eq!(from_env(Some("many"), 300), 300);
    }
}
