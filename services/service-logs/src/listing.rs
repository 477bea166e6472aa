//! The list parameters clients send (`page`, `size`, `orderBy`/`order`, `search`, `fields`, `format`), parsed and
//! checked into a [`ListQuery`] the store can run. The search is parsed and checked here, once.

use std::collections::HashMap;

use crate::fields::Field;
use crate::filter::{Criteria, SearchError};

/// `size=-1` and anything above this mean this many.
pub const MAX_SIZE: i64 = 65_500;
pub const DEFAULT_SIZE: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Which logs the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// `read-internal`: every log.
    All,
    /// `read`: the caller's account's logs that are not `internal_only`.
    Account(String),
}

/// Which cluster's logs a list is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterScope {
    Any,
    /// Logs whose `cluster_id` or `cluster_uuid` is one of these (empty ids never given).
    Ids {
        cluster_ids: Vec<String>,
        cluster_uuids: Vec<String>,
    },
}

impl ClusterScope {
    /// From the `cluster_id`/`cluster_uuid` query values; comma-separated lists allowed, empty ids dropped
    /// (an empty id must never match the many logs whose id is empty).
    pub fn from_params(cluster_id: Option<&str>, cluster_uuid: Option<&str>) -> Option<Self> {
        let split = |v: Option<&str>| -> Vec<String> {
            v.unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let (cluster_ids, cluster_uuids) = (split(cluster_id), split(cluster_uuid));
        if cluster_ids.is_empty() && cluster_uuids.is_empty() {
            None
        } else {
            Some(Self::Ids {
                cluster_ids,
                cluster_uuids,
            })
        }
    }
}

/// Why list parameters were refused; the text is the reason the client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// A malformed `page`, `size`, `orderBy`, `fields` or `format` (OCM error 21).
    #[error("{0}")]
    Param(String),
    /// A `search` that cannot be parsed or checked (OCM error 23).
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// A list request, checked.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub page: i64,
    /// Items per page, 0..=MAX_SIZE.
    pub size: i64,
    pub order: Vec<(Field, Direction)>,
    /// The search, parsed once and checked against the fields; `None` filters nothing.
    pub search: Option<Criteria>,
    /// Fields to return besides `id`, `kind` and `href`; `None` for all.
    pub fields: Option<Vec<Field>>,
    pub format: Format,
}

impl ListQuery {
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.size)
    }

    /// Parses the query string's values.
    pub fn from_params(params: &HashMap<String, String>) -> Result<Self, ListError> {
        let (page, size) = page_and_size(params)?;
        let order_text = params
            .get("orderBy")
            .or_else(|| params.get("order"))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty());
        let order = match order_text {
            Some(text) => parse_order(text)?,
            None => Vec::new(),
        };
        // Untrimmed, so error positions count from the client's first character.
        let search = match params.get("search") {
            Some(text) => Criteria::parse(text)?,
            None => None,
        };
        let fields = match params
            .get("fields")
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            Some(text) => Some(parse_fields(text)?),
            None => None,
        };
        let format = match params
            .get("format")
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("") | Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some(other) => {
                return Err(ListError::Param(format!(
                    "Invalid 'format' value '{other}': use 'json' or 'csv'"
                )));
            }
        };
        Ok(Self {
            page,
            size,
            order,
            search,
            fields,
            format,
        })
    }
}

