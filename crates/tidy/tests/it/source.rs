//! Rules on the Rust sources (and the SQL files) of the workspace.

use std::sync::LazyLock;

use regex::Regex;

use crate::check;
use crate::deps::{CLI_HTTP, HTTP_CRATES, boundary_violations, domain_dep_violations};
use crate::lexer::{Kind, NonTest, Tok, lex, non_test};
use crate::workspace::{Source, crates, files};

/// Crates whose sources the rules read: all but this one (whose samples and patterns would
/// trip them).
fn scanned_dirs() -> Vec<String> {
    crates()
        .into_iter()
        .filter(|c| c.name != "gongkai-tidy")
        .map(|c| c.dir)
        .collect()
}

fn rust_files_outside(excluded: &[&str]) -> Vec<Source> {
    scanned_dirs()
        .iter()
        .filter(|d| !excluded.contains(&d.as_str()))
        .flat_map(|d| files(d, ".rs"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// SQL

static SQL: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        ("SELECT … FROM", r"\bSELECT\b[\s\S]*\bFROM\b"),
        ("INSERT INTO", r"\bINSERT\s+INTO\b"),
        ("UPDATE … SET", r"\bUPDATE\s+\w+\s+SET\b"),
        ("DELETE FROM", r"\bDELETE\s+FROM\b"),
        ("CREATE TABLE", r"\bCREATE\s+TABLE\b"),
        ("CREATE INDEX", r"\bCREATE\s+(UNIQUE\s+)?INDEX\b"),
        ("ALTER TABLE", r"\bALTER\s+TABLE\b"),
        ("DROP TABLE", r"\bDROP\s+TABLE\b"),
    ]
    .into_iter()
    .filter_map(|(name, re)| Regex::new(re).ok().map(|r| (name, r)))
    .collect()
});

/// The SQL statement kind a string literal contains, if any.
pub fn sql_in(literal: &str) -> Option<&'static str> {
    // A `\` line continuation or an escaped newline inside the literal is a space.
    let text = literal.replace("\\n", " ").replace("\\\n", " ");
    SQL.iter()
        .find(|(_, re)| re.is_match(&text))
        .map(|(n, _)| *n)
}

pub fn sql_violations(path: &str, toks: &[Tok]) -> Vec<String> {
    toks.iter()
        .filter(|t| t.kind == Kind::Str)
        .filter_map(|t| {
            sql_in(&t.text).map(|kind| {
                let shown: String = t.text.chars().take(60).collect();
                format!(
                    "{path}:{}: string literal with {kind}: \"{shown}…\"",
                    t.line
                )
            })
        })
        .collect()
}

#[test]
fn no_sql_outside_the_db_crate() {
    let mut v: Vec<String> = rust_files_outside(&["db"])
        .iter()
        .flat_map(|f| sql_violations(&f.path, &lex(&f.text)))
        .collect();
    for d in scanned_dirs().iter().filter(|d| *d != "db") {
        v.extend(
            files(d, ".sql")
                .into_iter()
                .map(|f| format!("{}: an SQL file", f.path)),
        );
    }
    check(
        "no SQL outside crates/db",
        "gongkai-db is the only crate that speaks SQL: every query is written once in the SQL \
         both SQLite and PostgreSQL accept and tested on both backends, and the schema lives in \
         its migrations. SQL elsewhere escapes both (ARCHITECTURE.md, crates/db).",
        v,
    );
}

// ---------------------------------------------------------------------------------------------
// Crate boundaries in the sources

/// Lines where the code names crate `name`: `name::…`, `use name`, `extern crate name`,
/// `name!(…)`.
pub fn mentions(toks: &[Tok], name: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if !t.ident(name) {
            continue;
        }
        let next = toks.get(i + 1);
        let path =
            next.is_some_and(|n| n.punct(':')) && toks.get(i + 2).is_some_and(|n| n.punct(':'));
        let macro_call = next.is_some_and(|n| n.punct('!'));
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        let used = prev.is_some_and(|p| p.ident("use") || p.ident("crate"));
        // `foo::name::…` is someone else's module of that name, not the crate.
        let inner = i >= 2 && toks[i - 1].punct(':') && toks[i - 2].punct(':');
        if (path || macro_call || used) && !inner {
            out.push(t.line);
        }
    }
    out
}

