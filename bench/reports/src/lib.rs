//! The bench-side streaming sales core `reports-core` runs (issue 23 retires it for the shipping core).

pub mod stream;
