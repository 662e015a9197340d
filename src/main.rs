//! The `certpatch` binary. Everything it does is in the library; see `certpatch::cli`.

fn main() -> std::process::ExitCode {
    certpatch::cli::main()
}
