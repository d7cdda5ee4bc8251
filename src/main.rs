//! The `parleywire` command line.
fn main() {}
