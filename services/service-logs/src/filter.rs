//! A `search` parsed once (see the `search` crate, which enforces its limits) and checked against the log's fields:
//! the tree the store compiles to SQL.
//!
//! Every check a client can fail happens here: an unknown field, an operator that makes no sense for the field's
//! kind, a value that is not a date-time or a boolean. What comes out is typed by field kind, so the store's
//! compilation cannot fail and has no case to refuse.

use search::{CompareOp, Expr, Ident, Literal, LiteralValue};
use time::OffsetDateTime;

use crate::fields::{BoolField, Field, Kind, TextField, TimeField};
use crate::store::rows::LogRow;

/// A checked search.
#[derive(Debug, Clone, PartialEq)]
pub enum Criteria {
    And(Box<Criteria>, Box<Criteria>),
    Or(Box<Criteria>, Box<Criteria>),
    Not(Box<Criteria>),
    /// A condition known without looking at a row: `is null` on a field that is never absent.
    Always(bool),
    Text(TextField, TextTest),
    Bool(BoolField, Test<bool>),
    Time(TimeField, Test<OffsetDateTime>),
}

/// A test on a text field.
#[derive(Debug, Clone, PartialEq)]
pub enum TextTest {
    Value(Test<String>),
    Like {
        negated: bool,
        insensitive: bool,
        pattern: String,
    },
    /// `is [not] null`: text columns store `''` for "absent", so null means empty.
    Empty {
        negated: bool,
    },
}

/// A test against values of the field's own type (evaluated in memory by [`Test::holds`]).
pub use search::eval::Test;

/// Why a search was refused; the text is the reason the client reads (OCM error 23).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(pub String);

impl Criteria {
    /// Parses `text`; `Ok(None)` for an empty search (which filters nothing).
    pub fn parse(text: &str) -> Result<Option<Self>, SearchError> {
        let parsed =
            search::parse(text).map_err(|e| SearchError(format!("Invalid search: {e}")))?;
        parsed.as_ref().map(Self::check).transpose()
    }

    /// Checks a parsed search against the log's fields.
    pub fn check(expr: &Expr) -> Result<Self, SearchError> {
        Ok(match expr {
            Expr::And(a, b) => Self::And(Box::new(Self::check(a)?), Box::new(Self::check(b)?)),
            Expr::Or(a, b) => Self::Or(Box::new(Self::check(a)?), Box::new(Self::check(b)?)),
            Expr::Not(e) => Self::Not(Box::new(Self::check(e)?)),
            Expr::Compare { field, op, value } => {
                predicate(field, Pred::Value(ValuePred::Compare(*op, value)))?
            }
            Expr::Like {
                field,
                negated,
                case_insensitive,
                pattern,
            } => predicate(
                field,
                Pred::Like {
                    negated: *negated,
                    insensitive: *case_insensitive,
                    pattern,
                },
            )?,
            Expr::In {
                field,
                negated,
                values,
            } => predicate(
                field,
                Pred::Value(ValuePred::In {
                    negated: *negated,
                    values,
                }),
            )?,
            Expr::Between {
                field,
                negated,
                low,
                high,
            } => predicate(
                field,
                Pred::Value(ValuePred::Between {
                    negated: *negated,
                    low,
                    high,
                }),
            )?,
            Expr::IsNull { field, negated } => {
                predicate(field, Pred::IsNull { negated: *negated })?
            }
        })
    }
}

impl Criteria {
    /// Whether `log` matches, in memory, exactly as the SQL the store compiles from the same criteria would
    /// answer (property-tested against PostgreSQL in the API tests).
    pub fn matches(&self, log: &LogRow) -> bool {
        match self {
            Criteria::And(a, b) => a.matches(log) && b.matches(log),
            Criteria::Or(a, b) => a.matches(log) || b.matches(log),
            Criteria::Not(e) => !e.matches(log),
            Criteria::Always(v) => *v,
            Criteria::Text(f, TextTest::Value(t)) => t.holds_borrowed(text_of(*f, log)),
            Criteria::Text(
                f,
                TextTest::Like {
                    negated,
                    insensitive,
                    pattern,
                },
            ) => search::eval::like(text_of(*f, log), pattern, *insensitive) != *negated,
            Criteria::Text(f, TextTest::Empty { negated }) => {
                text_of(*f, log).is_empty() != *negated
            }
            Criteria::Bool(f, t) => t.holds(&bool_of(*f, log)),
            Criteria::Time(f, t) => t.holds(&time_of(*f, log)),
        }
    }
}

