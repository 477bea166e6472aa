//! The database row of the logs table, generated from the one declaration of the fields (`fields::log_fields!`).

use diesel::prelude::*;

use crate::schema::cluster_logs;

macro_rules! declare_row {
    (all: [$({ $(#[$m:meta])* $v:ident $c:ident : $rt:ty => $wt:ty })*] $($groups:tt)*) => {
        /// A log as stored; also what a create inserts. `treat_none_as_default_value = false`: with diesel's
        /// default every field may become DEFAULT, which marks the INSERT uncacheable, so it was prepared anew on
        /// every create (make bench: twice pgbench's PostgreSQL work).
        #[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, PartialEq)]
        #[diesel(table_name = cluster_logs, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
        pub struct LogRow {
            $(pub $c: $rt,)*
        }
    };
}

crate::fields::log_fields!(declare_row);
