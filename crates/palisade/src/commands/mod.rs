//! One module per subcommand: each turns its arguments into a library call and writes the
//! result.

pub mod rules;
