//! The syntax tree of a search, and [`render`], which turns it back into text.

use std::fmt::{self, Write as _};

/// A boolean expression over the fields of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `left and right`
    And(Box<Expr>, Box<Expr>),
    /// `left or right`
    Or(Box<Expr>, Box<Expr>),
    /// `not expr`
    Not(Box<Expr>),
    /// `field <op> value`
    Compare {
        field: Ident,
        op: CompareOp,
        value: Literal,
    },
    /// `field [not] like pattern` or `field [not] ilike pattern` (`case_insensitive`).
    Like {
        field: Ident,
        negated: bool,
        case_insensitive: bool,
        pattern: Literal,
    },
    /// `field [not] in (value, ...)`, with at least one value.
    In {
        field: Ident,
        negated: bool,
        values: Vec<Literal>,
    },
    /// `field [not] between low and high`
    Between {
        field: Ident,
        negated: bool,
        low: Literal,
        high: Literal,
    },
    /// `field is null` or `field is not null` (`negated`).
    IsNull { field: Ident, negated: bool },
}

/// A field name, as written (not lower-cased or validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    /// 1-based character (not byte) offset in the input.
    pub position: usize,
}

/// A literal value on the right of a predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub value: LiteralValue,
    /// 1-based character (not byte) offset in the input (of the opening quote for a string).
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiteralValue {
    /// The content of a single-quoted string, already unescaped (`''` became `'`).
    String(String),
    /// A number, exactly as written: `-?[0-9]+(\.[0-9]+)?`.
    Number(String),
}

/// A comparison operator. `<>` parses as [`CompareOp::NotEq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    /// The operator's text; `!=` for [`CompareOp::NotEq`].
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::NotEq => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Literal {
    /// A string literal in single quotes with `'` doubled; a number as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            LiteralValue::String(s) => {
                f.write_char('\'')?;
                for c in s.chars() {
                    if c == '\'' {
                        f.write_str("''")?;
                    } else {
                        f.write_char(c)?;
                    }
                }
                f.write_char('\'')
            }
            LiteralValue::Number(n) => f.write_str(n),
        }
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Display for Expr {
    /// Same as [`render`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(self, f, Prec::Or)
    }
}

/// Renders an expression as search text, with lower-case keywords and only the parentheses needed.
///
/// For a tree whose identifiers and numbers are valid tokens (true of every tree [`crate::parse`]
/// returns), `parse(&render(e))` gives `e` back, positions aside (see [`Expr::without_positions`]).
pub fn render(expr: &Expr) -> String {
    expr.to_string()
}

/// Binding strength of the context an expression is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    Unary,
}

fn write_expr(expr: &Expr, f: &mut fmt::Formatter<'_>, ctx: Prec) -> fmt::Result {
    match expr {
        Expr::Or(left, right) => write_binary(f, ctx, Prec::Or, left, "or", right),
        Expr::And(left, right) => write_binary(f, ctx, Prec::And, left, "and", right),
        Expr::Not(inner) => {
            f.write_str("not ")?;
            write_expr(inner, f, Prec::Unary)
        }
        Expr::Compare { field, op, value } => write!(f, "{field} {op} {value}"),
        Expr::Like {
            field,
            negated,
            case_insensitive,
            pattern,
        } => {
            let not = if *negated { "not " } else { "" };
            let like = if *case_insensitive { "ilike" } else { "like" };
            write!(f, "{field} {not}{like} {pattern}")
        }
        Expr::In {
            field,
            negated,
            values,
        } => {
            let not = if *negated { "not " } else { "" };
            write!(f, "{field} {not}in (")?;
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{value}")?;
            }
            f.write_char(')')
        }
        Expr::Between {
            field,
            negated,
            low,
            high,
        } => {
            let not = if *negated { "not " } else { "" };
            write!(f, "{field} {not}between {low} and {high}")
        }
        Expr::IsNull { field, negated } => {
            let not = if *negated { "not " } else { "" };
            write!(f, "{field} is {not}null")
        }
    }
}

/// Writes a left-associative binary operator of strength `prec`: the right operand is written one level
/// tighter so that `a and (b and c)` keeps its parentheses.
fn write_binary(
    f: &mut fmt::Formatter<'_>,
    ctx: Prec,
    prec: Prec,
    left: &Expr,
    keyword: &str,
    right: &Expr,
) -> fmt::Result {
    let parens = ctx > prec;
    if parens {
        f.write_char('(')?;
    }
    write_expr(left, f, prec)?;
    write!(f, " {keyword} ")?;
    let tighter = if prec == Prec::Or {
        Prec::And
    } else {
        Prec::Unary
    };
    write_expr(right, f, tighter)?;
    if parens {
        f.write_char(')')?;
    }
    Ok(())
}

impl Ident {
    fn without_position(&self) -> Ident {
        Ident {
            name: self.name.clone(),
            position: 0,
        }
    }
}

impl Literal {
    fn without_position(&self) -> Literal {
        Literal {
            value: self.value.clone(),
            position: 0,
        }
    }
}

impl Expr {
    /// A copy with every position set to 0, for comparing trees regardless of where they were written.
    pub fn without_positions(&self) -> Expr {
        match self {
            Expr::And(l, r) => Expr::And(
                Box::new(l.without_positions()),
                Box::new(r.without_positions()),
            ),
            Expr::Or(l, r) => Expr::Or(
                Box::new(l.without_positions()),
                Box::new(r.without_positions()),
            ),
            Expr::Not(e) => Expr::Not(Box::new(e.without_positions())),
            Expr::Compare { field, op, value } => Expr::Compare {
                field: field.without_position(),
                op: *op,
                value: value.without_position(),
            },
            Expr::Like {
                field,
                negated,
                case_insensitive,
                pattern,
            } => Expr::Like {
                field: field.without_position(),
                negated: *negated,
                case_insensitive: *case_insensitive,
                pattern: pattern.without_position(),
            },
            Expr::In {
                field,
                negated,
                values,
            } => Expr::In {
                field: field.without_position(),
                negated: *negated,
                values: values.iter().map(Literal::without_position).collect(),
            },
            Expr::Between {
                field,
                negated,
                low,
                high,
            } => Expr::Between {
                field: field.without_position(),
                negated: *negated,
                low: low.without_position(),
                high: high.without_position(),
            },
            Expr::IsNull { field, negated } => Expr::IsNull {
                field: field.without_position(),
                negated: *negated,
            },
        }
    }

    /// Whether two trees are equal when positions are ignored.
    pub fn eq_ignoring_positions(&self, other: &Expr) -> bool {
        self.without_positions() == other.without_positions()
    }
}
