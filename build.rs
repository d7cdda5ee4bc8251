//! Embeds the files under `config/dictionaries` and `config/sentiment` into the binary, so
//! `parleywire demo` and `enrich` work from any directory. Files on disk still win at run
//! time (`--dictionaries DIR`), so users extend dictionaries without recompiling.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if path
            .file_name()
            .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path.canonicalize().unwrap()));
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("config");
    let mut files = Vec::new();
    for sub in ["dictionaries", "sentiment"] {
        collect(&root.join(sub), &root, &mut files);
    }
    files.sort();
    let mut code = String::from("/// Dictionary files compiled into the binary: (path under config/, contents).\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_dictionaries.rs");
    std::fs::write(out, code).unwrap();
    println!("cargo:rerun-if-changed=config/dictionaries");
    println!("cargo:rerun-if-changed=config/sentiment");
    for (_, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
    }
}
