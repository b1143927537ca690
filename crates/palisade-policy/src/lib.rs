//! Policy as code for images.
pub mod facts;
