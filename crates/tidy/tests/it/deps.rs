//! Rules on the dependencies declared in `crates/*/Cargo.toml`.

use crate::check;
use crate::workspace::{Crate, crates, root, root_manifest};

/// The layers of the workspace, bottom up: a crate may depend only on crates of a *lower* layer
/// (so `gongkai-db` and `gongkai-export`, both layer 2, never on each other). A new crate must
/// be placed here.
pub const LAYERS: &[(&str, u32)] = &[
    ("gongkai-domain", 0), // pure rules and types
    ("gongkai-synth", 1),  // demo and `gen` ledgers, from the domain types
    ("gongkai-search", 1), // the search index (tantivy), fed plain documents
    ("gongkai-db", 2),     // storage: the only SQL
    ("gongkai-export", 2), // documents: md, html, docx, xlsx; reading reports
    ("gongkai-web", 3),    // HTTP
    ("gongkai", 4),        // the command line
];

/// Crates outside the layering, which depend on no workspace crate at all.
pub const STANDALONE: &[&str] = &["gongkai-tidy"];

/// Crates that speak HTTP or render its pages.
pub const HTTP_CRATES: &[&str] = &[
    "axum",
    "axum-core",
    "axum-extra",
    "askama",
    "askama_web",
    "askama_axum",
    "hyper",
    "hyper-util",
    "http",
    "http-body",
    "http-body-util",
    "tower",
    "tower-http",
    "tower-service",
    "reqwest",
    "ureq",
    "actix-web",
    "warp",
    "poem",
    "rocket",
    "utoipa",
    "utoipa-axum",
    "tower_governor",
];

/// What the CLI may use of [`HTTP_CRATES`]: enough to start the server, no pages.
pub const CLI_HTTP: &[&str] = &["axum", "hyper", "hyper-util", "http", "tower", "tower-http"];

/// Crates the domain crate must not depend on: I/O, async runtimes, databases, randomness.
pub const NOT_IN_DOMAIN: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "sqlx",
    "rand",
    "rand_core",
    "rand_chacha",
    "getrandom",
    "fastrand",
];

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    /// The package depended on (after `package = …` renames).
    pub package: String,
    /// `dependencies`, `dev-dependencies`, `build-dependencies` (prefixed `target.….` when
    /// target-specific).
    pub table: String,
    /// Where it is declared: `crates/db/Cargo.toml:12`.
    pub at: String,
}

impl Dep {
    pub fn is_dev(&self) -> bool {
        self.table.ends_with("dev-dependencies")
    }
}

/// Every dependency a manifest declares.
pub fn deps(path: &str, text: &str, manifest: &toml::Table, workspace: &toml::Table) -> Vec<Dep> {
    let ws_deps = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table());
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = manifest.get(kind).and_then(|t| t.as_table()) {
            tables.push((kind.to_string(), t));
        }
        if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
            for (cfg, t) in targets {
                if let Some(t) = t.get(kind).and_then(|t| t.as_table()) {
                    tables.push((format!("target.{cfg}.{kind}"), t));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (table, t) in tables {
        for (key, spec) in t {
            let renamed = |spec: &toml::Value| {
                spec.get("package")
                    .and_then(|p| p.as_str())
                    .map(str::to_string)
            };
            let from_workspace = spec.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            let package = renamed(spec)
                .or_else(|| {
                    from_workspace
                        .then(|| ws_deps.and_then(|d| d.get(key)).and_then(renamed))
                        .flatten()
                })
                .unwrap_or_else(|| key.clone());
            out.push(Dep {
                package,
                at: format!("{path}:{}", line_of(text, key)),
                table: table.clone(),
            });
        }
    }
    out
}

/// The line where `key` is declared (as `key =` or `key.…`), 1-based; 0 when not found.
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(['=', '.']))
        })
        .map_or(0, |i| i + 1)
}

fn crate_deps(c: &Crate, workspace: &toml::Table) -> Vec<Dep> {
    let path = format!("crates/{}/Cargo.toml", c.dir);
    let text = std::fs::read_to_string(root().join(&path)).unwrap_or_default();
    deps(&path, &text, &c.manifest, workspace)
}

/// The violations of the layering by one crate's dependencies.
pub fn back_edges(name: &str, deps: &[Dep], workspace_crates: &[String]) -> Vec<String> {
    let layer = |n: &str| LAYERS.iter().find(|(c, _)| *c == n).map(|(_, l)| *l);
    let mut out = Vec::new();
    let own = layer(name);
    if own.is_none() && !STANDALONE.contains(&name) {
        out.push(format!(
            "{name}: a workspace crate in neither LAYERS nor STANDALONE of crates/tidy/tests/it/deps.rs; place it"
        ));
    }
    for d in deps
        .iter()
        .filter(|d| workspace_crates.contains(&d.package))
    {
        let ok = match (own, layer(&d.package)) {
            (Some(a), Some(b)) => b < a,
            _ => false,
        };
        if !ok {
            let show =
                |l: Option<u32>| l.map_or("standalone".to_string(), |l| format!("layer {l}"));
            out.push(format!(
                "{}: {name} ({}) depends on {} ({}) in [{}]",
                d.at,
                show(own),
                d.package,
                show(layer(&d.package)),
                d.table
            ));
        }
    }
    out
}

