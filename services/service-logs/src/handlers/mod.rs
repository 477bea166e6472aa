//! HTTP handlers, one file per resource: parse, authorize, call the store, shape the response.

pub mod clusters;
pub mod errors;
pub mod lists;
pub mod logs;
pub mod metadata;
pub mod notifications;
pub mod owners;
pub mod triggers;
pub mod warehouse;

use actix_web::web;
use platform::db::DbPool;

pub type Pool = web::Data<DbPool>;
pub type Params = web::Query<std::collections::HashMap<String, String>>;
