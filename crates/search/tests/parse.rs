//! Example searches, errors and limits.

mod common;

use common::*;
use search::{
    CompareOp, Expr, LiteralValue, MAX_DEPTH, MAX_IN_VALUES, MAX_INPUT_CHARS, MAX_PREDICATES,
    ParseError, parse, render,
};

// ---------------------------------------------------------------------------------------------
// Searches real clients send (docs/spec "Searches real clients send")
// ---------------------------------------------------------------------------------------------

#[test]
fn osdctl_service_name_and_internal_only() {
    assert_eq!(
        tree("service_name='SREManualAction' and internal_only='true'"),
        and(
            eq(field("service_name", 1), string("SREManualAction", 14)),
            eq(field("internal_only", 36), string("true", 50)),
        )
    );
}

#[test]
fn three_conditions_are_left_associative() {
    assert_eq!(
        tree(
            "cluster_uuid = 'abc' and service_name = 'SREManualAction' and internal_only = 'true'"
        ),
        and(
            and(
                eq(field("cluster_uuid", 1), string("abc", 16)),
                eq(field("service_name", 26), string("SREManualAction", 41)),
            ),
            eq(field("internal_only", 63), string("true", 79)),
        )
    );
}

#[test]
fn console_filter_with_ilike_in_and_timestamp() {
    assert_eq!(
        tree(
            "(description ILIKE '%x%' OR summary ILIKE '%x%') AND (severity IN ('Info','Warning')) \
             AND timestamp >= '2024-05-01'"
        ),
        and(
            and(
                or(
                    like(field("description", 2), false, true, string("%x%", 20)),
                    like(field("summary", 29), false, true, string("%x%", 43)),
                ),
                in_list(
                    field("severity", 55),
                    false,
                    vec![string("Info", 68), string("Warning", 75)],
                ),
            ),
            compare(
                field("timestamp", 91),
                CompareOp::Ge,
                string("2024-05-01", 104)
            ),
        )
    );
}

#[test]
fn console_user_filter_with_nested_parentheses_and_empty_string() {
    assert_eq!(
        tree("(username ILIKE '%u%' OR (username = '' AND created_by ILIKE '%u%'))"),
        or(
            like(field("username", 2), false, true, string("%u%", 17)),
            and(
                eq(field("username", 27), string("", 38)),
                like(field("created_by", 45), false, true, string("%u%", 62)),
            ),
        )
    );
}

#[test]
fn timestamp_with_fraction() {
    assert_eq!(
        tree("created_at >= '2024-01-01T00:00:00.123456'"),
        compare(
            field("created_at", 1),
            CompareOp::Ge,
            string("2024-01-01T00:00:00.123456", 15)
        )
    );
}

