//! The error type of [`crate::parse`].

use std::fmt;

/// Why a search could not be parsed, and where.
///
/// `position` is the 1-based character (not byte) offset in the input of the offending token; for a
/// missing token at the end it is one past the last character. `message` says what is wrong, in words a
/// client can act on; it never echoes the content of string literals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character offset in the input.
    pub position: usize,
    /// What is wrong, without the position.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for ParseError {}