fn source_mentions(excluded: &[&str], names: &[&str], allowed_cli: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in rust_files_outside(excluded) {
        let toks = lex(&f.text);
        let in_cli = f.path.starts_with("crates/cli/");
        for name in names {
            if in_cli && allowed_cli.contains(name) {
                continue;
            }
            // Crate names are identifiers with `_` for `-`.
            let ident = name.replace('-', "_");
            for line in mentions(&toks, &ident) {
                out.push(format!("{}:{line}: uses {ident}", f.path));
            }
        }
    }
    out
}

#[test]
fn anyhow_only_in_the_cli() {
    let mut v = boundary_violations("anyhow", &["gongkai"], &[]);
    v.extend(source_mentions(&["cli"], &["anyhow"], &[]));
    check(
        "anyhow only in crates/cli",
        "libraries return typed errors (thiserror enums with Chinese messages naming the field) \
         that callers can match on — the web maps them to status codes, the CLI to exit codes; \
         only the CLI, at the top, erases them into anyhow (ARCHITECTURE.md, errors).",
        v,
    );
}

#[test]
fn sqlx_only_in_the_db_crate() {
    let mut v = boundary_violations("sqlx", &["gongkai-db"], &[]);
    v.extend(source_mentions(&["db"], &["sqlx"], &[]));
    check(
        "sqlx only in crates/db",
        "the database is reached only through gongkai-db's typed functions, which run on both \
         backends and keep every write in one transaction; a query elsewhere bypasses both \
         (ARCHITECTURE.md, crates/db).",
        v,
    );
}

#[test]
fn http_only_in_the_web_crate_and_the_cli() {
    let mut v = boundary_violations("http", &["gongkai-web"], CLI_HTTP);
    v.extend(source_mentions(&["web"], HTTP_CRATES, CLI_HTTP));
    check(
        "HTTP (axum, askama, hyper, tower, …) only in crates/web, and in crates/cli only to start the server",
        "gongkai-web is the only crate that knows HTTP: routes, pages, status codes and security \
         headers are decided in one place, and the domain, storage and export crates stay \
         usable from the command line and tests without a server (ARCHITECTURE.md, crates/web).",
        v,
    );
}

// ---------------------------------------------------------------------------------------------
// The domain crate

