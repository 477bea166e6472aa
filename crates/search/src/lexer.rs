//! Splits a search into tokens, keeping the 1-based character position of each.

use std::fmt;

use crate::ast::CompareOp;
use crate::error::ParseError;

/// A reserved word; matched case-insensitively, so it cannot be used as a field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    Like,
    Ilike,
    In,
    Between,
    Is,
    Null,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Self> {
        const WORDS: [(&str, Keyword); 9] = [
            ("and", Keyword::And),
            ("or", Keyword::Or),
            ("not", Keyword::Not),
            ("like", Keyword::Like),
            ("ilike", Keyword::Ilike),
            ("in", Keyword::In),
            ("between", Keyword::Between),
            ("is", Keyword::Is),
            ("null", Keyword::Null),
        ];
        WORDS
            .iter()
            .find(|(text, _)| word.eq_ignore_ascii_case(text))
            .map(|&(_, keyword)| keyword)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyword::And => "and",
            Keyword::Or => "or",
            Keyword::Not => "not",
            Keyword::Like => "like",
            Keyword::Ilike => "ilike",
            Keyword::In => "in",
            Keyword::Between => "between",
            Keyword::Is => "is",
            Keyword::Null => "null",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    Ident(String),
    /// Already unescaped.
    Str(String),
    /// As written.
    Number(String),
    Keyword(Keyword),
    Op(CompareOp),
    LParen,
    RParen,
    Comma,
}

impl fmt::Display for TokenKind {
    /// Describes the token for an error message. String contents are never echoed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Ident(name) => write!(f, "identifier '{name}'"),
            TokenKind::Str(_) => f.write_str("a string literal"),
            TokenKind::Number(number) => write!(f, "number {number}"),
            TokenKind::Keyword(keyword) => write!(f, "'{}'", keyword.as_str()),
            TokenKind::Op(op) => write!(f, "'{}'", op.as_str()),
            TokenKind::LParen => f.write_str("'('"),
            TokenKind::RParen => f.write_str("')'"),
            TokenKind::Comma => f.write_str("','"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    /// 1-based character offset of the token's first character.
    pub(crate) position: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// A cursor over the characters of the input that knows its 1-based character position.
struct Cursor<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    /// Position of the character `peek` returns.
    position: usize,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        self.position += 1;
        Some(c)
    }

    fn bump_if(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.position += 1;
            self.chars.next();
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, out: &mut String, pred: impl Fn(char) -> bool) {
        while let Some(c) = self.chars.next_if(|&c| pred(c)) {
            self.position += 1;
            out.push(c);
        }
    }
}

/// The tokens of an input.
pub(crate) struct Tokens {
    /// Every token before the first lexical error (all of them if there is none).
    pub(crate) tokens: Vec<Token>,
    /// What follows the last token: the end of the input (the position one past its last character), or
    /// the first lexical error. The parser reports that error only when it gets there, so that an
    /// earlier syntax error is reported first.
    pub(crate) end: Result<usize, ParseError>,
}

/// Tokenizes `input`, stopping at the first lexical error.
pub(crate) fn tokenize(input: &str) -> Tokens {
    let mut tokens = Vec::new();
    let end = tokenize_into(input, &mut tokens);
    Tokens { tokens, end }
}

/// Pushes the tokens of `input` onto `tokens`; returns the position one past the last character.
fn tokenize_into(input: &str, tokens: &mut Vec<Token>) -> Result<usize, ParseError> {
    let mut cursor = Cursor {
        chars: input.chars().peekable(),
        position: 1,
    };
    while let Some(c) = cursor.peek() {
        let position = cursor.position;
        if is_whitespace(c) {
            cursor.bump();
            continue;
        }
        let kind = if is_ident_start(c) {
            let mut word = String::new();
            cursor.take_while(&mut word, is_ident_continue);
            match Keyword::from_word(&word) {
                Some(keyword) => TokenKind::Keyword(keyword),
                None => TokenKind::Ident(word),
            }
        } else if c == '\'' {
            cursor.bump();
            TokenKind::Str(string_literal(&mut cursor, position)?)
        } else if c.is_ascii_digit() || c == '-' {
            TokenKind::Number(number(&mut cursor, position)?)
        } else {
            cursor.bump();
            match c {
                '(' => TokenKind::LParen,
                ')' => TokenKind::RParen,
                ',' => TokenKind::Comma,
                '=' => TokenKind::Op(CompareOp::Eq),
                '!' if cursor.bump_if('=') => TokenKind::Op(CompareOp::NotEq),
                '<' if cursor.bump_if('=') => TokenKind::Op(CompareOp::Le),
                '<' if cursor.bump_if('>') => TokenKind::Op(CompareOp::NotEq),
                '<' => TokenKind::Op(CompareOp::Lt),
                '>' if cursor.bump_if('=') => TokenKind::Op(CompareOp::Ge),
                '>' => TokenKind::Op(CompareOp::Gt),
                _ => return Err(invalid_character(c, position)),
            }
        };
        tokens.push(Token { kind, position });
    }
    Ok(cursor.position)
}

/// Reads the rest of a string literal whose opening quote (at `start`) was consumed.
fn string_literal(cursor: &mut Cursor<'_>, start: usize) -> Result<String, ParseError> {
    let mut value = String::new();
    loop {
        match cursor.bump() {
            Some('\'') => {
                if cursor.bump_if('\'') {
                    value.push('\'');
                } else {
                    return Ok(value);
                }
            }
            Some(c) => value.push(c),
            None => {
                return Err(ParseError::new(
                    start,
                    "unterminated string literal (missing closing quote)",
                ));
            }
        }
    }
}

/// Reads `-?[0-9]+(\.[0-9]+)?`; the number must not run into a letter, `_` or `.`.
fn number(cursor: &mut Cursor<'_>, start: usize) -> Result<String, ParseError> {
    let mut text = String::new();
    if cursor.bump_if('-') {
        text.push('-');
        match cursor.peek() {
            Some(c) if c.is_ascii_digit() => {}
            _ => return Err(invalid_character('-', start)),
        }
    }
    cursor.take_while(&mut text, |c| c.is_ascii_digit());
    if cursor.bump_if('.') {
        text.push('.');
        let before = text.len();
        cursor.take_while(&mut text, |c| c.is_ascii_digit());
        if text.len() == before {
            return Err(ParseError::new(
                start,
                "invalid number: expected digits after the decimal point",
            ));
        }
    }
    if cursor.peek().is_some_and(is_ident_continue) {
        return Err(ParseError::new(
            start,
            "invalid number: a number must not run into a letter, '_' or '.'",
        ));
    }
    Ok(text)
}

fn invalid_character(c: char, position: usize) -> ParseError {
    // Invisible characters (controls, unusual spaces, format characters) are shown as `\u{..}`.
    let invisible = c.is_whitespace() || (c != '\\' && c != '"' && c.escape_debug().len() > 1);
    let shown = if invisible {
        c.escape_unicode().to_string()
    } else {
        c.to_string()
    };
    ParseError::new(position, format!("invalid character '{shown}'"))
}
