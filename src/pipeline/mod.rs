//! The streaming shell.