/// The `page` (default 1) and `size` (default [`DEFAULT_SIZE`], `-1` and anything above [`MAX_SIZE`] mean
/// [`MAX_SIZE`]) of any list.
pub fn page_and_size(params: &HashMap<String, String>) -> Result<(i64, i64), ListError> {
    let page = match params.get("page").map(|s| s.trim()) {
        None | Some("") => 1,
        Some(s) => match s.parse::<i64>() {
            Ok(p) if p >= 1 => p,
            _ => {
                return Err(ListError::Param(format!(
                    "Invalid 'page' value '{s}': it must be an integer of at least 1"
                )));
            }
        },
    };
    let size = match params.get("size").map(|s| s.trim()) {
        None | Some("") => DEFAULT_SIZE,
        Some(s) => match s.parse::<i64>() {
            Ok(-1) => MAX_SIZE,
            Ok(n) if n >= 0 => n.min(MAX_SIZE),
            Ok(_) => {
                return Err(ListError::Param(format!(
                    "Invalid 'size' value '{s}': it must be -1 (everything) or an integer of at least 0"
                )));
            }
            // Beyond i64 is still "more than the cap".
            Err(_) if !s.starts_with('-') && s.bytes().all(|b| b.is_ascii_digit()) => MAX_SIZE,
            Err(_) => {
                return Err(ListError::Param(format!(
                    "Invalid 'size' value '{s}': it must be an integer"
                )));
            }
        },
    };
    Ok((page, size))
}

fn parse_order(text: &str) -> Result<Vec<(Field, Direction)>, ListError> {
    let mut out: Vec<(Field, Direction)> = Vec::new();
    for part in text.split(',') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let (name, dir) = match words.as_slice() {
            [name] => (*name, Direction::Asc),
            [name, d] if d.eq_ignore_ascii_case("asc") => (*name, Direction::Asc),
            [name, d] if d.eq_ignore_ascii_case("desc") => (*name, Direction::Desc),
            _ => {
                return Err(ListError::Param(format!(
                    "Invalid 'orderBy' value '{text}': write comma-separated 'field [asc|desc]'"
                )));
            }
        };
        let field = Field::parse(name)
            .filter(|f| f.is_scalar())
            .ok_or_else(|| {
                ListError::Param(format!(
                    "Invalid 'orderBy' value '{text}': unknown field '{name}'; fields are {}",
                    Field::names(Field::is_scalar)
                ))
            })?;
        if !out.iter().any(|(f, _)| *f == field) {
            out.push((field, dir));
        }
    }
    Ok(out)
}

fn parse_fields(text: &str) -> Result<Vec<Field>, ListError> {
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if ["kind", "href"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
        {
            continue;
        }
        let field = Field::parse(name).ok_or_else(|| {
            ListError::Param(format!(
                "Invalid 'fields' value: unknown field '{name}'; fields are kind, href, {}",
                Field::names(|_| true)
            ))
        })?;
        if !out.contains(&field) {
            out.push(field);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<ListQuery, ListError> {
        ListQuery::from_params(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn size_rules() {
        assert_eq!(q(&[]).unwrap().size, 100);
        assert_eq!(q(&[("size", "-1")]).unwrap().size, MAX_SIZE);
        assert_eq!(q(&[("size", "70000")]).unwrap().size, MAX_SIZE);
        assert_eq!(
            q(&[("size", "99999999999999999999999")]).unwrap().size,
            MAX_SIZE
        );
        assert_eq!(q(&[("size", "0")]).unwrap().size, 0);
        assert!(q(&[("size", "-2")]).is_err());
        assert!(q(&[("size", "ten")]).is_err());
        assert!(q(&[("page", "0")]).is_err());
    }

    #[test]
    fn order_accepts_both_names_and_several_keys() {
        let o = q(&[("order", "severity, timestamp DESC")]).unwrap().order;
        assert_eq!(
            o,
            vec![
                (Field::Severity, Direction::Asc),
                (Field::Timestamp, Direction::Desc)
            ]
        );
        assert!(q(&[("orderBy", "timestamp sideways")]).is_err());
        assert!(q(&[("orderBy", "nope desc")]).is_err());
    }

    #[test]
    fn cluster_scope_drops_empty_ids() {
        assert_eq!(ClusterScope::from_params(Some(""), Some(" ")), None);
        assert_eq!(
            ClusterScope::from_params(Some("a,,b"), None),
            Some(ClusterScope::Ids {
                cluster_ids: vec!["a".into(), "b".into()],
                cluster_uuids: vec![]
            })
        );
    }
}
