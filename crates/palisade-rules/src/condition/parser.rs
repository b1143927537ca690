//! A recursive-descent parser for conditions, bounded in depth.

use super::{Expr, FieldExpr, Op, Rhs, Transformer, Value};

/// Nesting deeper than this (parentheses, `not`, transformers) is refused.
pub const MAX_DEPTH: usize = 200;

/// Why a condition did not parse, and where (byte offset into the condition text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub at: usize,
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(p.err(format!("unexpected `{}`", p.snippet())));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/')
}

fn is_bare_value(c: u8) -> bool {
    !(c.is_ascii_whitespace() || matches!(c, b'(' | b')' | b',' | b'"' | b'\''))
}

impl<'a> Parser<'a> {
    fn err(&self, message: String) -> ParseError {
        ParseError {
            message,
            at: self.pos,
        }
    }

    fn snippet(&self) -> String {
        let rest = self.text.get(self.pos..).unwrap_or("");
        rest.chars().take(20).collect()
    }

    fn ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Whether a keyword (`and`, `not`, ...) starts here, followed by a non-identifier char.
    fn at_word(&self, w: &str) -> bool {
        let end = self.pos + w.len();
        self.s.get(self.pos..end) == Some(w.as_bytes())
            && !self.s.get(end).is_some_and(|&c| is_ident(c))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(format!("condition nested deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.and()?];
        loop {
            self.ws();
            if self.at_word("or") {
                self.pos += 2;
                terms.push(self.and()?);
            } else {
                break;
            }
        }
        Ok(if terms.len() == 1 {
            terms.pop().unwrap_or(Expr::Or(Vec::new()))
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.not()?];
        loop {
            self.ws();
            if self.at_word("and") {
                self.pos += 3;
                terms.push(self.not()?);
            } else {
                break;
            }
        }
        Ok(if terms.len() == 1 {
            terms.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::And(terms)
        })
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        self.ws();
        if self.at_word("not") {
            self.pos += 3;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.ws();
        match self.peek() {
            None => Err(self.err("unexpected end of condition".into())),
            Some(b'(') => {
                self.pos += 1;
                self.enter()?;
                let e = self.or()?;
                self.depth -= 1;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(self.err(if self.pos >= self.s.len() {
                        "missing `)`".into()
                    } else {
                        format!("expected `)` or an operator, found `{}`", self.snippet())
                    }));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(c) if is_ident_start(c) => self.check(),
            Some(_) => Err(self.err(format!(
                "expected a field, macro, `not` or `(`, found `{}`",
                self.snippet()
            ))),
        }
    }

    fn ident(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_ident) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// `name`, `name[arg]`, or `transformer(field)`.
    fn field(&mut self) -> Result<FieldExpr, ParseError> {
        self.ws();
        let at = self.pos;
        if !self.peek().is_some_and(is_ident_start) {
            return Err(self.err(format!("expected a field, found `{}`", self.snippet())));
        }
        let name = self.ident();
        if self.peek() == Some(b'(') {
            let Some(&(_, t)) = Transformer::ALL.iter().find(|(n, _)| *n == name) else {
                return Err(ParseError {
                    message: format!("unknown transformer `{name}`"),
                    at,
                });
            };
            self.pos += 1;
            self.enter()?;
            let mut inner = self.field()?;
            self.depth -= 1;
            self.ws();
            if self.peek() != Some(b')') {
                return Err(self.err(format!("expected `)` after `{name}(...`")));
            }
            self.pos += 1;
            inner.transformers.push(t);
            return Ok(inner);
        }
        let arg = self.bracket_arg()?;
        Ok(FieldExpr {
            name: name.to_string(),
            arg,
            transformers: Vec::new(),
            at,
        })
    }

    fn bracket_arg(&mut self) -> Result<Option<String>, ParseError> {
        if self.peek() != Some(b'[') {
            return Ok(None);
        }
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == b']' {
                let arg = self.text.get(start..self.pos).unwrap_or("").to_string();
                self.pos += 1;
                return Ok(Some(arg));
            }
            self.pos += 1;
        }
        Err(ParseError {
            message: "missing `]`".into(),
            at: open,
        })
    }

    fn operator(&mut self) -> Option<Op> {
        self.ws();
        for sym in ["==", "!=", "<=", ">=", "=", "<", ">"] {
            if self.s.get(self.pos..self.pos + sym.len()) == Some(sym.as_bytes()) {
                self.pos += sym.len();
                return Op::ALL.iter().find(|(n, _)| *n == sym).map(|(_, o)| *o);
            }
        }
        for &(word, op) in Op::ALL {
            if word.as_bytes()[0].is_ascii_alphabetic() && self.at_word(word) {
                self.pos += word.len();
                return Some(op);
            }
        }
        None
    }

    fn check(&mut self) -> Result<Expr, ParseError> {
        let at = self.pos;
        let save = self.pos;
        // A bare name followed by no operator is a macro.
        let name = self.ident();
        let after_name = self.pos;
        let is_call = self.peek() == Some(b'(');
        let is_bracket = self.peek() == Some(b'[');
        if !is_call && !is_bracket {
            let op_pos = self.pos;
            let op = self.operator();
            self.pos = op_pos;
            if op.is_none() {
                self.pos = after_name;
                return Ok(Expr::Macro {
                    name: name.to_string(),
                    at,
                });
            }
        }
        self.pos = save;
        let field = self.field()?;
        let Some(op) = self.operator() else {
            return Err(self.err(format!(
                "expected an operator after `{}`, found `{}`",
                field.name,
                self.snippet()
            )));
        };
        let rhs = if op == Op::Exists {
            Rhs::None
        } else if op.takes_list() {
            self.list()?
        } else {
            self.value()?
        };
        Ok(Expr::Compare { field, op, rhs, at })
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let Some(q) = self.peek() else {
            return Err(self.err("expected a value".into()));
        };
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == q {
                return String::from_utf8(out).map_err(|_| ParseError {
                    message: "string is not UTF-8".into(),
                    at: start,
                });
            }
            if c == b'\\' {
                let Some(e) = self.peek() else { break };
                self.pos += 1;
                out.push(match e {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'b' => 8,
                    b'f' => 12,
                    other => other,
                });
            } else {
                out.push(c);
            }
        }
        Err(ParseError {
            message: "unterminated string".into(),
            at: start,
        })
    }

    fn bare(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(is_bare_value) {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    fn value(&mut self) -> Result<Rhs, ParseError> {
        self.ws();
        let at = self.pos;
        match self.peek() {
            Some(b'"') | Some(b'\'') => Ok(Rhs::Value(Value {
                text: self.quoted()?,
                quoted: true,
                at,
            })),
            Some(b'(') => self.list(),
            _ if self.at_word("val") && self.s.get(self.pos + 3) == Some(&b'(') => {
                self.pos += 4;
                let f = self.field()?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(self.err("expected `)` after `val(...`".into()));
                }
                self.pos += 1;
                Ok(Rhs::Field(f))
            }
            _ => {
                let text = self.bare();
                if text.is_empty() {
                    return Err(self.err(format!("expected a value, found `{}`", self.snippet())));
                }
                Ok(Rhs::Value(Value {
                    text: text.to_string(),
                    quoted: false,
                    at,
                }))
            }
        }
    }

    fn list(&mut self) -> Result<Rhs, ParseError> {
        self.ws();
        if self.peek() != Some(b'(') {
            // A single value (or a list name, resolved when compiling).
            return match self.value()? {
                Rhs::Value(v) => Ok(Rhs::List(vec![v])),
                other => Ok(other),
            };
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            let at = self.pos;
            match self.peek() {
                None => return Err(self.err("missing `)` at the end of a list".into())),
                Some(b')') => {
                    self.pos += 1;
                    return Ok(Rhs::List(items));
                }
                Some(b',') => {
                    self.pos += 1;
                }
                Some(b'"') | Some(b'\'') => items.push(Value {
                    text: self.quoted()?,
                    quoted: true,
                    at,
                }),
                Some(b'(') => return Err(self.err("lists cannot nest".into())),
                Some(_) => {
                    let text = self.bare();
                    items.push(Value {
                        text: text.to_string(),
                        quoted: false,
                        at,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        match parse(s) {
            Ok(e) => format!("{e:?}"),
            Err(e) => format!("error at {}: {}", e.at, e.message),
        }
    }

    #[test]
    fn precedence_and_macros() {
        let e = parse("a or b and not c").expect("parses");
        let Expr::Or(terms) = e else { panic!("not or") };
        assert!(matches!(&terms[0], Expr::Macro { name, .. } if name == "a"));
        assert!(matches!(&terms[1], Expr::And(t) if t.len() == 2));
    }

    #[test]
    fn fields_args_transformers_and_values() {
        let e = parse("tolower(proc.aname[2]) in (a, 'b c', \"d\") and fd.name=val(proc.cwd)")
            .expect("parses");
        let Expr::And(t) = e else { panic!("not and") };
        let Expr::Compare { field, op, rhs, .. } = &t[0] else {
            panic!("not compare")
        };
        assert_eq!(field.name, "proc.aname");
        assert_eq!(field.arg.as_deref(), Some("2"));
        assert_eq!(field.transformers, vec![Transformer::ToLower]);
        assert_eq!(*op, Op::In);
        let Rhs::List(items) = rhs else {
            panic!("not list")
        };
        let texts: Vec<&str> = items.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(texts, ["a", "b c", "d"]);
        assert!(matches!(&t[1], Expr::Compare { rhs: Rhs::Field(f), .. } if f.name == "proc.cwd"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(p("proc.name = "), "error at 12: expected a value, found ``");
        assert_eq!(p("(a and b"), "error at 8: missing `)`");
        assert_eq!(p("proc.name = x y"), "error at 14: unexpected `y`");
        assert_eq!(
            p("foo(proc.name) = x"),
            "error at 0: unknown transformer `foo`"
        );
        assert_eq!(p("fd.name ="), "error at 9: expected a value, found ``");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "(".repeat(10_000);
        assert!(p(&s).contains("nested deeper"));
        let s = "not ".repeat(10_000) + "a";
        assert!(p(&s).contains("nested deeper"));
    }

    #[test]
    fn exists_and_symbols() {
        assert!(
            p("proc.name exists and evt.num>=3 and evt.num<5 and fd.name!=x").starts_with("And")
        );
        assert!(p("evt.dir=< and evt.type=execve").starts_with("And"));
    }
}
