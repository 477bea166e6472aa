//! Log severities: the union of every value the Service Log API has ever had, case as written.

use std::fmt;
use std::str::FromStr;

/// A log's severity. Parsing is exact-case: `info` is not `Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Debug,
    Info,
    Warning,
    Error,
    Fatal,
    Major,
    Critical,
    Important,
    Moderate,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 10] = [
        Severity::Debug,
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Fatal,
        Severity::Major,
        Severity::Critical,
        Severity::Important,
        Severity::Moderate,
        Severity::Low,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "Debug",
            Severity::Info => "Info",
            Severity::Warning => "Warning",
            Severity::Error => "Error",
            Severity::Fatal => "Fatal",
            Severity::Major => "Major",
            Severity::Critical => "Critical",
            Severity::Important => "Important",
            Severity::Moderate => "Moderate",
            Severity::Low => "Low",
        }
    }

    /// The accepted values joined for an error message.
    pub fn accepted() -> String {
        Self::ALL
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("severity '{0}' is not valid; accepted values are {accepted}", accepted = Severity::accepted())]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips_and_case_is_exact() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
        assert!("info".parse::<Severity>().is_err());
        assert!("INFO".parse::<Severity>().is_err());
        assert!("".parse::<Severity>().is_err());
    }

    #[test]
    fn error_lists_accepted_values() {
        let err = "Bad".parse::<Severity>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "severity 'Bad' is not valid; accepted values are 'Debug', 'Info', 'Warning', 'Error', \
                 'Fatal', 'Major', 'Critical', 'Important', 'Moderate', 'Low'"
            )
        );
    }
}
