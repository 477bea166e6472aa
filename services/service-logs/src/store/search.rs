//! Compiles checked [`Criteria`] into a diesel boolean expression over the logs table.
//!
//! Every literal becomes a bound parameter; only column names from the field declaration and fixed operators
//! become SQL text. The criteria are typed by field kind, so every case compiles: there is nothing to refuse here.

use diesel::dsl::not;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
use search::CompareOp;

use crate::fields::{BoolField, TextField, TimeField};
use crate::filter::{Criteria, Test, TextTest};
use crate::schema::cluster_logs;

/// A boolean condition on the logs table, built at run time.
pub type Filter = Box<dyn BoxableExpression<cluster_logs::table, Pg, SqlType = Bool>>;

type Column<St> = Box<dyn BoxableExpression<cluster_logs::table, Pg, SqlType = St>>;

macro_rules! declare_columns {
    (all: [$($all:tt)*]
     text: [$({ $tv:ident $tc:ident })*]
     bool: [$({ $bv:ident $bc:ident })*]
     time: [$({ $mv:ident $mc:ident })*]
     list: [$($list:tt)*]) => {
        fn text_column(f: TextField) -> Column<Text> {
            match f { $(TextField::$tv => Box::new(cluster_logs::$tc),)* }
        }
        fn bool_column(f: BoolField) -> Column<Bool> {
            match f { $(BoolField::$bv => Box::new(cluster_logs::$bc),)* }
        }
        fn time_column(f: TimeField) -> Column<Timestamptz> {
            match f { $(TimeField::$mv => Box::new(cluster_logs::$mc),)* }
        }
    };
}

crate::fields::log_fields!(declare_columns);

/// Applies a value test to a column (a macro: diesel's bounds for this are long to spell generically).
macro_rules! value_test {
    ($col:expr, $test:expr) => {{
        let col = $col;
        let f: Filter = match $test.clone() {
            Test::Compare(op, v) => match op {
                CompareOp::Eq => Box::new(col.eq(v)),
                CompareOp::NotEq => Box::new(col.ne(v)),
                CompareOp::Lt => Box::new(col.lt(v)),
                CompareOp::Le => Box::new(col.le(v)),
                CompareOp::Gt => Box::new(col.gt(v)),
                CompareOp::Ge => Box::new(col.ge(v)),
            },
            Test::In {
                negated: false,
                values,
            } => Box::new(col.eq_any(values)),
            Test::In {
                negated: true,
                values,
            } => Box::new(col.ne_all(values)),
            Test::Between {
                negated: false,
                low,
                high,
            } => Box::new(col.between(low, high)),
            Test::Between {
                negated: true,
                low,
                high,
            } => Box::new(col.not_between(low, high)),
        };
        f
    }};
}

pub fn compile(c: &Criteria) -> Filter {
    match c {
        Criteria::And(a, b) => Box::new(compile(a).and(compile(b))),
        Criteria::Or(a, b) => Box::new(compile(a).or(compile(b))),
        Criteria::Not(e) => Box::new(not(compile(e))),
        Criteria::Always(v) => {
            Box::new(diesel::dsl::sql::<Bool>(if *v { "TRUE" } else { "FALSE" }))
        }
        Criteria::Text(f, TextTest::Value(t)) => value_test!(text_column(*f), t),
        Criteria::Text(
            f,
            TextTest::Like {
                negated,
                insensitive,
                pattern,
            },
        ) => {
            let (col, p) = (text_column(*f), pattern.clone());
            match (negated, insensitive) {
                (false, false) => Box::new(col.like(p)),
                (true, false) => Box::new(col.not_like(p)),
                (false, true) => Box::new(col.ilike(p)),
                (true, true) => Box::new(col.not_ilike(p)),
            }
        }
        Criteria::Text(f, TextTest::Empty { negated: false }) => {
            Box::new(text_column(*f).eq(String::new()))
        }
        Criteria::Text(f, TextTest::Empty { negated: true }) => {
            Box::new(text_column(*f).ne(String::new()))
        }
        Criteria::Bool(f, t) => value_test!(bool_column(*f), t),
        Criteria::Time(f, t) => value_test!(time_column(*f), t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::debug_query;

    fn sql(search: &str) -> String {
        let criteria = Criteria::parse(search).unwrap().unwrap();
        let q = cluster_logs::table
            .select(cluster_logs::id)
            .filter(compile(&criteria))
            .into_boxed::<Pg>();
        debug_query::<Pg, _>(&q).to_string()
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

    mod properties {
        use super::*;
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

            /// Whatever is accepted compiles to SQL whose text holds no literal: every value is a bind parameter.
            #[test]
            fn literals_never_reach_the_sql_text(s in search()) {
                if let Ok(Some(criteria)) = Criteria::parse(&s) {
                    let q = cluster_logs::table
                        .select(cluster_logs::id)
                        .filter(compile(&criteria))
                        .into_boxed::<Pg>();
                    let rendered = debug_query::<Pg, _>(&q).to_string();
                    let sql = rendered.split("-- binds:").next().unwrap_or_default();
                    prop_assert!(!sql.contains("ZQX"), "{sql}");
                    prop_assert!(!sql.contains('\''), "{sql}");
                }
            }
        }
    }
}
