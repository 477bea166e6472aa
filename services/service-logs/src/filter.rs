//! Compiles a parsed search (see the `search` crate) into a diesel boolean expression over the logs table.
//!
//! Every literal becomes a bound parameter; only column names from the [`Field`] allow-list and fixed operators
//! become SQL text. A field name the allow-list does not know, or an operator that makes no sense for the field's
//! kind, is a 400 (OCM error 23) that says what and where.

use diesel::dsl::not;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use errors::ocm::OcmError;
use search::{CompareOp, Expr, Ident, Literal, LiteralValue};
use time::OffsetDateTime;

use crate::fields::{Field, FieldKind};
use crate::schema::cluster_logs;

/// A boolean condition on the logs table, built at run time.
pub type Filter = Box<dyn BoxableExpression<cluster_logs::table, Pg, SqlType = Bool>>;

/// Parses `text` and compiles it; `Ok(None)` for an empty search (which filters nothing).
pub fn parse_and_compile(text: &str) -> Result<Option<Filter>, OcmError> {
    let parsed =
        search::parse(text).map_err(|e| OcmError::search(format!("Invalid search: {e}")))?;
    parsed.as_ref().map(compile).transpose()
}

pub fn compile(expr: &Expr) -> Result<Filter, OcmError> {
    Ok(match expr {
        Expr::And(a, b) => Box::new(compile(a)?.and(compile(b)?)),
        Expr::Or(a, b) => Box::new(compile(a)?.or(compile(b)?)),
        Expr::Not(e) => Box::new(not(compile(e)?)),
        Expr::Compare { field, op, value } => predicate(field, &Pred::Compare(*op, value))?,
        Expr::Like {
            field,
            negated,
            case_insensitive,
            pattern,
        } => predicate(
            field,
            &Pred::Like {
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
            &Pred::In {
                negated: *negated,
                values,
            },
        )?,
        Expr::Between {
            field,
            negated,
            low,
            high,
        } => predicate(
            field,
            &Pred::Between {
                negated: *negated,
                low,
                high,
            },
        )?,
        Expr::IsNull { field, negated } => predicate(field, &Pred::IsNull { negated: *negated })?,
    })
}

/// One predicate on one field, before the field's column type is known.
enum Pred<'a> {
    Compare(CompareOp, &'a Literal),
    Like {
        negated: bool,
        insensitive: bool,
        pattern: &'a Literal,
    },
    In {
        negated: bool,
        values: &'a [Literal],
    },
    Between {
        negated: bool,
        low: &'a Literal,
        high: &'a Literal,
    },
    IsNull {
        negated: bool,
    },
}

impl Pred<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Pred::Compare(CompareOp::Eq | CompareOp::NotEq, _) => "'=' and '!='",
            Pred::Compare(..) => "'<', '<=', '>' and '>='",
            Pred::Like {
                insensitive: false, ..
            } => "'like'",
            Pred::Like {
                insensitive: true, ..
            } => "'ilike'",
            Pred::In { .. } => "'in'",
            Pred::Between { .. } => "'between'",
            Pred::IsNull { .. } => "'is null'",
        }
    }
}

fn resolve(ident: &Ident) -> Result<Field, OcmError> {
    Field::parse(&ident.name)
        .filter(|f| f.kind() != FieldKind::TextList)
        .ok_or_else(|| {
            OcmError::search(format!(
                "Invalid search: unknown field '{}' at position {}; searchable fields are {}",
                ident.name,
                ident.position,
                Field::names(|f| f.kind() != FieldKind::TextList)
            ))
        })
}

