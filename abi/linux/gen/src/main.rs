//! `cargo run -p syscall-gen` rewrites the generated syscall files;
//! `cargo run -p syscall-gen -- --check` only reports the stale ones (exit status 1).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{fs, io};

use syscall_gen::{Output, STATUS_PATH, TBL_PATH, generate};

const USAGE: &str = "usage: syscall-gen [--check]";

enum Mode {
    Write,
    Check,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.as_slice() {
        [] => Mode::Write,
        [flag] if flag == "--check" => Mode::Check,
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&mode) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("syscall-gen: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// This crate lives at `<root>/abi/linux/gen`, so the workspace root is three levels up;
/// going through the manifest directory makes the tool work from any current directory.
fn workspace_root() -> Result<PathBuf, String> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot locate the workspace root".to_owned())
}

fn read(root: &Path, rel: &str) -> Result<String, String> {
    fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
}

fn run(mode: &Mode) -> Result<ExitCode, String> {
    let root = workspace_root()?;
    let tbl = read(&root, TBL_PATH)?;
    let status = read(&root, STATUS_PATH)?;
    let outputs = generate(&tbl, &status).map_err(|e| e.to_string())?;

    let mut stale = 0;
    for Output { path, contents } in &outputs {
        let target = root.join(path);
        let current = match fs::read_to_string(&target) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {path}: {e}")),
        };
        if current.as_deref() == Some(contents.as_str()) {
            continue;
        }
        match mode {
            Mode::Check => {
                eprintln!("{path} is stale: run scripts/gen-syscalls");
                stale += 1;
            }
            Mode::Write => {
                if let Some(dir) = target.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| format!("cannot create the directory of {path}: {e}"))?;
                }
                fs::write(&target, contents).map_err(|e| format!("cannot write {path}: {e}"))?;
                println!("wrote {path}");
            }
        }
    }
    Ok(if stale == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
