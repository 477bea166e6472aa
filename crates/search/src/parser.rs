//! Recursive-descent parser over the tokens of [`crate::lexer`], with explicit limits.

use crate::ast::{Expr, Ident, Literal, LiteralValue};
use crate::error::ParseError;
use crate::lexer::{Keyword, Token, TokenKind, Tokens};
use crate::{MAX_DEPTH, MAX_IN_VALUES, MAX_PREDICATES};

pub(crate) struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// After the last token: the position one past the end of the input, reported for a missing token;
    /// or the lexical error that stopped tokenizing, reported instead of anything about a missing token.
    end: Result<usize, ParseError>,
    /// Current nesting of `(` and prefix `not`.
    depth: usize,
    predicates: usize,
}

impl Parser {
    pub(crate) fn new(Tokens { tokens, end }: Tokens) -> Self {
        Self {
            tokens,
            next: 0,
            end,
            depth: 0,
            predicates: 0,
        }
    }

    /// Parses the whole token stream; `None` if there are no tokens.
    pub(crate) fn parse(mut self) -> Result<Option<Expr>, ParseError> {
        if self.tokens.is_empty() {
            return self.end.map(|_| None);
        }
        let expr = self.or_expr()?;
        match self.peek() {
            None => self.end.map(|_| Some(expr)),
            Some(Token {
                kind: TokenKind::RParen,
                position,
            }) => Err(ParseError::new(*position, "unmatched ')'")),
            Some(_) => Err(self.unexpected("expected 'and', 'or' or the end of the search")),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|token| &token.kind)
    }

    fn peek_keyword(&self, keyword: Keyword) -> bool {
        self.peek_kind() == Some(&TokenKind::Keyword(keyword))
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        if token.is_some() {
            self.next += 1;
        }
        token
    }

    /// "`expected`, found <next token>" at the next token (or at the end).
    fn unexpected(&self, expected: &str) -> ParseError {
        match self.peek() {
            Some(token) => {
                ParseError::new(token.position, format!("{expected}, found {}", token.kind))
            }
            None => match &self.end {
                Ok(end) => ParseError::new(*end, format!("{expected}, found end of input")),
                Err(lexical) => lexical.clone(),
            },
        }
    }

