// A Rust std cdylib for plugin-audit's runtime attribution (test_audit_runtime.py).
// Built with rustc directly: plain, --cfg own_syscall (the plugin's own code
// calls syscall) and --cfg own_init (the plugin's own DT_INIT_ARRAY entry).
use std::sync::Mutex;

static SEEN: Mutex<Vec<u8>> = Mutex::new(Vec::new());

// std's Mutex: its contended path waits on a futex through syscall().
#[no_mangle]
pub extern "C" fn rt_touch(b: u8) -> usize {
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    seen.push(b);
    seen.len()
}

#[cfg(own_syscall)]
extern "C" {
    fn syscall(n: i64, ...) -> i64;
}

#[cfg(own_syscall)]
#[no_mangle]
pub extern "C" fn rt_getpid() -> i64 {
    unsafe { syscall(39) }
}

#[cfg(own_init)]
extern "C" fn rt_warm_up() {}

#[cfg(own_init)]
#[used]
#[link_section = ".init_array"]
static RT_WARM_UP: extern "C" fn() = rt_warm_up;
