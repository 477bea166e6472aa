//! A database per test, cloned from a migrated template.

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::EmbeddedMigrations;
use sha2::{Digest, Sha256};
use std::path::Path;

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

/// PostgreSQL's plan of `sql` (no parameters: write the values in), one line per node, for assertions on which
/// index a statement reads.
pub async fn explain(conn: &mut AsyncPgConnection, sql: &str) -> String {
    let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN {sql}"))
        .load(conn)
        .await
        .unwrap();
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Hash of every file under `dir` (names and contents), so templates follow migration changes.
fn hash_dir(dir: &Path) -> String {
    fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let root = dir.display().to_string();
    let mut h = Sha256::new();
    for (name, body) in files {
        // Relative names: a renamed migration folder is a different migration set.
        h.update(name.strip_prefix(&root).unwrap_or(&name));
        h.update(body);
    }
    hex::encode(&h.finalize()[..6])
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// A database that lives as long as the value: dropped (with its connections) at the end of the test.
pub struct TestDb {
    pub url: String,
    pub name: String,
    admin: String,
}

impl TestDb {
    /// A fresh database with `migrations` applied, for the service whose migrations live in `migrations_dir`.
    pub async fn create(
        service: &str,
        migrations: EmbeddedMigrations,
        migrations_dir: &Path,
    ) -> TestDb {
        let admin = admin_url();
        let template = format!(
            "tpl_{}_{}",
            service.replace('-', "_"),
            hash_dir(migrations_dir)
        );
        let mut conn = AsyncPgConnection::establish(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot reach the test PostgreSQL at {admin} (set TEST_DATABASE_URL): {e}")
            });
        diesel::sql_query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(&template)
            .execute(&mut conn)
            .await
            .unwrap();
        let exists: Exists = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists",
        )
        .bind::<Text, _>(&template)
        .get_result(&mut conn)
        .await
        .unwrap();
        if !exists.exists {
            let building = format!("{template}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .unwrap();
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut conn)
                .await
                .unwrap();
            platform::db::run_migrations(&with_database(&admin, &building), migrations, 1)
                .await
                .unwrap_or_else(|e| panic!("migrating the template failed: {e}"));
            // Migration connections may linger a moment; FORCE-free rename needs none.
            diesel::sql_query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind::<Text, _>(&building)
            .execute(&mut conn)
            .await
            .unwrap();
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        diesel::sql_query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
            .bind::<Text, _>(&template)
            .execute(&mut conn)
            .await
            .unwrap();
        let name = format!(
            "t_{}_{:016x}",
            service.replace('-', "_"),
            rand::random::<u64>()
        );
        // Cloning fails while another session is connected to the template; that is brief, so retry.
        let mut attempt = 0;
        loop {
            let created = diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
                .execute(&mut conn)
                .await;
            match created {
                Ok(_) => break,
                Err(e) if attempt < 50 => {
                    attempt += 1;
                    if attempt == 50 {
                        panic!("cannot clone the template: {e}");
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot clone the template: {e}"),
            }
        }
        TestDb {
            url: with_database(&admin, &name),
            name,
            admin,
        }
    }

    /// A connection to this database, for assertions on what is stored.
    pub async fn connect(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url).await.unwrap()
    }

    /// An outage of this database alone: new connections are refused and every open one is ended. Returns once
    /// no session is left, since a session still starting when the door closed would otherwise survive it.
    pub async fn cut_off(&self) {
        let mut conn = self.allow_connections(false).await;
        for _ in 0..250 {
            // pg_terminate_backend's timeout waits until the session has ended.
            let ended = diesel::sql_query(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind::<Text, _>(&self.name)
            .execute(&mut conn)
            .await
            .unwrap();
            if ended == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("sessions of {} kept coming back", self.name);
    }

    /// Ends [`TestDb::cut_off`]: connections are accepted again.
    pub async fn reopen(&self) {
        self.allow_connections(true).await;
    }

    /// Sets whether the database accepts new connections; returns the admin connection that said so.
    async fn allow_connections(&self, allow: bool) -> AsyncPgConnection {
        let mut conn = AsyncPgConnection::establish(&self.admin).await.unwrap();
        diesel::sql_query(format!(
            "ALTER DATABASE \"{}\" ALLOW_CONNECTIONS {allow}",
            self.name
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        conn
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs outside async; a small runtime on its own thread does the work.
        let joined = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin).await {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
        if joined.is_err() {
            eprintln!("dropping test database {} failed", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
