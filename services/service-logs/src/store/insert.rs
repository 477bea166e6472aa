//! The INSERT of new logs: one statement, one SQL text, whatever the number of rows. Each column is bound as one
//! array and the rows are `unnest`ed from the arrays.
//!
//! A `VALUES` list has one SQL text per row count (20 parameters a row), which PostgreSQL parses and plans anew
//! unless each text is kept as a prepared statement, and keeping one per row count (up to 1,000 for a bulk create)
//! would grow every connection. This text is kept once per connection and is planned once.

use diesel::QueryResult;
use diesel::sql_types::{Array, Bool, Jsonb, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use platform::db::Cached;
use std::sync::LazyLock;

use crate::store::rows::LogRow;

macro_rules! declare_insert {
    (
        all: [$({ $(#[$m:meta])* $v:ident $c:ident : $rt:ty => $wt:ty })*]
        text: [$({ $tv:ident $tc:ident })*]
        bool: [$({ $bv:ident $bc:ident })*]
        time: [$({ $mv:ident $mc:ident })*]
        list: [$({ $lv:ident $lc:ident })*]
    ) => {
        /// The rows' values, a vector per column, in the order of [`SQL`]'s parameters (text, bool, time, list
        /// columns). A list column goes as a JSON array per row: `unnest` of a two-dimensional array would
        /// flatten it.
        #[derive(Default)]
        struct Columns<'r> {
            $($tc: Vec<&'r str>,)*
            $($bc: Vec<bool>,)*
            $($mc: Vec<time::OffsetDateTime>,)*
            $($lc: Vec<serde_json::Value>,)*
        }

        impl<'r> Columns<'r> {
            fn of(rows: &[&'r LogRow]) -> Self {
                let mut cols = Columns::default();
                for r in rows {
                    $(cols.$tc.push(r.$tc.as_str());)*
                    $(cols.$bc.push(r.$bc);)*
                    $(cols.$mc.push(r.$mc);)*
                    $(cols.$lc.push(serde_json::Value::from(r.$lc.clone()));)*
                }
                cols
            }
        }

        /// `INSERT INTO cluster_logs (<every column>) SELECT ... FROM unnest($1::text[], ...) RETURNING <every
        /// column>`.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            let all = [$(stringify!($c)),*];
            let lists = [$(stringify!($lc)),*];
            let params = [
                $((stringify!($tc), "text"),)*
                $((stringify!($bc), "bool"),)*
                $((stringify!($mc), "timestamptz"),)*
                $((stringify!($lc), "jsonb"),)*
            ];
            let quoted = |c: &str| format!("\"{c}\"");
            let columns = all.map(quoted).join(", ");
            let values = all
                .map(|c| {
                    if lists.contains(&c) {
                        format!("ARRAY(SELECT jsonb_array_elements_text(t.\"{c}\"))")
                    } else {
                        format!("t.\"{c}\"")
                    }
                })
                .join(", ");
            let arrays = params
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| format!("${}::{ty}[]", i + 1))
                .collect::<Vec<_>>()
                .join(", ");
            let names = params.map(|(c, _)| quoted(c)).join(", ");
            format!(
                "INSERT INTO cluster_logs ({columns}) SELECT {values} FROM unnest({arrays}) AS t({names}) \
                 RETURNING {columns}"
            )
        });

        /// Inserts the rows; the rows as stored.
        pub(crate) async fn logs(
            conn: &mut AsyncPgConnection,
            rows: &[&LogRow],
        ) -> QueryResult<Vec<LogRow>> {
            let cols = Columns::of(rows);
            Cached::kept(
                diesel::sql_query(SQL.as_str())
                    $(.bind::<Array<Text>, _>(cols.$tc))*
                    $(.bind::<Array<Bool>, _>(cols.$bc))*
                    $(.bind::<Array<Timestamptz>, _>(cols.$mc))*
                    $(.bind::<Array<Jsonb>, _>(cols.$lc))*,
            )
            .load(conn)
            .await
        }
    };
}

crate::fields::log_fields!(declare_insert);
