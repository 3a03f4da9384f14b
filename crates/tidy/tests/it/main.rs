//! Tidy tests: the architecture rules of ARCHITECTURE.md, checked on the workspace's own files.
//!
//! Each rule is a function from a file (path and text) to its violations, tested on a planted
//! sample, and a test that applies it to every file it governs. A failure lists every violation
//! as `path:line: what`, followed by why the rule exists.

mod deps;
mod labels;
mod lexer;
mod source;
mod workspace;

/// Fails with the violations of a rule, one per line, and the reason for the rule.
pub fn check(rule: &str, why: &str, violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "{rule}: {} violation(s)\n  {}\nWhy: {why}",
        violations.len(),
        violations.join("\n  ")
    );
}
