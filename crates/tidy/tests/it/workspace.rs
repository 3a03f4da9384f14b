//! The workspace as files: its crates (from `crates/*/Cargo.toml`) and their Rust sources.

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("workspace root above {}: {e}", here.display()))
}

pub struct Crate {
    /// The package name (`gongkai-db`).
    pub name: String,
    /// The directory under `crates/` (`db`).
    pub dir: String,
    pub manifest: toml::Table,
}

/// Every crate under `crates/`, sorted by directory. Fails when there are suspiciously few (a
/// rule that reads no file would pass for the wrong reason).
pub fn crates() -> Vec<Crate> {
    let base = root().join("crates");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&base).unwrap_or_else(|e| panic!("{}: {e}", base.display()));
    for entry in entries.flatten() {
        let path = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let manifest: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or_else(|| panic!("{}: no package.name", path.display()))
            .to_string();
        out.push(Crate {
            name,
            dir: entry.file_name().to_string_lossy().into_owned(),
            manifest,
        });
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    assert!(
        out.len() >= 6 && out.iter().any(|c| c.name == "gongkai-domain"),
        "the workspace's crates were not found under {}",
        base.display()
    );
    out
}

/// The root `Cargo.toml`.
pub fn root_manifest() -> toml::Table {
    let path = root().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub struct Source {
    /// Relative to the workspace root, with `/` (`crates/db/src/pool.rs`).
    pub path: String,
    pub text: String,
}

impl Source {
    /// Under `crates/<dir>/src/` (not `tests/`, `benches/`, `examples/`, `build.rs`).
    pub fn in_src(&self) -> bool {
        self.path.split('/').nth(2) == Some("src")
    }
}

/// Every file under `crates/<dir>` whose name ends with `ext`, sorted.
pub fn files(dir: &str, ext: &str) -> Vec<Source> {
    let root = root();
    let mut paths = Vec::new();
    walk(&root.join("crates").join(dir), ext, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let rel = p.strip_prefix(&root).unwrap_or(&p);
            Source {
                path: rel.to_string_lossy().replace('\\', "/"),
                text,
            }
        })
        .collect()
}

fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "target" {
                walk(&path, ext, out);
            }
        } else if path.to_string_lossy().ends_with(ext) {
            out.push(path);
        }
    }
}
