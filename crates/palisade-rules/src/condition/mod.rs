//! The condition language: `and`, `or`, `not`, parentheses, comparisons, macros, lists,
//! field arguments, transformers and `val()` references.
//!
//! [`parse`] turns condition text into an [`Expr`] whose nodes carry byte offsets into that
//! text; names of macros and lists are resolved later, when a rules set is compiled.

mod parser;

pub use parser::{ParseError, parse};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    PMatch,
    In,
    Intersects,
    Exists,
    Regex,
}

impl Op {
    /// Every operator with its spelling (`==` is the same as `=`).
    pub const ALL: &'static [(&'static str, Op)] = &[
        ("=", Op::Eq),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        ("<=", Op::Le),
        (">", Op::Gt),
        (">=", Op::Ge),
        ("contains", Op::Contains),
        ("icontains", Op::IContains),
        ("bcontains", Op::BContains),
        ("startswith", Op::StartsWith),
        ("bstartswith", Op::BStartsWith),
        ("endswith", Op::EndsWith),
        ("glob", Op::Glob),
        ("iglob", Op::IGlob),
        ("pmatch", Op::PMatch),
        ("in", Op::In),
        ("intersects", Op::Intersects),
        ("exists", Op::Exists),
        ("regex", Op::Regex),
    ];

    pub fn name(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(n, _)| n)
    }

    /// Operators whose right-hand side is a parenthesised list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }
}

/// A function applied to a field's value before comparing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    ToLower,
    ToUpper,
    B64,
    Basename,
}

impl Transformer {
    pub const ALL: &'static [(&'static str, Transformer)] = &[
        ("tolower", Transformer::ToLower),
        ("toupper", Transformer::ToUpper),
        ("b64", Transformer::B64),
        ("basename", Transformer::Basename),
    ];

    pub fn name(self) -> &'static str {
        Transformer::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }
}

/// A field as written in a condition: `proc.aname[2]`, `evt.arg.flags`, `tolower(proc.name)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldExpr {
    /// The name without the bracketed argument, e.g. `proc.aname` or `evt.arg.flags`.
    pub name: String,
    /// The bracketed argument, e.g. `2` in `proc.aname[2]`.
    pub arg: Option<String>,
    /// Transformers, innermost first.
    pub transformers: Vec<Transformer>,
    /// Byte offset of the field name in the condition text.
    pub at: usize,
}

/// A constant on the right-hand side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    /// Quoted values are never list names.
    pub quoted: bool,
    pub at: usize,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rhs {
    /// For `exists`.
    None,
    Value(Value),
    List(Vec<Value>),
    /// `val(field)`.
    Field(FieldExpr),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare name: a macro reference.
    Macro {
        name: String,
        at: usize,
    },
    Compare {
        field: FieldExpr,
        op: Op,
        rhs: Rhs,
        at: usize,
    },
}
