//! dwsdk.h in Rust, written by hand: the raw `#[repr(C)]` structs (the
//! members this example uses typed, the others as opaque pointers of the
//! same size) and a safe layer over them -- `Ctx` for one operation,
//! `Json` for a parsed value, `Status` for dw_status -- plus `callback`,
//! which turns a panic into a failed operation instead of an abort.
//! Written for ABI 1.8 (build.rs checks the installed header).
#![allow(dead_code)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

pub const MAGIC: u32 = 0x3148_5744;
pub const ABI_MAJOR: u16 = 1;
pub const ABI_MINOR: u16 = 8;

/// dw_status: DW_OK or an error code.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status(pub c_int);

impl Status {
    pub const OK: Status = Status(0);
    pub const ERR: Status = Status(1);
    pub const CONFIG: Status = Status(2);
    pub const NOT_FOUND: Status = Status(6);
    pub const NEEDS_CONFIG: Status = Status(14);
}

pub const LOG_INFO: c_int = 20;
pub const FIELD_INPUT: u32 = 1;
pub const INPUT_TEXT: u32 = 1;
pub const INPUT_NUMBER: u32 = 7;
pub const COMM_LOCAL_FILES: u32 = 5;
pub const CAP_RESUMABLE: u32 = 0x1;

pub enum RawCtx {}
pub enum RawJson {}
type Cstr = *const c_char;
type Unused = *const c_void; // a member this example never calls (same size as any pointer)

#[repr(C)]
pub struct Field {
    pub kind: u32,
    pub name: Cstr,
    pub label: Cstr,
    pub caption: Cstr,
    pub required: i32,
    pub input_type: u32,
    pub placeholder: Cstr,
    pub secret: i32,
    pub default_value: Cstr,
    pub default_on: i32,
    pub fields: *const Field,
    pub n_fields: u32,
    pub options: Unused,
    pub n_options: u32,
    pub multiple: i32,
    pub converter: u32,
    pub oauth_kind: Cstr,
    pub required_scopes: Cstr,
    pub integration_field: Cstr,
    pub integration_kind: Cstr,
    pub file_format: Cstr,
    pub file_keys: *const Cstr,
    pub options_action: Cstr, // 1.8
}

impl Field {
    /// An INPUT field with every other member zero.
    pub const fn input(name: &'static CStr, label: &'static CStr, input_type: u32) -> Field {
        let null = std::ptr::null();
        Field {
            kind: FIELD_INPUT, name: name.as_ptr(), label: label.as_ptr(), caption: null, required: 0, input_type,
            placeholder: null, secret: 0, default_value: null, default_on: 0, fields: std::ptr::null(), n_fields: 0,
            options: null as Unused, n_options: 0, multiple: 0, converter: 0, oauth_kind: null,
            required_scopes: null, integration_field: null, integration_kind: null, file_format: null,
            file_keys: std::ptr::null(), options_action: null,
        }
    }
}

#[repr(C)]
pub struct Schema {
    pub struct_size: u32,
    pub name: Cstr,
    pub label: Cstr,
    pub description: Cstr,
    pub supports_incremental: i32,
    pub supports_append: i32,
    pub supports_webhooks: i32,
    pub webhook_only: i32,
    pub should_sync_default: i32,
    pub incremental_fields: Unused,
    pub n_incremental_fields: u32,
    pub primary_keys: *const Cstr,
    pub sort_mode: u32,
    pub partition_mode: u32,
    pub partition_count: u32,
    pub partition_size: i64,
    pub partition_format: u32,
    pub partition_keys: *const Cstr,
    pub row_count: i64,
    pub default_incremental_lookback_seconds: i64,
    pub has_duplicate_primary_keys: i32, // 1.4
}

#[repr(C)]
pub struct RunInputs {
    pub struct_size: u32,
    pub schema_name: Cstr,
    pub schema_id: Cstr,
    pub source_id: Cstr,
    pub team_id: Cstr,
    pub job_id: Cstr,
    pub reset_pipeline: i32,
    pub use_incremental: i32,
    pub incremental_field: Cstr,
    pub incremental_field_type: u32,
    pub incremental_last_value: Cstr,
    pub incremental_earliest_value: Cstr,
}

