//! libsource_jsonl_rust.so: the example connector in Rust (std only).
//!
//! Every NAME.jsonl file of a folder is a schema NAME; each line is one row
//! (a JSON object with an "id").  Rows go to the host a page at a time
//! (page_rows lines) and the resume state {"line": N} is saved after each
//! page.  The same connector is in examples/c and examples/cpp.  The
//! connector is safe Rust over the hand-written bindings in dwsdk.rs.
mod dwsdk;

use dwsdk::{Ctx, Exported, Field, RawCtx, RunInputs, Source, Status};
use std::ffi::c_char;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The schema a file is: NAME for NAME.jsonl with a plain name, else None.
fn schema_of(file: &Path) -> Option<String> {
    let stem = file.file_name()?.to_str()?.strip_suffix(".jsonl")?;
    let plain = !stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then(|| stem.to_owned())
}

fn list_schemas(ctx: &Ctx) -> Result<(), Status> {
    // The schemas are the files of the folder: nothing to list without a config.
    let dir = ctx.config_str("path").ok_or(Status::NEEDS_CONFIG)?;
    let entries = fs::read_dir(&dir)
        .map_err(|e| ctx.fail(Status::CONFIG, &format!("cannot list the folder {dir}: {e}")))?;
    let mut names: Vec<String> = entries.filter_map(|e| schema_of(&e.ok()?.path())).collect();
    names.sort();
    names.iter().try_for_each(|name| ctx.add_schema(name, &["id"]))
}

fn check(ctx: &Ctx, schema: Option<&str>) -> Result<(), Status> {
    let dir = ctx.config_str("path").unwrap_or_default();
    let (what, result) = match schema {
        Some(s) => {
            let file = format!("{dir}/{s}.jsonl");
            let r = fs::File::open(&file).map(drop);
            (file, r)
        }
        None => (dir.clone(), fs::read_dir(&dir).map(drop)),
    };
    result.map_err(|e| ctx.fail(Status::CONFIG, &format!("cannot read {what}: {e}; set path to a readable folder")))?;
    ctx.log_info(&format!("{what} is readable"));
    Ok(())
}

fn run(ctx: &Ctx, inputs: &RunInputs, schema: &str) -> Result<(), Status> {
    let page_rows = match ctx.config_int("page_rows") {
        Ok(None) => 100,
        Ok(Some(n)) if (1..=100_000).contains(&n) => n as usize,
        _ => return Err(ctx.fail(Status::CONFIG, "page_rows must be a number from 1 to 100000")),
    };
    let file = format!("{}/{schema}.jsonl", ctx.config_str("path").unwrap_or_default());
    let reader = fs::File::open(&file)
        .map(BufReader::new)
        .map_err(|e| ctx.fail(Status::NOT_FOUND, &format!("cannot open {file}: {e}")))?;
    let start: u64 = ctx
        .saved_state(inputs)
        .and_then(|state| state.get_text("line"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut page: Vec<String> = Vec::with_capacity(page_rows);
    let mut lineno = 0u64;
    // Emits the page as one JSON array and saves where it ends.
    let flush = |page: &mut Vec<String>, next_line: u64| -> Result<(), Status> {
        if page.is_empty() {
            return Ok(());
        }
        ctx.emit_page(&format!("[{}]", page.join(",")))?;
        page.clear();
        ctx.save_state(&format!("{{\"line\":{next_line}}}"))
    };
    for line in reader.lines() {
        let line = line.map_err(|e| ctx.fail(Status::ERR, &format!("cannot read {file}: {e}")))?;
        lineno += 1;
        if lineno <= start || line.is_empty() {
            continue;
        }
        page.push(line);
        if page.len() == page_rows {
            flush(&mut page, lineno)?;
        }
    }
    flush(&mut page, lineno)
}

// ---- the C entry points and the descriptor ------------------------------

unsafe extern "C" fn list_schemas_c(ctx: *mut RawCtx) -> Status {
    dwsdk::callback(ctx, list_schemas)
}

unsafe extern "C" fn check_c(ctx: *mut RawCtx, schema: *const c_char) -> Status {
    let schema = (!schema.is_null()).then(|| dwsdk::arg(schema));
    dwsdk::callback(ctx, |c| check(c, schema))
}

unsafe extern "C" fn run_c(ctx: *mut RawCtx, inputs: *const dwsdk::RunInputs) -> Status {
    let inputs = &*inputs;
    let schema = dwsdk::arg(inputs.schema_name);
    dwsdk::callback(ctx, |c| run(c, inputs, schema))
}

static FIELDS: Exported<[Field; 2]> = Exported([
    Field {
        required: 1,
        placeholder: c"/srv/exports".as_ptr(),
        caption: c"Every NAME.jsonl file in it is a schema NAME.".as_ptr(),
        ..Field::input(c"path", c"Folder", dwsdk::INPUT_TEXT)
    },
    Field {
        default_value: c"100".as_ptr(),
        caption: c"Rows between two saved resume points.".as_ptr(),
        ..Field::input(c"page_rows", c"Rows per page", dwsdk::INPUT_NUMBER)
    },
]);

#[no_mangle]
#[allow(non_upper_case_globals)]
pub static dwhost_source: Exported<Source> = Exported(Source {
    name: c"jsonl_rust".as_ptr(),
    label: c"JSON Lines (Rust example)".as_ptr(),
    caption: c"Every NAME.jsonl file of a folder is a schema; each line is a row with an id.".as_ptr(),
    docs_url: c"https://jsonlines.org/".as_ptr(),
    icon_path: c"/static/services/jsonl.svg".as_ptr(),
    category: c"Files".as_ptr(),
    comm_method: dwsdk::COMM_LOCAL_FILES,
    version: c"1.0.0".as_ptr(),
    capabilities: dwsdk::CAP_RESUMABLE,
    fields: FIELDS.0.as_ptr(),
    n_fields: FIELDS.0.len() as u32,
    init: Some(dwsdk::init),
    list_schemas: Some(list_schemas_c),
    check_credentials: Some(check_c),
    run: Some(run_c),
    ..dwsdk::source_header()
});
