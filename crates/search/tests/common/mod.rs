//! Builders for expected trees, shared by the test files.
#![allow(dead_code)]

use search::{CompareOp, Expr, Ident, Literal, LiteralValue, ParseError, parse};

/// Parses `input`, which must give a tree.
pub fn tree(input: &str) -> Expr {
    match parse(input) {
        Ok(Some(expr)) => expr,
        other => panic!("{input:?} should parse to a tree, got {other:?}"),
    }
}

/// Parses `input`, which must fail.
pub fn error(input: &str) -> ParseError {
    match parse(input) {
        Err(e) => e,
        Ok(other) => panic!("{input:?} should fail, got {other:?}"),
    }
}

pub fn field(name: &str, position: usize) -> Ident {
    Ident {
        name: name.to_owned(),
        position,
    }
}

pub fn string(value: &str, position: usize) -> Literal {
    Literal {
        value: LiteralValue::String(value.to_owned()),
        position,
    }
}

pub fn number(value: &str, position: usize) -> Literal {
    Literal {
        value: LiteralValue::Number(value.to_owned()),
        position,
    }
}

pub fn and(left: Expr, right: Expr) -> Expr {
    Expr::And(Box::new(left), Box::new(right))
}

pub fn or(left: Expr, right: Expr) -> Expr {
    Expr::Or(Box::new(left), Box::new(right))
}

pub fn not(inner: Expr) -> Expr {
    Expr::Not(Box::new(inner))
}

pub fn compare(field: Ident, op: CompareOp, value: Literal) -> Expr {
    Expr::Compare { field, op, value }
}

pub fn eq(field: Ident, value: Literal) -> Expr {
    compare(field, CompareOp::Eq, value)
}

pub fn like(field: Ident, negated: bool, case_insensitive: bool, pattern: Literal) -> Expr {
    Expr::Like {
        field,
        negated,
        case_insensitive,
        pattern,
    }
}

pub fn in_list(field: Ident, negated: bool, values: Vec<Literal>) -> Expr {
    Expr::In {
        field,
        negated,
        values,
    }
}

pub fn between(field: Ident, negated: bool, low: Literal, high: Literal) -> Expr {
    Expr::Between {
        field,
        negated,
        low,
        high,
    }
}

pub fn is_null(field: Ident, negated: bool) -> Expr {
    Expr::IsNull { field, negated }
}