/// dw_host_api up to 1.8, in declaration order.
#[repr(C)]
pub struct HostApi {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    log: Unused,  // variadic: use log_text
    fail: Unused, // variadic: use fail_text
    cancelled: Unused,
    config_json: Unused,
    config_string: unsafe extern "C" fn(*mut RawCtx, Cstr) -> Cstr,
    config_int: unsafe extern "C" fn(*mut RawCtx, Cstr, *mut i64) -> c_int,
    config_double: Unused,
    config_bool: Unused,
    config_array_len: Unused,
    schema_add: unsafe extern "C" fn(*mut RawCtx, *const Schema) -> Status,
    emit_json: Unused,
    row_new: Unused,
    row_set_string: Unused,
    row_set_int: Unused,
    row_set_double: Unused,
    row_set_bool: Unused,
    row_set_null: Unused,
    row_set_json: Unused,
    row_emit: Unused,
    row_discard: Unused,
    free: Unused,
    // 1.1
    state_can_resume: unsafe extern "C" fn(*mut RawCtx) -> c_int,
    state_load: unsafe extern "C" fn(*mut RawCtx) -> Cstr,
    state_save: unsafe extern "C" fn(*mut RawCtx, Cstr) -> Status,
    // 1.2
    http_request: Unused,
    http_status: Unused,
    http_body: Unused,
    http_header: Unused,
    http_free: Unused,
    url_build: Unused,
    secret_add: Unused,
    json_parse: unsafe extern "C" fn(*mut RawCtx, Cstr, usize) -> *mut RawJson,
    json_get: unsafe extern "C" fn(*const RawJson, Cstr) -> *mut RawJson,
    json_array_len: Unused,
    json_index: Unused,
    json_string: unsafe extern "C" fn(*const RawJson) -> Cstr,
    json_text: Unused,
    json_free: unsafe extern "C" fn(*mut RawJson),
    emit_value: Unused,
    rest_run: Unused,
    rest_schema_add: Unused,
    // 1.3
    plugin_data: Unused,
    // 1.7
    emit_page: unsafe extern "C" fn(*mut RawCtx, Cstr, usize, Cstr) -> Status,
    // 1.8
    action_result: Unused,
    log_text: unsafe extern "C" fn(*mut RawCtx, c_int, Cstr),
    fail_text: unsafe extern "C" fn(*mut RawCtx, Status, Cstr) -> Status,
}

// The host's table is immutable and shared by all operations, on any thread.
unsafe impl Sync for HostApi {}

pub type InitFn = unsafe extern "C" fn(*const HostApi, *mut *mut c_void) -> Status;
pub type CtxFn = unsafe extern "C" fn(*mut RawCtx) -> Status;
pub type CheckFn = unsafe extern "C" fn(*mut RawCtx, Cstr) -> Status;
pub type RunFn = unsafe extern "C" fn(*mut RawCtx, *const RunInputs) -> Status;

/// dw_source, the descriptor exported as `dwhost_source`.
#[repr(C)]
pub struct Source {
    pub magic: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub struct_size: u32,
    pub field_size: u16,
    pub option_size: u16,
    pub name: Cstr,
    pub label: Cstr,
    pub caption: Cstr,
    pub docs_url: Cstr,
    pub icon_path: Cstr,
    pub category: Cstr,
    pub keywords: *const Cstr,
    pub release_status: u32,
    pub feature_flag: Cstr,
    pub unreleased: i32,
    pub comm_method: u32,
    pub primary_library: Cstr,
    pub version: Cstr,
    pub capabilities: u32,
    pub fields: *const Field,
    pub n_fields: u32,
    pub non_retryable_errors: Unused,
    pub n_non_retryable_errors: u32,
    pub webhook_resources: Unused,
    pub n_webhook_resources: u32,
    pub init: Option<InitFn>,
    pub fini: Option<unsafe extern "C" fn(*mut c_void)>,
    pub list_schemas: Option<CtxFn>,
    pub check_credentials: Option<CheckFn>,
    pub run: Option<RunFn>,
    pub webhook_transform: Unused,
    pub actions: Unused, // 1.8
    pub n_actions: u32,
    pub action_size: u32,
}