fn unsupported(field: Field, ident: &Ident, pred: &Pred) -> OcmError {
    OcmError::search(format!(
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

fn time_value(field: Field, lit: &Literal) -> Result<OffsetDateTime, OcmError> {
    let text = match &lit.value {
        LiteralValue::String(s) => Some(s.as_str()),
        LiteralValue::Number(_) => None,
    };
    text.and_then(domain::timefmt::parse_search_datetime)
        .ok_or_else(|| {
            OcmError::search(format!(
                "Invalid search: the value at position {} is not a date-time for field '{field}'; \
             write it like '2024-05-01' or '2024-05-01T10:00:00Z'",
                lit.position
            ))
        })
}

fn bool_value(field: Field, lit: &Literal) -> Result<bool, OcmError> {
    match &lit.value {
        LiteralValue::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        LiteralValue::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(OcmError::search(format!(
            "Invalid search: the value at position {} for field '{field}' must be 'true' or 'false'",
            lit.position
        ))),
    }
}

/// Applies a predicate to a concrete column; `$col` is a diesel column, `$val` converts a literal.
macro_rules! ordered_predicate {
    ($col:expr, $pred:expr, $val:expr) => {{
        let col = $col;
        let f: Filter = match $pred {
            Pred::Compare(op, v) => {
                let v = $val(v)?;
                match op {
                    CompareOp::Eq => Box::new(col.eq(v)),
                    CompareOp::NotEq => Box::new(col.ne(v)),
                    CompareOp::Lt => Box::new(col.lt(v)),
                    CompareOp::Le => Box::new(col.le(v)),
                    CompareOp::Gt => Box::new(col.gt(v)),
                    CompareOp::Ge => Box::new(col.ge(v)),
                }
            }
            Pred::In { negated, values } => {
                let values = values
                    .iter()
                    .map(|v| $val(v))
                    .collect::<Result<Vec<_>, _>>()?;
                if *negated {
                    Box::new(col.ne_all(values))
                } else {
                    Box::new(col.eq_any(values))
                }
            }
            Pred::Between { negated, low, high } => {
                let (low, high) = ($val(low)?, $val(high)?);
                if *negated {
                    Box::new(col.not_between(low, high))
                } else {
                    Box::new(col.between(low, high))
                }
            }
            Pred::IsNull { .. } | Pred::Like { .. } => unreachable_pred()?,
        };
        f
    }};
}

/// Placeholder arm: the callers route `like` and `is null` before reaching `ordered_predicate!`.
fn unreachable_pred() -> Result<Filter, OcmError> {
    Err(OcmError::internal(
        "search predicate routed to the wrong column kind",
    ))
}

macro_rules! text_predicate {
    ($col:expr, $pred:expr) => {{
        let col = $col;
        let f: Filter = match $pred {
            Pred::Like {
                negated,
                insensitive,
                pattern,
            } => {
                let p = text_value(pattern);
                match (negated, insensitive) {
                    (false, false) => Box::new(col.like(p)),
                    (true, false) => Box::new(col.not_like(p)),
                    (false, true) => Box::new(col.ilike(p)),
                    (true, true) => Box::new(col.not_ilike(p)),
                }
            }
            // Text columns store '' for "absent", so `is null` means empty.
            Pred::IsNull { negated: false } => Box::new(col.eq(String::new())),
            Pred::IsNull { negated: true } => Box::new(col.ne(String::new())),
            other => ordered_predicate!(col, other, |v: &Literal| Ok::<String, OcmError>(
                text_value(v)
            )),
        };
        f
    }};
}

fn text_column(field: Field, pred: &Pred) -> Result<Filter, OcmError> {
    use cluster_logs as t;
    Ok(match field {
        Field::Id => text_predicate!(t::id, pred),
        Field::ClusterUuid => text_predicate!(t::cluster_uuid, pred),
        Field::ClusterId => text_predicate!(t::cluster_id, pred),
        Field::SubscriptionId => text_predicate!(t::subscription_id, pred),
        Field::AccountId => text_predicate!(t::account_id, pred),
        Field::Severity => text_predicate!(t::severity, pred),
        Field::ServiceName => text_predicate!(t::service_name, pred),
        Field::Summary => text_predicate!(t::summary, pred),
        Field::Description => text_predicate!(t::description, pred),
        Field::LogType => text_predicate!(t::log_type, pred),
        Field::EventStreamId => text_predicate!(t::event_stream_id, pred),
        Field::Username => text_predicate!(t::username, pred),
        Field::CreatedBy => text_predicate!(t::created_by, pred),
        Field::Email => text_predicate!(t::email, pred),
        Field::FirstName => text_predicate!(t::first_name, pred),
        Field::LastName => text_predicate!(t::last_name, pred),
        Field::InternalOnly | Field::Timestamp | Field::CreatedAt | Field::DocReferences => {
            unreachable_pred()?
        }
    })
}

fn predicate(ident: &Ident, pred: &Pred) -> Result<Filter, OcmError> {
    let field = resolve(ident)?;
    match (field.kind(), pred) {
        (FieldKind::Text, _) => text_column(field, pred),
        (FieldKind::Time, Pred::Like { .. })
        | (FieldKind::Bool, Pred::Like { .. } | Pred::Between { .. }) => {
            Err(unsupported(field, ident, pred))
        }
        (FieldKind::Bool, Pred::Compare(CompareOp::Eq | CompareOp::NotEq, _) | Pred::In { .. }) => {
            Ok(ordered_predicate!(
                cluster_logs::internal_only,
                pred,
                |v: &Literal| bool_value(field, v)
            ))
        }
        (FieldKind::Bool, Pred::Compare(..)) => Err(unsupported(field, ident, pred)),
        // Booleans and times are never absent.
        (FieldKind::Bool | FieldKind::Time, Pred::IsNull { negated }) => {
            Ok(Box::new(diesel::dsl::sql::<Bool>(if *negated {
                "TRUE"
            } else {
                "FALSE"
            })))
        }
        (FieldKind::Time, _) => Ok(match field {
            Field::Timestamp => {
                ordered_predicate!(cluster_logs::timestamp, pred, |v: &Literal| time_value(
                    field, v
                ))
            }
            _ => ordered_predicate!(cluster_logs::created_at, pred, |v: &Literal| time_value(
                field, v
            )),
        }),
        (FieldKind::TextList, _) => Err(unsupported(field, ident, pred)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::debug_query;

    fn sql(search: &str) -> String {
        let filter = parse_and_compile(search).unwrap().unwrap();
        let q = cluster_logs::table
            .select(cluster_logs::id)
            .filter(filter)
            .into_boxed::<Pg>();
        debug_query::<Pg, _>(&q).to_string()
    }

    fn reason(search: &str) -> String {
        parse_and_compile(search)
            .err()
            .map(|e| format!("{} {}", e.code.number(), e.reason))
            .unwrap()
    }

    #[test]
    fn literals_are_bound_never_inlined() {
        let s = sql("summary = 'x'' OR 1=1 --' and severity in ('Info','Warning')");
        assert!(s.contains("\"cluster_logs\".\"summary\" = $1"), "{s}");
        assert!(s.contains("= ANY($2)"), "{s}");
        let (text, _binds) = s.split_once("-- binds:").unwrap();
        assert!(!text.contains("OR 1=1"), "{s}");
    }

    #[test]
    fn clients_searches_compile() {
        for q in [
            "service_name='SREManualAction' and internal_only='true'",
            "(description ILIKE '%x%' OR summary ILIKE '%x%') AND (severity IN ('Info','Warning')) AND timestamp >= '2024-05-01'",
            "(username ILIKE '%u%' OR (username = '' AND created_by ILIKE '%u%'))",
            "created_at >= '2024-01-01T00:00:00.123456'",
            "log_type IN ('Cluster Updates')",
            "timestamp between '2024-01-01' and '2024-02-01' and not internal_only = 'false'",
            "log_type is null or email is not null",
        ] {
            sql(q);
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            reason("nope = 'x'"),
            "23 Invalid search: unknown field 'nope' at position 1; searchable fields are id, cluster_uuid, \
             cluster_id, subscription_id, account_id, severity, service_name, summary, description, \
             internal_only, log_type, event_stream_id, timestamp, username, created_at, created_by, email, \
             first_name, last_name"
        );
        assert_eq!(
            reason("timestamp like '2024%'"),
            "23 Invalid search: 'like' cannot be used on field 'timestamp' at position 1"
        );
        assert_eq!(
            reason("internal_only = 'yes'"),
            "23 Invalid search: the value at position 17 for field 'internal_only' must be 'true' or 'false'"
        );
        assert_eq!(
            reason("created_at > 'soon'"),
            "23 Invalid search: the value at position 14 is not a date-time for field 'created_at'; write it \
             like '2024-05-01' or '2024-05-01T10:00:00Z'"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use diesel::debug_query;
    use proptest::prelude::*;

    const FIELDS: [&str; 6] = [
        "summary",
        "severity",
        "cluster_uuid",
        "timestamp",
        "internal_only",
        "created_by",
    ];

    /// A literal whose text carries a marker, so we can look for it in the SQL.
    fn literal() -> impl Strategy<Value = String> {
        "[ -~]{0,12}".prop_map(|s| format!("'ZQX{}'", s.replace('\'', "''")))
    }

    fn predicate() -> impl Strategy<Value = String> {
        let field = prop::sample::select(FIELDS.to_vec());
        (field, 0..6usize, literal(), literal()).prop_map(|(f, kind, a, b)| match kind {
            0 => format!("{f} = {a}"),
            1 => format!("{f} not like {a}"),
            2 => format!("{f} in ({a}, {b})"),
            3 => format!("{f} between {a} and {b}"),
            4 => format!("{f} is not null"),
            _ => format!("{f} >= {a}"),
        })
    }

    fn search() -> impl Strategy<Value = String> {
        predicate().prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
                inner.prop_map(|a| format!("not ({a})")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever compiles, compiles to SQL whose text holds no literal: every value is a bind parameter.
        #[test]
        fn literals_never_reach_the_sql_text(s in search()) {
            if let Ok(Some(filter)) = parse_and_compile(&s) {
                let q = cluster_logs::table.select(cluster_logs::id).filter(filter).into_boxed::<Pg>();
                let rendered = debug_query::<Pg, _>(&q).to_string();
                let sql = rendered.split("-- binds:").next().unwrap_or_default();
                prop_assert!(!sql.contains("ZQX"), "{sql}");
                prop_assert!(!sql.contains('\''), "{sql}");
            }
        }

        /// Any text at all: an answer (a filter or a 400), never a panic.
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = parse_and_compile(&s);
        }
    }
}
