//! The public transparency-dev/merkle test vectors (Apache-2.0, see tests/vectors/LICENSE):
//! every inclusion and consistency case, including the ones that must fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use amanat_protocol::log::merkle::{verify_consistency, verify_inclusion};
use base64::Engine;
use serde_json::Value;

fn b64(v: &Value) -> Vec<u8> {
    match v.as_str() {
        Some(s) => base64::engine::general_purpose::STANDARD.decode(s).unwrap(),
        None => Vec::new(),
    }
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(b64).collect())
        .unwrap_or_default()
}

fn cases(dir: &str) -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(dir);
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out: Vec<(String, Value)> = files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
        .map(|f| {
            let v = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
            (f.strip_prefix(&root).unwrap().display().to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn inclusion_vectors() {
    let all = cases("inclusion");
    assert!(all.len() > 60, "only {} inclusion vectors found", all.len());
    for (name, v) in all {
        let got = verify_inclusion(
            v["leafIdx"].as_u64().unwrap(),
            v["treeSize"].as_u64().unwrap(),
            &b64(&v["leafHash"]),
            &proof(&v["proof"]),
            &b64(&v["root"]),
        );
        assert_eq!(
            got.is_err(),
            v["wantErr"].as_bool().unwrap(),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn consistency_vectors() {
    let all = cases("consistency");
    assert!(
        all.len() > 60,
        "only {} consistency vectors found",
        all.len()
    );
    for (name, v) in all {
        let got = verify_consistency(
            v["size1"].as_u64().unwrap(),
            v["size2"].as_u64().unwrap(),
            &proof(&v["proof"]),
            &b64(&v["root1"]),
            &b64(&v["root2"]),
        );
        assert_eq!(
            got.is_err(),
            v["wantErr"].as_bool().unwrap(),
            "{name}: {got:?}"
        );
    }
}