// The sizes dwsdk.h 1.8 has on LP64 targets: a member added or mistyped above fails the build.
const _: () = assert!(std::mem::size_of::<Source>() == 232 && std::mem::size_of::<Field>() == 168);
const _: () = assert!(std::mem::size_of::<Schema>() == 144 && std::mem::size_of::<RunInputs>() == 88);
const _: () = assert!(std::mem::size_of::<HostApi>() == 376);

/// DW_SOURCE_HEADER: the ABI header of a descriptor; the rest zero (set it
/// with struct update syntax).
pub const fn source_header() -> Source {
    let null = std::ptr::null();
    Source {
        magic: MAGIC, abi_major: ABI_MAJOR, abi_minor: ABI_MINOR, struct_size: std::mem::size_of::<Source>() as u32,
        field_size: std::mem::size_of::<Field>() as u16, option_size: 32, name: null, label: null, caption: null,
        docs_url: null, icon_path: null, category: null, keywords: std::ptr::null(), release_status: 0,
        feature_flag: null, unreleased: 0, comm_method: 0, primary_library: null, version: null, capabilities: 0,
        fields: std::ptr::null(), n_fields: 0, non_retryable_errors: null as Unused, n_non_retryable_errors: 0,
        webhook_resources: null as Unused, n_webhook_resources: 0, init: None, fini: None, list_schemas: None,
        check_credentials: None, run: None, webhook_transform: null as Unused, actions: null as Unused,
        n_actions: 0, action_size: 40,
    }
}

/// Plain data shared read-only by every thread: the descriptor and the
/// arrays it points at (raw pointers are not Sync by themselves).
#[repr(transparent)]
pub struct Exported<T>(pub T);
unsafe impl<T> Sync for Exported<T> {}

static API: OnceLock<&'static HostApi> = OnceLock::new();

/// The `init` of the descriptor: keeps the host's table (it outlives the plugin).
pub unsafe extern "C" fn init(api: *const HostApi, _data: *mut *mut c_void) -> Status {
    match api.as_ref() {
        Some(a) if a.abi_major == ABI_MAJOR && a.struct_size as usize >= std::mem::size_of::<HostApi>() => {
            let _ = API.set(a);
            Status::OK
        }
        _ => Status::ERR,
    }
}

fn api() -> &'static HostApi {
    API.get().expect("init() ran before any operation")
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).expect("no NUL left")
}

/// A host-owned string as a Rust string (None for NULL).
unsafe fn text<'a>(p: Cstr) -> Option<&'a str> {
    if p.is_null() { None } else { CStr::from_ptr(p).to_str().ok() }
}

/// One operation (dw_ctx).  Errors are recorded on it as `fail` does.
pub struct Ctx(*mut RawCtx);

impl Ctx {
    pub fn log_info(&self, message: &str) {
        let m = cstring(message);
        unsafe { (api().log_text)(self.0, LOG_INFO, m.as_ptr()) }
    }

    /// Records the operation's error and returns `code`, as api->fail_text.
    pub fn fail(&self, code: Status, message: &str) -> Status {
        let m = cstring(message);
        unsafe { (api().fail_text)(self.0, code, m.as_ptr()) }
    }

    pub fn config_str(&self, path: &str) -> Option<String> {
        let p = cstring(path);
        unsafe { text((api().config_string)(self.0, p.as_ptr())).map(str::to_owned) }
    }

