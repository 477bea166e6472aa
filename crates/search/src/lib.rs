//! Parser for the `search` query parameter of OCM services (the "tree-search-language", TSL): a
//! SQL-WHERE-like filter such as
//! `(description ILIKE '%x%' OR summary ILIKE '%x%') AND severity IN ('Info','Warning')`.
//!
//! [`parse`] turns the text into an [`Expr`] tree. This crate knows nothing about SQL: a later step maps
//! field names through an allow-list and binds every literal as a query parameter.
//!
//! # Grammar
//!
//! Keywords (`and or not like ilike in between is null`) are case-insensitive and reserved: they cannot be
//! field names. Whitespace (space, tab, newline, carriage return) may appear between tokens.
//!
//! ```text
//! search     := <empty or only whitespace> | or_expr
//! or_expr    := and_expr { "or" and_expr }              -- lowest precedence, left-associative
//! and_expr   := unary { "and" unary }                   -- left-associative
//! unary      := "not" unary | "(" or_expr ")" | predicate
//! predicate  := field ( "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" ) literal
//!             | field [ "not" ] ( "like" | "ilike" ) literal
//!             | field [ "not" ] "in" "(" literal { "," literal } ")"
//!             | field [ "not" ] "between" literal "and" literal
//!             | field "is" [ "not" ] "null"
//! field      := [A-Za-z_][A-Za-z0-9_.]*                 -- kept as written
//! literal    := string | number
//! string     := "'" { any character except "'" | "''" } "'"   -- "''" stands for one quote
//! number     := -?[0-9]+(\.[0-9]+)?                     -- kept as written
//! ```
//!
//! `<>` is the same as `!=`. There are no boolean or null literals: write `internal_only = 'true'` and
//! `x is null`. A field always goes on the left of a predicate and a literal on the right.
//!
//! # Limits
//!
//! Each of these is a [`ParseError`]: input longer than [`MAX_INPUT_CHARS`] characters; nesting of
//! parentheses and prefix `not` deeper than [`MAX_DEPTH`]; more than [`MAX_IN_VALUES`] values in one `in`
//! list; more than [`MAX_PREDICATES`] predicates in total.
//!
//! # Example
//!
//! ```
//! use search::{CompareOp, Expr, LiteralValue, parse};
//!
//! let expr = parse("service_name='SREManualAction' and internal_only='true'")?;
//! let Some(Expr::And(left, _)) = expr else { panic!("expected an 'and'") };
//! let Expr::Compare { field, op, value } = *left else { panic!("expected a comparison") };
//! assert_eq!((field.name.as_str(), field.position), ("service_name", 1));
//! assert_eq!(op, CompareOp::Eq);
//! assert_eq!(value.value, LiteralValue::String("SREManualAction".to_owned()));
//!
//! assert_eq!(parse("   ")?, None);
//! assert_eq!(
//!     parse("a = x").map_err(|e| e.to_string()),
//!     Err("expected a value after '=', found identifier 'x' \
//!          (values are quoted strings or numbers: write 'x') at position 5".to_owned()),
//! );
//! # Ok::<(), search::ParseError>(())
//! ```
//!
//! # Errors
//!
//! A [`ParseError`] has a `message` and the 1-based character (not byte) `position` of the offending token
//! (one past the end for a missing one); it displays as `"<message> at position <position>"`, e.g.
//! `expected a value after '=', found end of input at position 4`.

mod ast;
mod error;
pub mod eval;
mod lexer;
mod parser;

pub use ast::{CompareOp, Expr, Ident, Literal, LiteralValue, render};
pub use error::ParseError;

/// Longest accepted input, in characters.
pub const MAX_INPUT_CHARS: usize = 4096;
/// Deepest accepted nesting of parentheses and prefix `not`.
pub const MAX_DEPTH: usize = 32;
/// Most values accepted in one `in (...)` list.
pub const MAX_IN_VALUES: usize = 1000;
/// Most predicates (comparisons, `like`, `in`, `between`, `is null`) accepted in one search.
pub const MAX_PREDICATES: usize = 200;

/// Parses a search. `Ok(None)` when `input` is empty or only whitespace (it filters nothing).
pub fn parse(input: &str) -> Result<Option<Expr>, ParseError> {
    if input.chars().nth(MAX_INPUT_CHARS).is_some() {
        return Err(ParseError::new(
            MAX_INPUT_CHARS + 1,
            format!("the search is longer than {MAX_INPUT_CHARS} characters"),
        ));
    }
    parser::Parser::new(lexer::tokenize(input)).parse()
}
