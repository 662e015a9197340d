//! Typed failures of certpatch's own state, with stable codes: a script reading
//! `--json` can tell "no home folder" from "a home folder another user controls" without
//! parsing the message, and gets what to do as a separate `hint`.

/// The stable code of a [`StoreError`] (`error.cause` in a JSON failure document).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// No folder for certpatch's state could be found.
    NoHome,
    /// certpatch's state (or a folder above it) is a link, owned by another user, or
    /// writable by others.
    UnsafeState,
}

impl Code {
    /// The code as JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NoHome => "no-home",
            Code::UnsafeState => "unsafe-state",
        }
    }
}

/// A failure of certpatch's state: the whole message (what it always said, what to do
/// included), its code, and what to do on its own.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl StoreError {
    pub fn new(code: Code, message: String, hint: impl Into<String>) -> StoreError {
        StoreError {
            code,
            message,
            hint: Some(hint.into()),
        }
    }
}