    /// Ok(None) when absent, Err(()) when present with another type.
    pub fn config_int(&self, path: &str) -> Result<Option<i64>, ()> {
        let p = cstring(path);
        let mut v = 0i64;
        match unsafe { (api().config_int)(self.0, p.as_ptr(), &mut v) } {
            1 => Ok(Some(v)),
            0 => Ok(None),
            _ => Err(()),
        }
    }

    pub fn add_schema(&self, name: &str, primary_keys: &[&str]) -> Result<(), Status> {
        let name = cstring(name);
        let keys: Vec<CString> = primary_keys.iter().map(|k| cstring(k)).collect();
        let mut key_ptrs: Vec<Cstr> = keys.iter().map(|k| k.as_ptr()).collect();
        key_ptrs.push(std::ptr::null());
        let null = std::ptr::null();
        let s = Schema {
            struct_size: std::mem::size_of::<Schema>() as u32, name: name.as_ptr(), label: null,
            description: null, supports_incremental: 0, supports_append: 0, supports_webhooks: 0, webhook_only: 0,
            should_sync_default: 1, incremental_fields: null as Unused, n_incremental_fields: 0,
            primary_keys: key_ptrs.as_ptr(), sort_mode: 0, partition_mode: 0, partition_count: 0,
            partition_size: 0, partition_format: 0, partition_keys: std::ptr::null(), row_count: -1,
            default_incremental_lookback_seconds: 0, has_duplicate_primary_keys: 0,
        };
        ok(unsafe { (api().schema_add)(self.0, &s) })
    }

    /// Emits every row of `json` (an array of objects, one object or null).
    pub fn emit_page(&self, json: &str) -> Result<(), Status> {
        ok(unsafe { (api().emit_page)(self.0, json.as_ptr().cast(), json.len(), c"".as_ptr()) })
    }

    /// The saved resume state, unless there is none or the run was reset.
    pub fn saved_state(&self, inputs: &RunInputs) -> Option<Json> {
        if inputs.reset_pipeline != 0 || unsafe { (api().state_can_resume)(self.0) } == 0 {
            return None;
        }
        let text = unsafe { text((api().state_load)(self.0)) }?;
        self.parse(text)
    }

    pub fn save_state(&self, json: &str) -> Result<(), Status> {
        let j = cstring(json);
        ok(unsafe { (api().state_save)(self.0, j.as_ptr()) })
    }

    pub fn parse(&self, text: &str) -> Option<Json> {
        let root = unsafe { (api().json_parse)(self.0, text.as_ptr().cast(), text.len()) };
        (!root.is_null()).then_some(Json(root))
    }
}

fn ok(st: Status) -> Result<(), Status> {
    if st == Status::OK { Ok(()) } else { Err(st) }
}

/// A parsed JSON value owned by the plugin (freed on drop).
pub struct Json(*mut RawJson);

impl Json {
    /// The scalar at a dotted path as text (strings unquoted, numbers as written).
    pub fn get_text(&self, path: &str) -> Option<String> {
        let p = cstring(path);
        unsafe {
            let v = (api().json_get)(self.0, p.as_ptr());
            if v.is_null() { None } else { text((api().json_string)(v)).map(str::to_owned) }
        }
    }
}

impl Drop for Json {
    fn drop(&mut self) {
        unsafe { (api().json_free)(self.0) }
    }
}

/// Runs one operation's body: Err(status) is returned as is (record the
/// message with Ctx::fail first), a panic fails the operation with its
/// message instead of aborting the host.
pub fn callback(ctx: *mut RawCtx, body: impl FnOnce(&Ctx) -> Result<(), Status>) -> Status {
    let c = Ctx(ctx);
    match catch_unwind(AssertUnwindSafe(|| body(&c))) {
        Ok(Ok(())) => Status::OK,
        Ok(Err(st)) => st,
        Err(panic) => {
            let what = panic.downcast_ref::<&str>().map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            c.fail(Status::ERR, &format!("the plugin panicked: {what}"))
        }
    }
}

/// A host string argument (schema name...) as &str; "" for NULL.
pub unsafe fn arg<'a>(p: Cstr) -> &'a str {
    text(p).unwrap_or("")
}