#[test]
fn in_with_one_value_containing_a_space() {
    assert_eq!(
        tree("log_type IN ('Cluster Updates')"),
        in_list(
            field("log_type", 1),
            false,
            vec![string("Cluster Updates", 14)]
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Each construct
// ---------------------------------------------------------------------------------------------

#[test]
fn doubled_quote_is_one_quote() {
    assert_eq!(
        tree("summary = 'it''s'"),
        eq(field("summary", 1), string("it's", 11))
    );
    assert_eq!(tree("a = ''''"), eq(field("a", 1), string("'", 5)));
    assert_eq!(tree("a = ''''''"), eq(field("a", 1), string("''", 5)));
}

#[test]
fn not_like() {
    assert_eq!(
        tree("a not like 'x%'"),
        like(field("a", 1), true, false, string("x%", 12))
    );
    assert_eq!(
        tree("a like 'x%'"),
        like(field("a", 1), false, false, string("x%", 8))
    );
    assert_eq!(
        tree("a not ilike 'x%'"),
        like(field("a", 1), true, true, string("x%", 13))
    );
}

#[test]
fn not_in() {
    assert_eq!(
        tree("a not in ('1','2')"),
        in_list(field("a", 1), true, vec![string("1", 11), string("2", 15)])
    );
}

#[test]
fn between_strings() {
    assert_eq!(
        tree("a between '1' and '2'"),
        between(field("a", 1), false, string("1", 11), string("2", 19))
    );
}

#[test]
fn not_between_numbers() {
    assert_eq!(
        tree("a not between 1 and 2.5"),
        between(field("a", 1), true, number("1", 15), number("2.5", 21))
    );
}

#[test]
fn between_binds_its_and_then_boolean_and_follows() {
    assert_eq!(
        tree("a between 1 and 2 and b = 3"),
        and(
            between(field("a", 1), false, number("1", 11), number("2", 17)),
            eq(field("b", 23), number("3", 27)),
        )
    );
}

#[test]
fn is_null_and_is_not_null() {
    assert_eq!(tree("a is null"), is_null(field("a", 1), false));
    assert_eq!(tree("a is not null"), is_null(field("a", 1), true));
}

#[test]
fn prefix_not() {
    assert_eq!(tree("not a = 'x'"), not(eq(field("a", 5), string("x", 9))));
}

#[test]
fn prefix_not_binds_tighter_than_and() {
    assert_eq!(
        tree("not a = 1 and b = 2"),
        and(
            not(eq(field("a", 5), number("1", 9))),
            eq(field("b", 15), number("2", 19)),
        )
    );
    assert_eq!(
        tree("not (a = 1 and b = 2)"),
        not(and(
            eq(field("a", 6), number("1", 10)),
            eq(field("b", 16), number("2", 20)),
        ))
    );
    assert_eq!(
        tree("not not a is null"),
        not(not(is_null(field("a", 9), false)))
    );
}

#[test]
fn all_comparison_operators() {
    let cases = [
        ("a = 'x'", CompareOp::Eq),
        ("a != 'x'", CompareOp::NotEq),
        ("a <> 'x'", CompareOp::NotEq),
        ("a < 'x'", CompareOp::Lt),
        ("a <= 'x'", CompareOp::Le),
        ("a > 'x'", CompareOp::Gt),
        ("a >= 'x'", CompareOp::Ge),
    ];
    for (input, op) in cases {
        let value_at = input.len() - 2;
        assert_eq!(
            tree(input),
            compare(field("a", 1), op, string("x", value_at)),
            "{input}"
        );
    }
    assert_eq!(
        tree("a <> 'x'"),
        compare(field("a", 1), CompareOp::NotEq, string("x", 6))
    );
}

#[test]
fn operators_need_no_spaces() {
    assert_eq!(
        tree("a<='x'and(b>=-1.5 or c<>'y')"),
        and(
            compare(field("a", 1), CompareOp::Le, string("x", 4)),
            or(
                compare(field("b", 11), CompareOp::Ge, number("-1.5", 14)),
                compare(field("c", 22), CompareOp::NotEq, string("y", 25)),
            ),
        )
    );
}

#[test]
fn keywords_in_mixed_case() {
    assert_eq!(
        tree("A NoT iLiKe 'x' AnD b Is NoT nUlL Or c NOT IN (1) oR d NoT BeTwEeN -1 AnD 2"),
        or(
            or(
                and(
                    like(field("A", 1), true, true, string("x", 13)),
                    is_null(field("b", 21), true),
                ),
                in_list(field("c", 38), true, vec![number("1", 48)]),
            ),
            between(field("d", 54), true, number("-1", 68), number("2", 75)),
        )
    );
    assert_eq!(
        tree("NOT x LIKE 'a' and y In ('b') OR z iS NULL"),
        or(
            and(
                not(like(field("x", 5), false, false, string("a", 12))),
                in_list(field("y", 20), false, vec![string("b", 26)]),
            ),
            is_null(field("z", 34), false),
        )
    );
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        tree("a='1' or b='2' and c='3'"),
        or(
            eq(field("a", 1), string("1", 3)),
            and(
                eq(field("b", 10), string("2", 12)),
                eq(field("c", 20), string("3", 22)),
            ),
        )
    );
    assert_eq!(
        tree("a='1' and b='2' or c='3'"),
        or(
            and(
                eq(field("a", 1), string("1", 3)),
                eq(field("b", 11), string("2", 13)),
            ),
            eq(field("c", 20), string("3", 22)),
        )
    );
    assert_eq!(
        tree("(a='1' or b='2') and c='3'"),
        and(
            or(
                eq(field("a", 2), string("1", 4)),
                eq(field("b", 11), string("2", 13)),
            ),
            eq(field("c", 22), string("3", 24)),
        )
    );
}

#[test]
fn identifiers_keep_case_dots_underscores_and_digits() {
    assert_eq!(
        tree("_Cluster.ID_2 = 5"),
        eq(field("_Cluster.ID_2", 1), number("5", 17))
    );
    // A word that only starts with a keyword is an identifier.
    assert_eq!(
        tree("notes = 'x' and order_by = 1 and in.x = 2 and nulls is null"),
        and(
            and(
                and(
                    eq(field("notes", 1), string("x", 9)),
                    eq(field("order_by", 17), number("1", 28)),
                ),
                eq(field("in.x", 34), number("2", 41)),
            ),
            is_null(field("nulls", 47), false),
        )
    );
}

#[test]
fn numbers_are_kept_as_written() {
    assert_eq!(
        tree("a in (0, -7, 007, 3.14, -0.50)"),
        in_list(
            field("a", 1),
            false,
            vec![
                number("0", 7),
                number("-7", 10),
                number("007", 14),
                number("3.14", 19),
                number("-0.50", 25),
            ],
        )
    );
}

#[test]
fn strings_keep_anything_but_a_lone_quote() {
    let input = "a = 'C:\\dir\\ ünïcødé 😀 ; -- /* */ \" % _ \\' and b = 'x'";
    assert_eq!(
        tree(input),
        and(
            eq(
                field("a", 1),
                string("C:\\dir\\ ünïcødé 😀 ; -- /* */ \" % _ \\", 5)
            ),
            // positions count characters: the emoji and accented letters are one each
            eq(field("b", 48), string("x", 52)),
        )
    );
}

#[test]
fn whitespace_between_tokens() {
    assert_eq!(
        tree("\n\ta\t=\r\n'x'\n  AND\tb\nIS\nNOT\nNULL  \n"),
        and(
            eq(field("a", 3), string("x", 8)),
            is_null(field("b", 18), true),
        )
    );
    // whitespace inside a string is kept
    assert_eq!(tree("a = ' \t\n '"), eq(field("a", 1), string(" \t\n ", 5)));
}

#[test]
fn empty_or_blank_input_is_no_filter() {
    assert_eq!(parse(""), Ok(None));
    assert_eq!(parse("   "), Ok(None));
    assert_eq!(parse(" \t\r\n "), Ok(None));
}

// ---------------------------------------------------------------------------------------------
// Errors: message and position
// ---------------------------------------------------------------------------------------------

fn assert_error(input: &str, position: usize, message: &str) {
    assert_eq!(
        error(input),
        ParseError {
            position,
            message: message.to_owned()
        },
        "{input:?}"
    );
}

#[test]
fn missing_value_at_end() {
    assert_error("a =", 4, "expected a value after '=', found end of input");
    assert_eq!(
        error("a =").to_string(),
        "expected a value after '=', found end of input at position 4"
    );
    assert_error(
        "a >=   ",
        8,
        "expected a value after '>=', found end of input",
    );
}

#[test]
fn unterminated_string() {
    assert_error(
        "a = 'x",
        5,
        "unterminated string literal (missing closing quote)",
    );
    assert_error(
        "a = 'it''",
        5,
        "unterminated string literal (missing closing quote)",
    );
    assert_eq!(
        error("a = 'x").to_string(),
        "unterminated string literal (missing closing quote) at position 5"
    );
}

#[test]
fn operator_where_field_expected() {
    assert_error("= 'x'", 1, "expected a field name, '(' or 'not', found '='");
}

#[test]
fn value_where_field_expected() {
    assert_error(
        "'x' = a",
        1,
        "expected a field name (the field goes on the left of the operator), found a string literal",
    );
    assert_error(
        "a = 1 and 2 = b",
        11,
        "expected a field name (the field goes on the left of the operator), found number 2",
    );
}

#[test]
fn trailing_input() {
    assert_error(
        "a = 'x' b",
        9,
        "expected 'and', 'or' or the end of the search, found identifier 'b'",
    );
    assert_error(
        "a = 'x' 'y'",
        9,
        "expected 'and', 'or' or the end of the search, found a string literal",
    );
    assert_error("a = '1')", 8, "unmatched ')'");
}

#[test]
fn empty_in_list() {
    assert_error("a in ()", 6, "empty 'in' list: it needs at least one value");
    assert_error(
        "a not in ( )",
        10,
        "empty 'in' list: it needs at least one value",
    );
}

#[test]
fn malformed_in_lists() {
    assert_error(
        "a in '1'",
        6,
        "expected '(' after 'in', found a string literal",
    );
    assert_error(
        "a in ('1',)",
        11,
        "expected a value in the 'in' list, found ')'",
    );
    assert_error(
        "a in ('1' '2')",
        11,
        "expected ',' or ')' in the 'in' list, found a string literal",
    );
    assert_error(
        "a in ('1'",
        10,
        "expected ',' or ')' in the 'in' list, found end of input",
    );
}

#[test]
fn between_without_and() {
    assert_error(
        "a between '1'",
        14,
        "expected 'and' after the lower bound of 'between', found end of input",
    );
    assert_error(
        "a between '1' or '2'",
        15,
        "expected 'and' after the lower bound of 'between', found 'or'",
    );
    assert_error(
        "a between '1' and",
        18,
        "expected a value after 'between ... and', found end of input",
    );
}

#[test]
fn unclosed_parenthesis() {
    assert_error(
        "(a = '1'",
        9,
        "expected ')' to close the '(' at position 1, found end of input",
    );
    assert_error(
        "x = 1 and ((a = '1') or b = 2",
        30,
        "expected ')' to close the '(' at position 11, found end of input",
    );
    assert_error("()", 2, "expected a field name, '(' or 'not', found ')'");
}

#[test]
fn double_equals() {
    assert_error("a == 'x'", 4, "expected a value after '=', found '='");
}

#[test]
fn unquoted_value() {
    assert_error(
        "a = x",
        5,
        "expected a value after '=', found identifier 'x' \
         (values are quoted strings or numbers: write 'x')",
    );
    assert_error(
        "a = true",
        5,
        "expected a value after '=', found identifier 'true' \
         (values are quoted strings or numbers: write 'true')",
    );
    assert_error(
        "a = null",
        5,
        "expected a value after '=', found 'null' \
         (there is no null value: use 'is null' or 'is not null')",
    );
}

#[test]
fn bad_operators_after_a_field() {
    assert_error(
        "a",
        2,
        "expected an operator after field 'a', found end of input",
    );
    assert_error(
        "a 'x'",
        3,
        "expected an operator after field 'a', found a string literal",
    );
    assert_error(
        "a not = 'x'",
        7,
        "expected 'like', 'ilike', 'in' or 'between' after 'not', found '='",
    );
    assert_error(
        "a is 'x'",
        6,
        "expected 'null' or 'not null' after 'is', found a string literal",
    );
    assert_error(
        "a is not 1",
        10,
        "expected 'null' after 'is not', found number 1",
    );
    assert_error(
        "a = 'x' and",
        12,
        "expected a field name, '(' or 'not', found end of input",
    );
    assert_error(
        "not",
        4,
        "expected a field name, '(' or 'not', found end of input",
    );
}

#[test]
fn invalid_characters() {
    assert_error("a = 'x' & b = 'y'", 9, "invalid character '&'");
    assert_error("a ~ 'x'", 3, "invalid character '~'");
    assert_error("a = \"x\"", 5, "invalid character '\"'");
    assert_error("a = 'x';", 8, "invalid character ';'");
    assert_error("a ! 'x'", 3, "invalid character '!'");
    assert_error("a = - 1", 5, "invalid character '-'");
    assert_error("a = 'x' -- comment", 9, "invalid character '-'");
    assert_error("a = 1\u{0}", 6, "invalid character '\\u{0}'");
    assert_error("a = 1\u{200b}", 6, "invalid character '\\u{200b}'");
    assert_error("a = \\", 5, "invalid character '\\'");
    assert_error("é = 'x'", 1, "invalid character 'é'");
    // positions are characters, not bytes: 'ü' is at character 15 (byte 19)
    assert_error("a = 'ééé' and ü = 1", 15, "invalid character 'ü'");
    // only ASCII whitespace separates tokens
    assert_error("a =\u{a0}'x'", 4, "invalid character '\\u{a0}'");
}

#[test]
fn the_first_error_in_the_text_is_reported() {
    // a syntax error before a bad character is reported, not the character
    assert_error(
        "a b = 'x' & c",
        3,
        "expected an operator after field 'a', found identifier 'b'",
    );
    // a bad character where a token is needed is reported as such
    assert_error("a = ;", 5, "invalid character ';'");
    assert_error("a = 'x' and #", 13, "invalid character '#'");
    assert_error(
        "(a = 'x'",
        9,
        "expected ')' to close the '(' at position 1, found end of input",
    );
    assert_error("(a = 'x' %", 10, "invalid character '%'");
    assert_error("%", 1, "invalid character '%'");
    assert_error(
        "  'x",
        3,
        "unterminated string literal (missing closing quote)",
    );
}

#[test]
fn invalid_numbers() {
    assert_error(
        "a = 1.",
        5,
        "invalid number: expected digits after the decimal point",
    );
    assert_error(
        "a = 1abc",
        5,
        "invalid number: a number must not run into a letter, '_' or '.'",
    );
    assert_error(
        "a = 1.2.3",
        5,
        "invalid number: a number must not run into a letter, '_' or '.'",
    );
    assert_error("a = .5", 5, "invalid character '.'");
}

#[test]
fn errors_report_the_position_across_newlines() {
    assert_error(
        "a = 1\nand\nb",
        12,
        "expected an operator after field 'b', found end of input",
    );
}

// ---------------------------------------------------------------------------------------------
// Injection-looking input: one literal, or an error; never anything else
// ---------------------------------------------------------------------------------------------

#[test]
fn injection_inside_a_string_stays_one_literal() {
    assert_eq!(
        tree("a = '1'' OR 1=1 --'"),
        eq(field("a", 1), string("1' OR 1=1 --", 5))
    );
    assert_eq!(
        tree("a = '1; DROP TABLE x; --'"),
        eq(field("a", 1), string("1; DROP TABLE x; --", 5))
    );
    assert_eq!(
        tree("a IN ('x'') OR 1=1 OR (''1')"),
        in_list(field("a", 1), false, vec![string("x') OR 1=1 OR ('1", 7)])
    );
}

#[test]
fn injection_outside_a_string_is_an_error() {
    assert_error("a = '1'; DROP TABLE x; --'", 8, "invalid character ';'");
    assert_error(
        "a = '1' OR 1=1 --",
        12,
        "expected a field name (the field goes on the left of the operator), found number 1",
    );
    assert_error(
        "a = '1' OR 'x'='x'",
        12,
        "expected a field name (the field goes on the left of the operator), found a string literal",
    );
    assert_error("a = '1' /* */", 9, "invalid character '/'");
    assert_error(
        "a = '1' UNION SELECT b",
        9,
        "expected 'and', 'or' or the end of the search, found identifier 'UNION'",
    );
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

#[test]
fn input_length_limit() {
    // exactly the limit parses; one more character does not
    let fill = "x".repeat(MAX_INPUT_CHARS - 6);
    let at_limit = format!("a = '{fill}'");
    assert_eq!(at_limit.chars().count(), MAX_INPUT_CHARS);
    assert_eq!(tree(&at_limit), eq(field("a", 1), string(&fill, 5)));

    let over = format!("{at_limit} ");
    assert_error(&over, 4097, "the search is longer than 4096 characters");

    // the limit counts characters, not bytes
    let wide = "é".repeat(MAX_INPUT_CHARS - 6);
    assert!(parse(&format!("a = '{wide}'")).is_ok());

    // a very large input fails fast rather than being scanned whole
    let huge = " ".repeat(10_000_000);
    assert_error(&huge, 4097, "the search is longer than 4096 characters");
}

#[test]
fn parenthesis_depth_limit() {
    let nested = |levels: usize| format!("{}a = 1{}", "(".repeat(levels), ")".repeat(levels));
    assert_eq!(
        tree(&nested(MAX_DEPTH)),
        eq(field("a", 33), number("1", 37))
    );
    assert_error(
        &nested(MAX_DEPTH + 1),
        33,
        "nesting deeper than 32 levels of parentheses and 'not'",
    );
    // far deeper than the limit: an error, not a stack overflow
    let deep = "(".repeat(MAX_INPUT_CHARS);
    assert_error(
        &deep,
        33,
        "nesting deeper than 32 levels of parentheses and 'not'",
    );
}

#[test]
fn not_depth_limit() {
    let nots = |levels: usize| format!("{}a = 1", "not ".repeat(levels));
    let mut expected = eq(field("a", 129), number("1", 133));
    for _ in 0..MAX_DEPTH {
        expected = not(expected);
    }
    assert_eq!(tree(&nots(MAX_DEPTH)), expected);
    assert_error(
        &nots(MAX_DEPTH + 1),
        129,
        "nesting deeper than 32 levels of parentheses and 'not'",
    );
    // parentheses and `not` count together
    let mixed = |levels: usize| format!("{}a = 1{}", "not (".repeat(levels), ")".repeat(levels));
    assert!(parse(&mixed(MAX_DEPTH / 2)).is_ok());
    assert_error(
        &mixed(MAX_DEPTH / 2 + 1),
        81,
        "nesting deeper than 32 levels of parentheses and 'not'",
    );
    let deep = "not ".repeat(MAX_INPUT_CHARS / 4);
    assert!(parse(&deep).is_err());
}

#[test]
fn in_list_limit() {
    let list = |count: usize| format!("a in ({})", vec!["1"; count].join(","));
    match tree(&list(MAX_IN_VALUES)) {
        Expr::In { values, .. } => assert_eq!(values.len(), MAX_IN_VALUES),
        other => panic!("expected an in list, got {other:?}"),
    }
    // the 1001st value starts at 7 + 2 * 1000
    assert_error(
        &list(MAX_IN_VALUES + 1),
        2007,
        "more than 1000 values in one 'in' list",
    );
}

#[test]
fn predicate_limit() {
    let chain = |count: usize, op: &str| vec!["a=1"; count].join(op);
    for op in [" or ", " and "] {
        assert!(parse(&chain(MAX_PREDICATES, op)).is_ok(), "{op}");
        // the 201st predicate starts at 1 + 200 * (3 + op.len())
        assert_error(
            &chain(MAX_PREDICATES + 1, op),
            1 + MAX_PREDICATES * (3 + op.len()),
            "more than 200 conditions in one search",
        );
    }
    // predicates inside parentheses and `not` count too
    let spread = (0..=MAX_PREDICATES / 2)
        .map(|_| "not (a=1 or b is null)")
        .collect::<Vec<_>>()
        .join(" and ");
    assert!(spread.chars().count() <= MAX_INPUT_CHARS);
    assert_eq!(
        error(&spread).message,
        "more than 200 conditions in one search"
    );
}

// ---------------------------------------------------------------------------------------------
// render
// ---------------------------------------------------------------------------------------------

#[test]
fn render_writes_canonical_text() {
    let cases = [
        (
            "(description ILIKE '%x%' OR summary ILIKE '%x%') AND (severity IN ('Info','Warning')) AND timestamp >= '2024-05-01'",
            "(description ilike '%x%' or summary ilike '%x%') and severity in ('Info', 'Warning') and timestamp >= '2024-05-01'",
        ),
        ("summary = 'it''s'", "summary = 'it''s'"),
        ("a <> 1", "a != 1"),
        ("a='1' or b='2' and c='3'", "a = '1' or b = '2' and c = '3'"),
        (
            "a='1' and (b='2' and c='3')",
            "a = '1' and (b = '2' and c = '3')",
        ),
        (
            "not (a is null or b not between 1 and 2)",
            "not (a is null or b not between 1 and 2)",
        ),
        ("NOT NOT a NOT LIKE 'x'", "not not a not like 'x'"),
    ];
    for (input, rendered) in cases {
        let expr = tree(input);
        assert_eq!(render(&expr), rendered);
        assert_eq!(expr.to_string(), rendered);
        assert!(tree(rendered).eq_ignoring_positions(&expr), "{input}");
    }
}

#[test]
fn positions_can_be_ignored() {
    let a = tree("a = 'x' and b in (1, 2)");
    let b = tree("  a='x'  AND  b IN (1,2)");
    assert_ne!(a, b);
    assert!(a.eq_ignoring_positions(&b));
    assert_eq!(a.without_positions(), b.without_positions());
    match a.without_positions() {
        Expr::And(left, _) => match *left {
            Expr::Compare { field, value, .. } => {
                assert_eq!(field.position, 0);
                assert_eq!(value.position, 0);
                assert_eq!(value.value, LiteralValue::String("x".to_owned()));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}
