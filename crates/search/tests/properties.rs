//! Property tests: `parse` never panics and stays within its limits, and `render` round-trips.

mod common;

use common::*;
use proptest::prelude::*;
use search::{
    CompareOp, Expr, Ident, Literal, MAX_DEPTH, MAX_IN_VALUES, MAX_INPUT_CHARS, MAX_PREDICATES,
    parse, render,
};

// ---------------------------------------------------------------------------------------------
// Walking a tree
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    predicates: usize,
    max_not_depth: usize,
    max_in_values: usize,
    idents: Vec<Ident>,
    literals: Vec<Literal>,
}

fn walk(expr: &Expr, not_depth: usize, stats: &mut Stats) {
    let mut predicate = |field: &Ident, literals: &[&Literal]| {
        stats.predicates += 1;
        stats.idents.push(field.clone());
        stats.literals.extend(literals.iter().map(|&l| l.clone()));
    };
    match expr {
        Expr::And(l, r) | Expr::Or(l, r) => {
            walk(l, not_depth, stats);
            walk(r, not_depth, stats);
        }
        Expr::Not(inner) => {
            stats.max_not_depth = stats.max_not_depth.max(not_depth + 1);
            walk(inner, not_depth + 1, stats);
        }
        Expr::Compare { field, value, .. } => predicate(field, &[value]),
        Expr::Like { field, pattern, .. } => predicate(field, &[pattern]),
        Expr::In { field, values, .. } => {
            predicate(field, &values.iter().collect::<Vec<_>>());
            stats.max_in_values = stats.max_in_values.max(values.len());
        }
        Expr::Between {
            field, low, high, ..
        } => predicate(field, &[low, high]),
        Expr::IsNull { field, .. } => predicate(field, &[]),
    }
}

fn stats(expr: &Expr) -> Stats {
    let mut stats = Stats::default();
    walk(expr, 0, &mut stats);
    stats
}

/// The text of `input` from 1-based character `position` on.
fn from_position(input: &str, position: usize) -> String {
    input.chars().skip(position.saturating_sub(1)).collect()
}

/// Everything that must hold for any input, whatever `parse` answers.
fn check_invariants(input: &str) -> Result<(), TestCaseError> {
    let chars = input.chars().count();
    match parse(input) {
        Ok(None) => {
            prop_assert!(
                input.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')),
                "only blank input gives no tree"
            );
        }
        Err(e) => {
            prop_assert!(!e.message.is_empty());
            prop_assert!(e.position >= 1);
            prop_assert!(e.position <= chars.min(MAX_INPUT_CHARS) + 1, "{e}");
            let suffix = format!(" at position {}", e.position);
            prop_assert!(e.to_string().ends_with(&suffix));
        }
        Ok(Some(expr)) => {
            prop_assert!(chars <= MAX_INPUT_CHARS);
            let s = stats(&expr);
            prop_assert!(s.predicates <= MAX_PREDICATES);
            prop_assert!(s.max_not_depth <= MAX_DEPTH);
            prop_assert!(s.max_in_values <= MAX_IN_VALUES);
            check_positions(input, &s)?;
            // what was parsed renders to text that parses to the same tree (rendering adds spaces, so
            // the text can outgrow the length limit)
            let rendered = render(&expr);
            if rendered.chars().count() <= MAX_INPUT_CHARS {
                prop_assert!(tree(&rendered).eq_ignoring_positions(&expr), "{}", rendered);
            }
        }
    }
    Ok(())
}

/// Each identifier and literal of a parsed tree is found, as rendered, at its position in the input.
fn check_positions(input: &str, s: &Stats) -> Result<(), TestCaseError> {
    for ident in &s.idents {
        prop_assert!(
            from_position(input, ident.position).starts_with(&ident.name),
            "{ident:?} in {input:?}"
        );
    }
    for literal in &s.literals {
        // `render` writes a string with `''` for each quote, as it must have been written
        prop_assert!(
            from_position(input, literal.position).starts_with(&literal.to_string()),
            "{literal:?} in {input:?}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Inputs from a token alphabet
// ---------------------------------------------------------------------------------------------

const ALPHABET: &[&str] = &[
    "and",
    "AND",
    "Or",
    "or",
    "not",
    "NOT",
    "like",
    "ILike",
    "in",
    "IN",
    "between",
    "is",
    "null",
    "NULL",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!",
    "(",
    ")",
    ",",
    "'",
    "''",
    "'x'",
    "'it''s'",
    "'%a%'",
    "' '",
    "a",
    "b",
    "service_name",
    "x.y",
    "_z",
    "A1",
    "0",
    "1",
    "-2",
    "3.5",
    "-0.25",
    "1.",
    "-",
    ".",
    ";",
    "--",
    "/*",
    "\"",
    "\\",
    "é",
    "😀",
    "\u{0}",
    "\u{a0}",
];

const SEPARATORS: &[&str] = &["", " ", " ", " ", "  ", "\t", "\n", "\r\n"];

fn token_soup(tokens: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(ALPHABET),
            prop::sample::select(SEPARATORS),
        ),
        tokens,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(token, separator)| [token, separator])
            .collect()
    })
}

