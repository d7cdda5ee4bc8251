//! Reading dictionary files for the core: from a folder on disk, or the copy embedded
//! at build time. This is the only place dictionary files touch the file system.

use std::path::Path;

use anyhow::Context as _;

use crate::enrich::DictionarySources;

include!(concat!(env!("OUT_DIR"), "/embedded_dictionaries.rs"));

/// The dictionaries compiled into this binary (the repository's `config/` at build time).
pub fn embedded() -> DictionarySources {
    let mut sources = DictionarySources::default();
    for (name, body) in EMBEDDED {
        sources
            .files
            .insert((*name).to_string(), (*body).to_string());
    }
    sources
}

/// Read `dictionaries/` and `sentiment/` under `config_dir`. Files there replace the
/// embedded ones of the same name; embedded files the folder lacks are kept, so a user
/// folder may hold only the files it changes or adds.
pub fn load(config_dir: &Path) -> anyhow::Result<DictionarySources> {
    let mut sources = embedded();
    for sub in ["dictionaries", "sentiment"] {
        let dir = config_dir.join(sub);
        if !dir.is_dir() {
            continue;
        }
        read_tree(&dir, config_dir, &mut sources)?;
    }
    Ok(sources)
}

fn read_tree(dir: &Path, base: &Path, sources: &mut DictionarySources) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading dictionary folder {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            read_tree(&path, base, sources)?;
            continue;
        }
        let rel = path
            .strip_prefix(base)
            .expect("walked below base")
            .to_string_lossy()
            .replace('\\', "/");
        let body = std::fs::read_to_string(&path)
            .with_context(|| format!("reading dictionary file {}", path.display()))?;
        sources.files.insert(rel, body);
    }
    Ok(())
}