macro_rules! declare_values {
    (all: [$($all:tt)*]
     text: [$({ $tv:ident $tc:ident })*]
     bool: [$({ $bv:ident $bc:ident })*]
     time: [$({ $mv:ident $mc:ident })*]
     list: [$($list:tt)*]) => {
        fn text_of(f: TextField, row: &LogRow) -> &str {
            match f { $(TextField::$tv => &row.$tc,)* }
        }
        fn bool_of(f: BoolField, row: &LogRow) -> bool {
            match f { $(BoolField::$bv => row.$bc,)* }
        }
        fn time_of(f: TimeField, row: &LogRow) -> OffsetDateTime {
            match f { $(TimeField::$mv => row.$mc,)* }
        }
    };
}

crate::fields::log_fields!(declare_values);

/// One predicate of the syntax tree, before the field's kind is known.
#[derive(Clone, Copy)]
enum Pred<'a> {
    Value(ValuePred<'a>),
    Like {
        negated: bool,
        insensitive: bool,
        pattern: &'a Literal,
    },
    IsNull {
        negated: bool,
    },
}

/// A predicate that compares the field with values.
#[derive(Clone, Copy)]
enum ValuePred<'a> {
    Compare(CompareOp, &'a Literal),
    In {
        negated: bool,
        values: &'a [Literal],
    },
    Between {
        negated: bool,
        low: &'a Literal,
        high: &'a Literal,
    },
}

impl Pred<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Pred::Value(ValuePred::Compare(CompareOp::Eq | CompareOp::NotEq, _)) => "'=' and '!='",
            Pred::Value(ValuePred::Compare(..)) => "'<', '<=', '>' and '>='",
            Pred::Like {
                insensitive: false, ..
            } => "'like'",
            Pred::Like {
                insensitive: true, ..
            } => "'ilike'",
            Pred::Value(ValuePred::In { .. }) => "'in'",
            Pred::Value(ValuePred::Between { .. }) => "'between'",
            Pred::IsNull { .. } => "'is null'",
        }
    }
}

impl ValuePred<'_> {
    /// The test, each literal converted by `value`.
    fn test<T>(
        self,
        value: impl Fn(&Literal) -> Result<T, SearchError>,
    ) -> Result<Test<T>, SearchError> {
        Ok(match self {
            ValuePred::Compare(op, v) => Test::Compare(op, value(v)?),
            ValuePred::In { negated, values } => Test::In {
                negated,
                values: values.iter().map(&value).collect::<Result<_, _>>()?,
            },
            ValuePred::Between { negated, low, high } => Test::Between {
                negated,
                low: value(low)?,
                high: value(high)?,
            },
        })
    }
}

fn resolve(ident: &Ident) -> Result<Field, SearchError> {
    Field::parse(&ident.name)
        .filter(|f| f.is_scalar())
        .ok_or_else(|| {
            SearchError(format!(
                "Invalid search: unknown field '{}' at position {}; searchable fields are {}",
                ident.name,
                ident.position,
                Field::names(Field::is_scalar)
            ))
        })
}

fn unsupported(field: Field, ident: &Ident, pred: Pred) -> SearchError {
    SearchError(format!(
        "Invalid search: {} cannot be used on field '{}' at position {}",
        pred.describe(),
        field,
        ident.position
    ))
}

fn text_value(lit: &Literal) -> String {
    match &lit.value {
        LiteralValue::String(s) | LiteralValue::Number(s) => s.clone(),
    }
}