    fn enter(&mut self, position: usize) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                position,
                format!("nesting deeper than {MAX_DEPTH} levels of parentheses and 'not'"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and_expr()?;
        while self.peek_keyword(Keyword::Or) {
            self.advance();
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary_expr()?;
        while self.peek_keyword(Keyword::And) {
            self.advance();
            let right = self.unary_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary_expr(&mut self) -> Result<Expr, ParseError> {
        let Some(token) = self.peek() else {
            return Err(self.unexpected("expected a field name, '(' or 'not'"));
        };
        let position = token.position;
        match &token.kind {
            TokenKind::Keyword(Keyword::Not) => {
                self.enter(position)?;
                self.advance();
                let inner = self.unary_expr()?;
                self.leave();
                Ok(Expr::Not(Box::new(inner)))
            }
            TokenKind::LParen => {
                self.enter(position)?;
                self.advance();
                let inner = self.or_expr()?;
                if self.peek_kind() != Some(&TokenKind::RParen) {
                    return Err(self.unexpected(&format!(
                        "expected ')' to close the '(' at position {position}"
                    )));
                }
                self.advance();
                self.leave();
                Ok(inner)
            }
            TokenKind::Ident(name) => {
                let field = Ident {
                    name: name.clone(),
                    position,
                };
                self.advance();
                self.predicate(field)
            }
            TokenKind::Str(_) | TokenKind::Number(_) => Err(self
                .unexpected("expected a field name (the field goes on the left of the operator)")),
            _ => Err(self.unexpected("expected a field name, '(' or 'not'")),
        }
    }

    /// The rest of a predicate after its field.
    fn predicate(&mut self, field: Ident) -> Result<Expr, ParseError> {
        self.predicates += 1;
        if self.predicates > MAX_PREDICATES {
            return Err(ParseError::new(
                field.position,
                format!("more than {MAX_PREDICATES} conditions in one search"),
            ));
        }
        let after_field = format!("expected an operator after field '{}'", field.name);
        let Some(kind) = self.peek_kind().cloned() else {
            return Err(self.unexpected(&after_field));
        };
        match kind {
            TokenKind::Op(op) => {
                self.advance();
                let value = self.literal(&format!("after '{op}'"))?;
                Ok(Expr::Compare { field, op, value })
            }
            TokenKind::Keyword(Keyword::Is) => {
                self.advance();
                let negated = self.peek_keyword(Keyword::Not);
                if negated {
                    self.advance();
                }
                if !self.peek_keyword(Keyword::Null) {
                    let expected = if negated {
                        "expected 'null' after 'is not'"
                    } else {
                        "expected 'null' or 'not null' after 'is'"
                    };
                    return Err(self.unexpected(expected));
                }
                self.advance();
                Ok(Expr::IsNull { field, negated })
            }
            TokenKind::Keyword(Keyword::Not) => {
                self.advance();
                match self.peek_kind() {
                    Some(TokenKind::Keyword(
                        keyword @ (Keyword::Like | Keyword::Ilike | Keyword::In | Keyword::Between),
                    )) => {
                        let keyword = *keyword;
                        self.advance();
                        self.negatable(field, true, keyword)
                    }
                    _ => {
                        Err(self
                            .unexpected("expected 'like', 'ilike', 'in' or 'between' after 'not'"))
                    }
                }
            }
            TokenKind::Keyword(
                keyword @ (Keyword::Like | Keyword::Ilike | Keyword::In | Keyword::Between),
            ) => {
                self.advance();
                self.negatable(field, false, keyword)
            }
            _ => Err(self.unexpected(&after_field)),
        }
    }

    /// `like`, `ilike`, `in` or `between` (already consumed) and what follows it.
    fn negatable(
        &mut self,
        field: Ident,
        negated: bool,
        keyword: Keyword,
    ) -> Result<Expr, ParseError> {
        match keyword {
            Keyword::Like | Keyword::Ilike => {
                let pattern = self.literal(&format!("after '{}'", keyword.as_str()))?;
                Ok(Expr::Like {
                    field,
                    negated,
                    case_insensitive: keyword == Keyword::Ilike,
                    pattern,
                })
            }
            Keyword::Between => {
                let low = self.literal("after 'between'")?;
                if !self.peek_keyword(Keyword::And) {
                    return Err(
                        self.unexpected("expected 'and' after the lower bound of 'between'")
                    );
                }
                self.advance();
                let high = self.literal("after 'between ... and'")?;
                Ok(Expr::Between {
                    field,
                    negated,
                    low,
                    high,
                })
            }
            _ => {
                let values = self.in_list()?;
                Ok(Expr::In {
                    field,
                    negated,
                    values,
                })
            }
        }
    }

    /// `( lit, lit, ... )` after `in`.
    fn in_list(&mut self) -> Result<Vec<Literal>, ParseError> {
        let open = match self.peek() {
            Some(Token {
                kind: TokenKind::LParen,
                position,
            }) => *position,
            _ => return Err(self.unexpected("expected '(' after 'in'")),
        };
        self.advance();
        if self.peek_kind() == Some(&TokenKind::RParen) {
            return Err(ParseError::new(
                open,
                "empty 'in' list: it needs at least one value",
            ));
        }
        let mut values = Vec::new();
        loop {
            let value = self.literal("in the 'in' list")?;
            if values.len() == MAX_IN_VALUES {
                return Err(ParseError::new(
                    value.position,
                    format!("more than {MAX_IN_VALUES} values in one 'in' list"),
                ));
            }
            values.push(value);
            match self.peek_kind() {
                Some(TokenKind::Comma) => {
                    self.advance();
                }
                Some(TokenKind::RParen) => {
                    self.advance();
                    return Ok(values);
                }
                _ => return Err(self.unexpected("expected ',' or ')' in the 'in' list")),
            }
        }
    }

    /// A string or number literal; `context` completes "expected a value ...".
    fn literal(&mut self, context: &str) -> Result<Literal, ParseError> {
        let expected = format!("expected a value {context}");
        let Some(token) = self.peek() else {
            return Err(self.unexpected(&expected));
        };
        let position = token.position;
        let value = match &token.kind {
            TokenKind::Str(s) => LiteralValue::String(s.clone()),
            TokenKind::Number(n) => LiteralValue::Number(n.clone()),
            TokenKind::Ident(name) => {
                return Err(ParseError::new(
                    position,
                    format!(
                        "{expected}, found identifier '{name}' \
                         (values are quoted strings or numbers: write '{name}')"
                    ),
                ));
            }
            TokenKind::Keyword(Keyword::Null) => {
                return Err(ParseError::new(
                    position,
                    format!(
                        "{expected}, found 'null' \
                         (there is no null value: use 'is null' or 'is not null')"
                    ),
                ));
            }
            _ => return Err(self.unexpected(&expected)),
        };
        self.advance();
        Ok(Literal { value, position })
    }
}