/// Dependencies of `deps` on `packages` (`sqlx` also covers its `sqlx-*` parts).
fn uses<'a>(deps: &'a [Dep], packages: &[&str]) -> impl Iterator<Item = &'a Dep> {
    let packages: Vec<String> = packages.iter().map(|p| p.to_string()).collect();
    deps.iter().filter(move |d| {
        packages
            .iter()
            .any(|p| d.package == *p || (p == "sqlx" && d.package.starts_with("sqlx-")))
    })
}

fn all_deps() -> Vec<(Crate, Vec<Dep>)> {
    let ws = root_manifest();
    crates()
        .into_iter()
        .map(|c| {
            let d = crate_deps(&c, &ws);
            (c, d)
        })
        .collect()
}

#[test]
fn crate_graph_has_no_back_edges() {
    let all = all_deps();
    let names: Vec<String> = all.iter().map(|(c, _)| c.name.clone()).collect();
    let violations = all
        .iter()
        .flat_map(|(c, d)| back_edges(&c.name, d, &names))
        .collect();
    check(
        "the crate graph has no back edges (domain ← synth ← db, export ← web ← cli)",
        "each layer is testable without the ones above it: the domain with plain values, the \
         database and the documents without HTTP, the web without the command line; an edge \
         upwards would make a lower crate compile, and break, with a higher one \
         (ARCHITECTURE.md, bird's eye view).",
        violations,
    );
}

/// The dependency-side violations of the crate-boundary rules, for the source-side tests in
/// `source.rs`.
pub fn boundary_violations(
    package: &str,
    allowed_in: &[&str],
    allowed_cli: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    for (c, d) in all_deps() {
        if allowed_in.contains(&c.name.as_str()) {
            continue;
        }
        let packages: Vec<&str> = if package == "http" {
            HTTP_CRATES
                .iter()
                .copied()
                .filter(|p| !(c.name == "gongkai" && allowed_cli.contains(p)))
                .collect()
        } else {
            vec![package]
        };
        for dep in uses(&d, &packages) {
            out.push(format!(
                "{}: {} depends on {} in [{}]",
                dep.at, c.name, dep.package, dep.table
            ));
        }
    }
    out
}

/// The domain crate's forbidden dependencies (not counting dev-dependencies: tests may use
/// proptest and the like).
pub fn domain_dep_violations() -> Vec<String> {
    let mut forbidden: Vec<&str> = NOT_IN_DOMAIN.to_vec();
    forbidden.extend(HTTP_CRATES);
    all_deps()
        .into_iter()
        .filter(|(c, _)| c.name == "gongkai-domain")
        .flat_map(|(_, d)| {
            uses(&d, &forbidden)
                .filter(|d| !d.is_dev())
                .map(|d| {
                    format!(
                        "{}: the domain depends on {} in [{}]",
                        d.at, d.package, d.table
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_dependency_rules_catch_planted_violations() {
    let ws: toml::Table = toml::from_str(
        "[workspace.dependencies]\ngongkai-web = { path = \"crates/web\" }\nhttpc = { version = \"1\", package = \"reqwest\" }\n",
    )
    .unwrap_or_default();
    let text = "[package]\nname = \"gongkai-db\"\n\n[dependencies]\ngongkai-domain.workspace = true\ngongkai-web.workspace = true\nhttpc.workspace = true\n\n[dev-dependencies]\ngongkai-export = { path = \"../export\" }\n";
    let manifest: toml::Table = toml::from_str(text).unwrap_or_default();
    let d = deps("crates/db/Cargo.toml", text, &manifest, &ws);
    assert_eq!(d.len(), 4, "{d:?}");
    assert!(
        d.iter()
            .any(|d| d.package == "reqwest" && d.at.ends_with(":7")),
        "{d:?}"
    );
    let names: Vec<String> = [
        "gongkai-domain",
        "gongkai-db",
        "gongkai-web",
        "gongkai-export",
    ]
    .map(String::from)
    .to_vec();
    let v = back_edges("gongkai-db", &d, &names);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v[0].starts_with(
            "crates/db/Cargo.toml:6: gongkai-db (layer 2) depends on gongkai-web (layer 3)"
        ),
        "{v:?}"
    );
    assert!(
        v[1].contains("gongkai-export (layer 2) in [dev-dependencies]"),
        "{v:?}"
    );
    assert_eq!(back_edges("gongkai-new", &[], &names).len(), 1);
    assert_eq!(uses(&d, HTTP_CRATES).count(), 1);
}
