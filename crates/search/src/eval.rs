//! Evaluating searches in memory, with the semantics PostgreSQL gives the same predicates in SQL, so a filter
//! checked against a record here and the same filter compiled to a `WHERE` clause agree.
//!
//! The field-agnostic pieces live here: [`like`] (SQL `LIKE`/`ILIKE`) and [`Test`], a value test over any
//! ordered type. A service's checked search tree (its fields and their kinds) evaluates through these.
//!
//! Text compares by bytes, as PostgreSQL does under the `C` collation the services' databases use. `ILIKE`
//! lower-cases with Unicode rules (`str::to_lowercase`), which agrees with PostgreSQL on ASCII.

use std::borrow::Cow;

use crate::CompareOp;

/// A test of one value against literals of the same type.
#[derive(Debug, Clone, PartialEq)]
pub enum Test<T> {
    Compare(CompareOp, T),
    In { negated: bool, values: Vec<T> },
    Between { negated: bool, low: T, high: T },
}

impl<T: PartialOrd> Test<T> {
    /// Whether `value` passes, as SQL's `=`, `<>`, `<`, `<=`, `>`, `>=`, `IN`, `NOT IN`, `BETWEEN` (inclusive,
    /// and false when `low > high`) and `NOT BETWEEN` answer on non-null values.
    pub fn holds(&self, value: &T) -> bool {
        self.holds_borrowed(value)
    }

    /// [`Test::holds`] on a borrowed form of the value (a `&str` for a `Test<String>`), comparing the same way
    /// without making a `T` of it.
    pub fn holds_borrowed<U>(&self, value: &U) -> bool
    where
        T: std::borrow::Borrow<U>,
        U: PartialOrd + ?Sized,
    {
        match self {
            Test::Compare(op, v) => {
                let v = v.borrow();
                match op {
                    CompareOp::Eq => value == v,
                    CompareOp::NotEq => value != v,
                    CompareOp::Lt => value < v,
                    CompareOp::Le => value <= v,
                    CompareOp::Gt => value > v,
                    CompareOp::Ge => value >= v,
                }
            }
            Test::In { negated, values } => values.iter().any(|v| v.borrow() == value) != *negated,
            Test::Between { negated, low, high } => {
                (low.borrow() <= value && value <= high.borrow()) != *negated
            }
        }
    }
}

/// SQL `value LIKE pattern` (`ILIKE` with `case_insensitive`): `%` matches any run of characters, `_` exactly
/// one, and `\` makes the next character literal. A pattern ending in a lone `\` matches nothing (PostgreSQL
/// refuses it).
pub fn like(value: &str, pattern: &str, case_insensitive: bool) -> bool {
    let (value, pattern): (Cow<'_, str>, Cow<'_, str>) = if case_insensitive {
        (value.to_lowercase().into(), pattern.to_lowercase().into())
    } else {
        (value.into(), pattern.into())
    };
    let Some(tokens) = tokenize(&pattern) else {
        return false;
    };
    let text: Vec<char> = value.chars().collect();
    matches(&text, &tokens)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Any,
    One,
    Char(char),
}

fn tokenize(pattern: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next()?),
            c => Token::Char(c),
        });
    }
    Some(out)
}

/// Iterative wildcard matching with backtracking to the last `%`: linear memory, O(n·m) time at worst.
fn matches(text: &[char], pattern: &[Token]) -> bool {
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                t += 1;
                p += 1;
            }
            Some(Token::Char(c)) if text.get(t) == Some(c) => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|tok| *tok == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_semantics() {
        assert!(like("abc", "abc", false));
        assert!(like("abc", "a%", false));
        assert!(like("abc", "%c", false));
        assert!(like("abc", "_b_", false));
        assert!(!like("abc", "_b", false));
        assert!(like("", "%", false));
        assert!(!like("", "_", false));
        assert!(like("a%c", "a\\%c", false));
        assert!(!like("abc", "a\\%c", false));
        assert!(like("a_c", "a\\_c", false));
        assert!(like("ABC", "a%", true));
        assert!(!like("ABC", "a%", false));
        assert!(!like("abc", "abc\\", false));
        assert!(like("mississippi", "%iss%ppi", false));
        assert!(like("aaa", "%a%a%a%", false));
        assert!(!like("aa", "%a%a%a%", false));
    }

    #[test]
    fn tests_hold() {
        assert!(
            Test::Between {
                negated: false,
                low: 1,
                high: 3
            }
            .holds(&3)
        );
        assert!(
            !Test::Between {
                negated: false,
                low: 3,
                high: 1
            }
            .holds(&2)
        );
        assert!(
            Test::Between {
                negated: true,
                low: 3,
                high: 1
            }
            .holds(&2)
        );
        assert!(
            Test::In {
                negated: true,
                values: vec![1, 2]
            }
            .holds(&3)
        );
        assert!(Test::Compare(CompareOp::Le, "b").holds(&"a"));
    }
}