fn time_value(field: Field, lit: &Literal) -> Result<OffsetDateTime, SearchError> {
    let text = match &lit.value {
        LiteralValue::String(s) => Some(s.as_str()),
        LiteralValue::Number(_) => None,
    };
    text.and_then(domain::timefmt::parse_search_datetime)
        // PostgreSQL keeps microseconds: a bound value loses the rest, and so does the in-memory test.
        .and_then(|t| t.replace_nanosecond(t.nanosecond() / 1000 * 1000).ok())
        .ok_or_else(|| {
            SearchError(format!(
                "Invalid search: the value at position {} is not a date-time for field '{field}'; \
             write it like '2024-05-01' or '2024-05-01T10:00:00Z'",
                lit.position
            ))
        })
}

fn bool_value(field: Field, lit: &Literal) -> Result<bool, SearchError> {
    match &lit.value {
        LiteralValue::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        LiteralValue::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(SearchError(format!(
            "Invalid search: the value at position {} for field '{field}' must be 'true' or 'false'",
            lit.position
        ))),
    }
}

fn predicate(ident: &Ident, pred: Pred) -> Result<Criteria, SearchError> {
    let field = resolve(ident)?;
    match (field.kind(), pred) {
        (
            Kind::Text(f),
            Pred::Like {
                negated,
                insensitive,
                pattern,
            },
        ) => Ok(Criteria::Text(
            f,
            TextTest::Like {
                negated,
                insensitive,
                pattern: text_value(pattern),
            },
        )),
        (Kind::Text(f), Pred::IsNull { negated }) => {
            Ok(Criteria::Text(f, TextTest::Empty { negated }))
        }
        (Kind::Text(f), Pred::Value(v)) => Ok(Criteria::Text(
            f,
            TextTest::Value(v.test(|l| Ok(text_value(l)))?),
        )),
        // Booleans and times are never absent.
        (Kind::Bool(_) | Kind::Time(_), Pred::IsNull { negated }) => Ok(Criteria::Always(negated)),
        (
            Kind::Bool(f),
            Pred::Value(
                v
                @ (ValuePred::Compare(CompareOp::Eq | CompareOp::NotEq, _) | ValuePred::In { .. }),
            ),
        ) => Ok(Criteria::Bool(f, v.test(|l| bool_value(field, l))?)),
        (Kind::Time(f), Pred::Value(v)) => Ok(Criteria::Time(f, v.test(|l| time_value(field, l))?)),
        (Kind::Bool(_), _) | (Kind::Time(_), Pred::Like { .. }) | (Kind::List(_), _) => {
            Err(unsupported(field, ident, pred))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(search: &str) -> String {
        Criteria::parse(search).err().map(|e| e.0).unwrap()
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            reason("nope = 'x'"),
            "Invalid search: unknown field 'nope' at position 1; searchable fields are id, cluster_uuid, \
             cluster_id, subscription_id, account_id, severity, service_name, summary, description, \
             internal_only, log_type, event_stream_id, timestamp, username, created_at, created_by, email, \
             first_name, last_name"
        );
        assert_eq!(
            reason("timestamp like '2024%'"),
            "Invalid search: 'like' cannot be used on field 'timestamp' at position 1"
        );
        assert_eq!(
            reason("internal_only = 'yes'"),
            "Invalid search: the value at position 17 for field 'internal_only' must be 'true' or 'false'"
        );
        assert_eq!(
            reason("created_at > 'soon'"),
            "Invalid search: the value at position 14 is not a date-time for field 'created_at'; write it \
             like '2024-05-01' or '2024-05-01T10:00:00Z'"
        );
        assert_eq!(
            reason("internal_only between 'true' and 'false'"),
            "Invalid search: 'between' cannot be used on field 'internal_only' at position 1"
        );
        assert_eq!(
            reason("doc_references = 'x'").split(';').next(),
            Some("Invalid search: unknown field 'doc_references' at position 1")
        );
    }

    #[test]
    fn kinds_decide_the_tree() {
        let Ok(Some(Criteria::And(a, b))) =
            Criteria::parse("severity is null and timestamp is not null")
        else {
            panic!("expected an 'and'")
        };
        assert_eq!(
            *a,
            Criteria::Text(TextField::Severity, TextTest::Empty { negated: false })
        );
        assert_eq!(*b, Criteria::Always(true));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Any text at all: an answer (criteria or a reason), never a panic.
            #[test]
            fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
                let _ = Criteria::parse(&s);
            }
        }
    }
}