/// Long inputs that push towards the limits: deep nesting, long chains, long lists.
fn limit_pusher() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(
        &[
            "(",
            ")",
            "not ",
            "a=1",
            " or ",
            " and ",
            "a in (",
            "1,",
            "1)",
            "'",
            "a between 1 and 2",
        ][..],
    );
    prop::collection::vec((pieces, 1usize..300), 1..12).prop_map(|runs| {
        runs.into_iter()
            .map(|(piece, count)| piece.repeat(count))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        check_invariants(&input)?;
    }

    #[test]
    fn token_soup_never_panics(input in token_soup(0..40)) {
        check_invariants(&input)?;
    }

    #[test]
    fn mostly_valid_token_soup_never_panics(
        input in prop::collection::vec(
            prop_oneof![
                3 => Just("a = 'x'"),
                2 => Just("b in (1, '2')"),
                1 => Just("c is not null"),
                3 => Just(" and "),
                3 => Just(" or "),
                2 => Just("not "),
                2 => Just("("),
                2 => Just(")"),
                1 => Just("d not between -1 and 2.5"),
            ],
            0..40,
        ).prop_map(|parts| parts.concat())
    ) {
        check_invariants(&input)?;
    }
}

/// A valid-looking search of a given shape: `nesting` levels of `(` (true) or `not ` (false) around a
/// chain of `chain` predicates joined by `and`/`or`, the first an `in` list of `in_values` values.
fn shaped(nesting: &[bool], chain: usize, joins: &[bool], in_values: usize) -> String {
    let mut text = String::new();
    for &paren in nesting {
        text.push_str(if paren { "(" } else { "not " });
    }
    text.push_str("x in (");
    text.push_str(&vec!["1"; in_values].join(","));
    text.push(')');
    for i in 1..chain {
        let join = joins.get(i % joins.len().max(1)).copied().unwrap_or(true);
        text.push_str(if join { " and " } else { " or " });
        text.push_str("a=1");
    }
    for &paren in nesting.iter().rev() {
        if paren {
            text.push(')');
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn long_inputs_stay_within_limits(input in limit_pusher()) {
        check_invariants(&input)?;
    }

    #[test]
    fn limits_are_exactly_where_documented(
        nesting in prop::collection::vec(any::<bool>(), 0..40),
        chain in 1usize..260,
        joins in prop::collection::vec(any::<bool>(), 1..8),
        in_values in 1usize..1100,
    ) {
        let text = shaped(&nesting, chain, &joins, in_values);
        let within = nesting.len() <= MAX_DEPTH
            && chain <= MAX_PREDICATES
            && in_values <= MAX_IN_VALUES
            && text.chars().count() <= MAX_INPUT_CHARS;
        let result = parse(&text);
        prop_assert_eq!(
            matches!(result, Ok(Some(_))),
            within,
            "depth {} chain {} in {} chars {}: {:?}",
            nesting.len(),
            chain,
            in_values,
            text.chars().count(),
            result.as_ref().err()
        );
        check_invariants(&text)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip: random tree -> render -> parse gives the same tree
// ---------------------------------------------------------------------------------------------

fn identifier() -> impl Strategy<Value = Ident> {
    "[A-Za-z_][A-Za-z0-9_.]{0,8}"
        .prop_filter("keywords are reserved", |name| {
            ![
                "and", "or", "not", "like", "ilike", "in", "between", "is", "null",
            ]
            .iter()
            .any(|keyword| name.eq_ignore_ascii_case(keyword))
        })
        .prop_map(|name| field(&name, 0))
}

fn literal() -> impl Strategy<Value = Literal> {
    let text = prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => Just('\''),
            1 => Just(' '),
            1 => Just('%'),
            1 => Just(';'),
            1 => Just('-'),
        ],
        0..10,
    )
    .prop_map(|chars| chars.into_iter().collect::<String>());
    prop_oneof![
        text.prop_map(|s| string(&s, 0)),
        "-?[0-9]{1,4}(\\.[0-9]{1,3})?".prop_map(|n| number(&n, 0)),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(
        &[
            CompareOp::Eq,
            CompareOp::NotEq,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
        ][..],
    )
}

fn predicate() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (identifier(), compare_op(), literal()).prop_map(|(f, op, v)| compare(f, op, v)),
        (identifier(), any::<bool>(), any::<bool>(), literal())
            .prop_map(|(f, negated, ci, p)| like(f, negated, ci, p)),
        (
            identifier(),
            any::<bool>(),
            prop::collection::vec(literal(), 1..5)
        )
            .prop_map(|(f, negated, values)| in_list(f, negated, values)),
        (identifier(), any::<bool>(), literal(), literal())
            .prop_map(|(f, negated, low, high)| between(f, negated, low, high)),
        (identifier(), any::<bool>()).prop_map(|(f, negated)| is_null(f, negated)),
    ]
}

fn expression() -> impl Strategy<Value = Expr> {
    predicate().prop_recursive(8, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| or(l, r)),
            inner.prop_map(not),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn render_then_parse_gives_the_same_tree(expr in expression()) {
        let text = render(&expr);
        prop_assume!(text.chars().count() <= MAX_INPUT_CHARS);
        let parsed = match parse(&text) {
            Ok(Some(parsed)) => parsed,
            other => return Err(TestCaseError::fail(format!("{text:?} gave {other:?}"))),
        };
        prop_assert_eq!(parsed.without_positions(), expr.without_positions(), "{}", text);
        // and the positions point at what was parsed
        check_positions(&text, &stats(&parsed))?;
    }

    #[test]
    fn any_string_literal_is_one_value(value in any::<String>()) {
        // e.g. `1'' OR 1=1 --` or `1; DROP TABLE x; --`, quoted with `''` as the escape
        let literal = string(&value, 5);
        let text = format!("a = {literal}");
        prop_assume!(text.chars().count() <= MAX_INPUT_CHARS);
        prop_assert_eq!(parse(&text), Ok(Some(eq(field("a", 1), literal))));
    }
}
