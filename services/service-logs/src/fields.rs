//! The log's fields as clients name them: which can be searched, ordered and selected, and of what kind.

use std::fmt;

/// A column of the logs table that clients may name in `search`, `orderBy` and `fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    ClusterUuid,
    ClusterId,
    SubscriptionId,
    AccountId,
    Severity,
    ServiceName,
    Summary,
    Description,
    InternalOnly,
    LogType,
    DocReferences,
    EventStreamId,
    Timestamp,
    Username,
    CreatedAt,
    CreatedBy,
    Email,
    FirstName,
    LastName,
}

/// What kind of value a field holds, which decides the operators a search may use on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Bool,
    Time,
    TextList,
}

impl Field {
    /// Every field in the order of the JSON object and of CSV columns.
    pub const ALL: [Field; 20] = [
        Field::Id,
        Field::ClusterUuid,
        Field::ClusterId,
        Field::SubscriptionId,
        Field::AccountId,
        Field::Severity,
        Field::ServiceName,
        Field::Summary,
        Field::Description,
        Field::InternalOnly,
        Field::LogType,
        Field::DocReferences,
        Field::EventStreamId,
        Field::Timestamp,
        Field::Username,
        Field::CreatedAt,
        Field::CreatedBy,
        Field::Email,
        Field::FirstName,
        Field::LastName,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::ClusterUuid => "cluster_uuid",
            Field::ClusterId => "cluster_id",
            Field::SubscriptionId => "subscription_id",
            Field::AccountId => "account_id",
            Field::Severity => "severity",
            Field::ServiceName => "service_name",
            Field::Summary => "summary",
            Field::Description => "description",
            Field::InternalOnly => "internal_only",
            Field::LogType => "log_type",
            Field::DocReferences => "doc_references",
            Field::EventStreamId => "event_stream_id",
            Field::Timestamp => "timestamp",
            Field::Username => "username",
            Field::CreatedAt => "created_at",
            Field::CreatedBy => "created_by",
            Field::Email => "email",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            Field::InternalOnly => FieldKind::Bool,
            Field::Timestamp | Field::CreatedAt => FieldKind::Time,
            Field::DocReferences => FieldKind::TextList,
            _ => FieldKind::Text,
        }
    }

    /// Looks a field up by the name a client wrote (case-insensitive).
    pub fn parse(name: &str) -> Option<Field> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The names a client may use, for error messages.
    pub fn names(filter: impl Fn(Field) -> bool) -> String {
        Self::ALL
            .into_iter()
            .filter(|f| filter(*f))
            .map(Field::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
