//! A log's fields, declared once ([`log_fields!`]), and the names clients use for them in `search`, `orderBy` and
//! `fields`.
//!
//! Adding a column means: the migration, `schema.rs`, and one line in [`log_fields!`]. Everything else that lists
//! the fields (the database row, the wire object, the CSV record, the kinds a search checks against, the columns
//! the store orders and filters by) is generated from that line by the module that owns it, so the compiler
//! points at anything that still needs a decision (e.g. the server-set values of a new row in `handlers/logs.rs`).

use std::fmt;

/// The one declaration of a log's fields, in JSON and CSV order: `kind name Variant`, where `name` is both the
/// client's name and the column's, and `kind` is one of `text`, `bool`, `time`, `list`. Attributes on an entry
/// (docs, `#[schema(...)]`) go to the field of the wire object.
///
/// `log_fields!(callback)` calls `callback! { all: [..] text: [..] bool: [..] time: [..] list: [..] }` with each
/// entry as `{ #[attrs] Variant name : RowType => WireType }` in `all` and `{ Variant name }` in its kind's list.
/// `id` must stay first: the wire object treats it apart (always present).
macro_rules! log_fields {
    ($callback:ident) => {
        $crate::fields::group_fields! { $callback; [] [] [] [] [];
            /// A KSUID: 27 base62 characters, sortable by creation time.
            text Id id;
            text ClusterUuid cluster_uuid;
            text ClusterId cluster_id;
            text SubscriptionId subscription_id;
            /// The account that owns the cluster or resource the log is about; scopes who may read it.
            text AccountId account_id;
            #[schema(example = "Info")]
            text Severity severity;
            text ServiceName service_name;
            text Summary summary;
            text Description description;
            bool InternalOnly internal_only;
            text LogType log_type;
            list DocReferences doc_references;
            text EventStreamId event_stream_id;
            /// RFC 3339 in UTC.
            time Timestamp timestamp;
            text Username username;
            time CreatedAt created_at;
            text CreatedBy created_by;
            text Email email;
            text FirstName first_name;
            text LastName last_name;
        }
    };
}
pub(crate) use log_fields;

/// Sorts [`log_fields!`]'s entries by kind, giving each its row and wire types, then calls the callback.
macro_rules! group_fields {
    ($cb:ident; [$($all:tt)*] [$($text:tt)*] [$($bool:tt)*] [$($time:tt)*] [$($list:tt)*];) => {
        $cb! { all: [$($all)*] text: [$($text)*] bool: [$($bool)*] time: [$($time)*] list: [$($list)*] }
    };
    ($cb:ident; [$($all:tt)*] [$($text:tt)*] [$($bool:tt)*] [$($time:tt)*] [$($list:tt)*];
        $(#[$m:meta])* text $v:ident $c:ident; $($rest:tt)*) => {
        $crate::fields::group_fields! { $cb;
            [$($all)* { $(#[$m])* $v $c : String => String }] [$($text)* { $v $c }] [$($bool)*] [$($time)*] [$($list)*];
            $($rest)* }
    };
    ($cb:ident; [$($all:tt)*] [$($text:tt)*] [$($bool:tt)*] [$($time:tt)*] [$($list:tt)*];
        $(#[$m:meta])* bool $v:ident $c:ident; $($rest:tt)*) => {
        $crate::fields::group_fields! { $cb;
            [$($all)* { $(#[$m])* $v $c : bool => bool }] [$($text)*] [$($bool)* { $v $c }] [$($time)*] [$($list)*];
            $($rest)* }
    };
    ($cb:ident; [$($all:tt)*] [$($text:tt)*] [$($bool:tt)*] [$($time:tt)*] [$($list:tt)*];
        $(#[$m:meta])* time $v:ident $c:ident; $($rest:tt)*) => {
        $crate::fields::group_fields! { $cb;
            [$($all)* { $(#[$m])* $v $c : ::time::OffsetDateTime => String }] [$($text)*] [$($bool)*] [$($time)* { $v $c }] [$($list)*];
            $($rest)* }
    };
    ($cb:ident; [$($all:tt)*] [$($text:tt)*] [$($bool:tt)*] [$($time:tt)*] [$($list:tt)*];
        $(#[$m:meta])* list $v:ident $c:ident; $($rest:tt)*) => {
        $crate::fields::group_fields! { $cb;
            [$($all)* { $(#[$m])* $v $c : Vec<String> => Vec<String> }] [$($text)*] [$($bool)*] [$($time)*] [$($list)* { $v $c }];
            $($rest)* }
    };
}
pub(crate) use group_fields;

macro_rules! declare_fields {
    (all: [$({ $(#[$m:meta])* $v:ident $c:ident : $rt:ty => $wt:ty })*]
     text: [$({ $tv:ident $tc:ident })*]
     bool: [$({ $bv:ident $bc:ident })*]
     time: [$({ $mv:ident $mc:ident })*]
     list: [$({ $lv:ident $lc:ident })*]) => {
        /// A field of a log, as clients name it in `search`, `orderBy` and `fields`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field { $($v,)* }

        /// A text field (stored `''` when absent).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TextField { $($tv,)* }

        /// A boolean field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum BoolField { $($bv,)* }

        /// A date-time field.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum TimeField { $($mv,)* }

        /// A list of texts (neither searchable nor orderable).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ListField { $($lv,)* }

        impl Field {
            /// Every field in the order of the JSON object and of CSV columns.
            pub const ALL: &'static [Field] = &[$(Field::$v,)*];

            pub fn name(self) -> &'static str {
                match self { $(Field::$v => stringify!($c),)* }
            }

            /// The field with its kind, which decides the operators a search may use on it.
            pub fn kind(self) -> Kind {
                match self {
                    $(Field::$tv => Kind::Text(TextField::$tv),)*
                    $(Field::$bv => Kind::Bool(BoolField::$bv),)*
                    $(Field::$mv => Kind::Time(TimeField::$mv),)*
                    $(Field::$lv => Kind::List(ListField::$lv),)*
                }
            }
        }
    };
}

log_fields!(declare_fields);

/// A field together with what kind of value it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text(TextField),
    Bool(BoolField),
    Time(TimeField),
    List(ListField),
}

impl Field {
    /// Whether `search` and `orderBy` may name the field (every field but the lists).
    pub fn is_scalar(self) -> bool {
        !matches!(self.kind(), Kind::List(_))
    }

    /// Looks a field up by the name a client wrote (case-insensitive).
    pub fn parse(name: &str) -> Option<Field> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The names a client may use, for error messages.
    pub fn names(filter: impl Fn(Field) -> bool) -> String {
        Self::ALL
            .iter()
            .copied()
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
