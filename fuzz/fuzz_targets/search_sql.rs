//! A search that service-logs accepts compiles to SQL whose text holds no literal of the client's: every value is a
//! bind parameter (no quote character reaches the statement), and checking and compiling never panic.
#![no_main]

use diesel::pg::Pg;
use diesel::prelude::*;
use libfuzzer_sys::fuzz_target;
use service_logs::filter::Criteria;
use service_logs::schema::cluster_logs;
use service_logs::store::search::compile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(Some(criteria)) = Criteria::parse(text) else {
        return;
    };
    let query = cluster_logs::table
        .filter(compile(&criteria))
        .select(cluster_logs::id);
    let rendered = diesel::debug_query::<Pg, _>(&query).to_string();
    let sql = rendered.split(" -- binds:").next().unwrap_or_default();
    assert!(!sql.contains('\''), "a literal reached the SQL text of {text:?}: {sql}");
});