/// In non-test code: I/O modules of std, async, and the crates of I/O and randomness.
pub fn domain_violations(path: &str, toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    const STD_IO: &[&str] = &["fs", "net", "process"];
    for (i, t) in toks.iter().enumerate() {
        if t.ident("async") || t.ident("await") {
            out.push(format!("{path}:{}: `{}`", t.line, t.text));
        }
        if t.ident("std")
            && toks.get(i + 1).is_some_and(|x| x.punct(':'))
            && toks.get(i + 2).is_some_and(|x| x.punct(':'))
        {
            match toks.get(i + 3) {
                Some(m) if m.kind == Kind::Ident && STD_IO.contains(&m.text.as_str()) => {
                    out.push(format!("{path}:{}: std::{}", m.line, m.text));
                }
                Some(open) if open.punct('{') => {
                    let close = crate::lexer::matching(toks, i + 3).unwrap_or(toks.len());
                    for m in &toks[i + 4..close] {
                        if m.kind == Kind::Ident && STD_IO.contains(&m.text.as_str()) {
                            out.push(format!("{path}:{}: std::{{… {} …}}", m.line, m.text));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for name in [
        "tokio",
        "sqlx",
        "rand",
        "rand_core",
        "rand_chacha",
        "getrandom",
    ] {
        for line in mentions(toks, name) {
            out.push(format!("{path}:{line}: uses {name}"));
        }
    }
    out
}

/// The non-test code of a crate's `src/` files: test-only items dropped, and files of
/// out-of-line `#[cfg(test)] mod name;` modules left out.
fn non_test_sources(dir: &str) -> Vec<(String, NonTest)> {
    let sources: Vec<Source> = files(dir, ".rs")
        .into_iter()
        .filter(Source::in_src)
        .collect();
    let parsed: Vec<(String, NonTest)> = sources
        .iter()
        .map(|f| (f.path.clone(), non_test(&lex(&f.text))))
        .collect();
    let mut test_files: Vec<String> = Vec::new();
    for (path, nt) in &parsed {
        let (parent, file) = path.rsplit_once('/').unwrap_or(("", path));
        let module_dir = if ["lib.rs", "main.rs", "mod.rs"].contains(&file) {
            parent.to_string()
        } else {
            format!("{parent}/{}", file.trim_end_matches(".rs"))
        };
        for m in &nt.test_modules {
            // `m.rs`, or `m/mod.rs` and everything under `m/`.
            test_files.push(format!("{module_dir}/{m}.rs"));
            test_files.push(format!("{module_dir}/{m}/"));
        }
    }
    parsed
        .into_iter()
        .filter(|(p, _)| {
            !test_files
                .iter()
                .any(|t| p == t || (t.ends_with('/') && p.starts_with(t.as_str())))
        })
        .collect()
}

#[test]
fn domain_has_no_io_no_async_no_randomness() {
    let mut v = domain_dep_violations();
    for (path, nt) in non_test_sources("domain") {
        v.extend(domain_violations(&path, &nt.toks));
    }
    check(
        "crates/domain has no I/O, no async, no randomness (no tokio, sqlx, rand, std::fs, std::net, std::process, async)",
        "the domain holds the statutory rules — the report's tables and checks, the case clock, \
         permissions — as pure functions of plain values, so property tests cover them and every \
         other crate can call them; I/O, async or random data there would make them depend on \
         the world. Demo and `gen` data live in gongkai-synth (ARCHITECTURE.md, crates/domain).",
        v,
    );
}

// ---------------------------------------------------------------------------------------------
// unwrap / expect

/// Files of non-test code allowed some `unwrap()`/`expect(` calls, with how many. Shrink only:
/// the test fails when a file has more than listed, and also when it has fewer (so the list is
/// lowered as the calls go). Empty today.
const UNWRAP_ALLOWED: &[(&str, usize)] = &[];

/// Lines of `.unwrap()` and `.expect(` calls.
pub fn unwraps(toks: &[Tok]) -> Vec<(usize, &'static str)> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let after_dot = i > 0 && toks[i - 1].punct('.');
        let open = toks.get(i + 1).is_some_and(|x| x.punct('('));
        if after_dot && open && t.ident("unwrap") && toks.get(i + 2).is_some_and(|x| x.punct(')')) {
            out.push((t.line, "unwrap()"));
        }
        if after_dot && open && t.ident("expect") {
            out.push((t.line, "expect("));
        }
    }
    out
}

#[test]
fn no_unwrap_or_expect_outside_tests() {
    let mut v = Vec::new();
    for dir in scanned_dirs() {
        for (path, nt) in non_test_sources(&dir) {
            let found = unwraps(&nt.toks);
            let allowed = UNWRAP_ALLOWED
                .iter()
                .find(|(p, _)| *p == path)
                .map_or(0, |(_, n)| *n);
            if found.len() > allowed {
                v.extend(
                    found
                        .iter()
                        .map(|(line, what)| format!("{path}:{line}: {what}")),
                );
            } else if found.len() < allowed {
                v.push(format!(
                    "{path}: {} call(s) left but UNWRAP_ALLOWED lists {allowed}: lower it",
                    found.len()
                ));
            }
        }
    }
    check(
        "no unwrap()/expect( outside tests (crates/*/src, #[cfg(test)] and #[test] items excluded)",
        "gongkai reads outside input — ledgers, case events, uploaded reports, forms, URLs — and \
         a panic there takes a request (or the server) down instead of giving the user a clear \
         Chinese message; errors are returned as typed values (ARCHITECTURE.md, errors). Where \
         a value truly cannot be absent, say why with a match and an error.",
        v,
    );
}

// ---------------------------------------------------------------------------------------------
// Ignored and skipped tests

static SKIP_WORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\bskip(ped|ping)?\b").ok());

/// `#[ignore]` anywhere, and a string saying a test is skipped in test code.
pub fn skip_violations(path: &str, toks: &[Tok], test_toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.punct('#')
            && toks.get(i + 1).is_some_and(|x| x.punct('['))
            && toks.get(i + 2).is_some_and(|x| x.ident("ignore"))
        {
            out.push(format!("{path}:{}: #[ignore]", t.line));
        }
    }
    if let Some(re) = SKIP_WORD.as_ref() {
        for t in test_toks
            .iter()
            .filter(|t| t.kind == Kind::Str && re.is_match(&t.text))
        {
            out.push(format!(
                "{path}:{}: a test reports itself skipped: \"{}\"",
                t.line, t.text
            ));
        }
    }
    out
}

#[test]
fn no_test_is_ignored_or_skipped() {
    let mut v = Vec::new();
    for f in rust_files_outside(&[]) {
        let toks = lex(&f.text);
        let test_toks = if f.in_src() {
            non_test(&toks).test_toks
        } else {
            toks.clone()
        };
        v.extend(skip_violations(&f.path, &toks, &test_toks));
    }
    check(
        "no test is ignored or skips itself",
        "a test that passes without running hides the loss of what it checks: CI would stay \
         green with Chromium or PostgreSQL missing. A test that needs a tool or a server fails \
         when it is missing, with a message telling how to run the suite (scripts/test \
         installs and starts what the tests need).",
        v,
    );
}

// ---------------------------------------------------------------------------------------------
// The rules on planted samples (so that a rule cannot pass because it sees nothing)

#[test]
fn the_source_rules_catch_planted_violations() {
    let sample = r####"
use anyhow::Context;
use std::{collections::HashMap, fs};
// SELECT x FROM y in a comment is fine
async fn load(p: &str) -> Result<String, E> {
    let q = "SELECT id, name \
             FROM agency WHERE code = $1";
    let i = r#"INSERT INTO agency (code) VALUES ($1)"#;
    let ok = "select what you like from the menu";
    let t = tokio::spawn(x).await;
    let n: u32 = rand::random();
    std::process::exit(v.unwrap());
    w.expect("never");
    w.unwrap_or_default();
    anyhow!("oops")
}
#[cfg(test)]
mod tests {
    #[test]
    #[ignore]
    fn later() { x.unwrap(); eprintln!("skipped: no chromium"); }
}
"####;
    let toks = lex(sample);
    let sql = sql_violations("s.rs", &toks);
    assert_eq!(sql.len(), 2, "{sql:?}");
    assert!(
        sql[0].starts_with("s.rs:6: string literal with SELECT … FROM"),
        "{sql:?}"
    );
    assert!(
        sql[1].starts_with("s.rs:8: string literal with INSERT INTO"),
        "{sql:?}"
    );
    assert_eq!(mentions(&toks, "anyhow"), [2, 15]);
    assert_eq!(mentions(&toks, "tokio"), [10]);
    let nt = non_test(&toks);
    assert_eq!(unwraps(&nt.toks), [(12, "unwrap()"), (13, "expect(")]);
    let d = domain_violations("s.rs", &nt.toks);
    for want in [
        "s.rs:3: std::{… fs …}",
        "s.rs:5: `async`",
        "s.rs:10: `await`",
        "s.rs:10: uses tokio",
        "s.rs:11: uses rand",
        "s.rs:12: std::process",
    ] {
        assert!(d.iter().any(|x| x == want), "{want} not in {d:?}");
    }
    let s = skip_violations("s.rs", &toks, &nt.test_toks);
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s[0].starts_with("s.rs:20: #[ignore]"), "{s:?}");
    assert!(
        s[1].starts_with("s.rs:21: a test reports itself skipped"),
        "{s:?}"
    );
}
