//! Checks the installed SDK header against the ABI src/dwsdk.rs was written
//! for: the same major, and a minor at least as new (a newer header still
//! serves a plugin that targets the older minor).  Nothing is generated.
//! The header is found through DWSDK_INCLUDE_DIR, else `pkg-config
//! --variable=includedir dwsdk`.
use std::{env, fs, path::PathBuf, process::Command};

const BINDINGS_MAJOR: u32 = 1;
const BINDINGS_MINOR: u32 = 8;

fn define(header: &str, name: &str) -> Option<u32> {
    header.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next() == Some("#define") && w.next() == Some(name)).then(|| w.next()?.parse().ok()).flatten()
    })
}

fn main() {
    println!("cargo:rerun-if-env-changed=DWSDK_INCLUDE_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let dir = env::var_os("DWSDK_INCLUDE_DIR").map(PathBuf::from).or_else(|| {
        let out = Command::new("pkg-config").args(["--variable=includedir", "dwsdk"]).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| PathBuf::from(text.trim()))
    });
    let Some(dir) = dir else {
        panic!("dwsdk.h not found: set DWSDK_INCLUDE_DIR to its folder or PKG_CONFIG_PATH to where dwsdk.pc is");
    };
    let header_path = dir.join("dwsdk.h");
    println!("cargo:rerun-if-changed={}", header_path.display());
    let header = fs::read_to_string(&header_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", header_path.display()));
    let (major, minor) = match (define(&header, "DW_ABI_MAJOR"), define(&header, "DW_ABI_MINOR")) {
        (Some(a), Some(b)) => (a, b),
        _ => panic!("{} defines no DW_ABI_MAJOR/DW_ABI_MINOR: not the dwhost SDK header", header_path.display()),
    };
    if major != BINDINGS_MAJOR || minor < BINDINGS_MINOR {
        panic!(
            "{} is ABI {major}.{minor}; src/dwsdk.rs is written for {BINDINGS_MAJOR}.{BINDINGS_MINOR}: \
             install a dwhost whose SDK is {BINDINGS_MAJOR}.{BINDINGS_MINOR} or newer",
            header_path.display()
        );
    }
}
