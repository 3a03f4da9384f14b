//! gongkai-tidy: tests only (`tests/it`), in the manner of rust-analyzer's tidy tests.
//!
//! They read the workspace's `Cargo.toml` files and sources and check the architecture rules of
//! ARCHITECTURE.md that the compiler does not: the crate dependency graph has no back edges,
//! SQL only in `gongkai-db`, `anyhow` only in the CLI, `sqlx` only in `gongkai-db`, HTTP only in
//! `gongkai-web` (and the CLI, which starts the server), a pure domain crate, no
//! `unwrap()`/`expect(` outside tests, no ignored or skipped tests. Run them with
//! `cargo test -p gongkai-tidy`; each failure names the file and line and why the rule exists.
