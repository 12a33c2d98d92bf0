//! The library's top-level modules form layers: each may use only the modules
//! before it in [`LAYERS`], so the module graph has no cycle. The check reads
//! `src/` as text: `crate::name` paths (grouped `crate::{a, b}` ones too),
//! leaving out test code (`#[cfg(test)]` modules and files).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Lowest first. Read as: `routes` may use everything above it, `db` may not
/// use `routes`.
const LAYERS: &[&str] = &[
    "config",
    "error",
    "telemetry",
    "tenant",
    "domain",
    "odata",
    "db",
    "metrics",
    "outbound",
    "rate_limit",
    "auth",
    "wire",
    "middleware",
    "state",
    "openapi",
    "purge",
    "engine",
    "seed",
    "import",
    "shutdown",
    "routes",
    "app",
];

fn source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The files of a top-level module: `src/name.rs` and everything in `src/name/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = source().join(format!("{module}.rs"));
    if file.exists() {
        files.push(file);
    }
    let mut folders = vec![source().join(module)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The names of modules declared `#[cfg(test)] mod name;` in `text`.
fn test_only_files(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|pair| pair[0] == "#[cfg(test)]")
        .filter_map(|pair| pair[1].strip_prefix("mod ")?.strip_suffix(';'))
        .map(str::to_owned)
        .collect()
}

/// `text` without its inline test module, which by convention ends the file.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// The top-level modules `text` names through `crate::`.
fn used_modules(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .collect(),
            None => vec![rest],
        };
        for name in names {
            let name: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn each_module_uses_only_the_layers_below_it() {
    let declared: BTreeSet<String> = std::fs::read_to_string(source().join("lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
        .map(str::to_owned)
        .collect();
    let layered: BTreeSet<String> = LAYERS.iter().map(|name| (*name).to_owned()).collect();
    assert_eq!(
        declared, layered,
        "every module of lib.rs has one place in LAYERS"
    );

    let mut violations = Vec::new();
    for (position, module) in LAYERS.iter().enumerate() {
        let files = files_of(module);
        let skipped: Vec<String> = files
            .iter()
            .flat_map(|file| test_only_files(&std::fs::read_to_string(file).unwrap()))
            .collect();
        for file in &files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            if skipped.contains(&stem) {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            for used in used_modules(without_tests(&text)) {
                let allowed = LAYERS[..position].contains(&used.as_str()) || used == *module;
                if !allowed && layered.contains(&used) {
                    violations.push(format!(
                        "{} uses crate::{used}",
                        file.strip_prefix(source()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "modules that use a module at or above their layer:\n{}",
        violations.join("\n")
    );
}
