#!/usr/bin/env python3
"""DW_TARGET_ABI_MINOR hides what is newer than the target: with the
current sdk/dwsdk.h, code using a member introduced in 1.m compiles when
targeting 1.m and fails naming the member when targeting 1.(m-1); the
descriptor declares the target (DW_SOURCE_HEADER in C, dw_source_header()
in C++17 without warnings); a target past the header's minor is an
#error that says so.
usage: test_target_abi.py CC CXX SDK_INCLUDE_DIR SCRATCH_DIR"""
import os
import subprocess
import sys

cc, cxx, sdk, scratch = sys.argv[1:5]
os.makedirs(scratch, exist_ok=True)
failures = []

# (minor that introduced it, code using it, the name the compiler must report)
USES = [
    (1, "int f(const dw_host_api *a, dw_ctx *c) { return a->state_save(c, \"{}\"); }", "state_save"),
    (2, "int f(const dw_host_api *a, dw_ctx *c) { return a->http_status(0) + (a->emit_json(c, \"{}\", 2) == 0); }",
     "http_status"),
    (3, "void *f(const dw_host_api *a, dw_ctx *c) { return a->plugin_data(c); }", "plugin_data"),
    (4, "dw_schema s = {.has_duplicate_primary_keys = 1};", "has_duplicate_primary_keys"),
    (5, "dw_paginator p = {.kind = DW_PAGINATE_AUTO};", "DW_PAGINATE_AUTO"),
    (5, "dw_endpoint e = {.n_response_actions = 0};", "n_response_actions"),
    (6, "dw_rest_client c = {.resume_scope = \"x\"};", "resume_scope"),
    (7, "int f(const dw_host_api *a) { return DW_API_HAS(a, emit_page); }", "emit_page"),
    (8, "dw_field f = {.options_action = \"x\"};", "options_action"),
    (8, "static const dw_action acts[1]; dw_source s = {DW_ACTIONS(acts)};", "DW_ACTIONS"),
    (9, "dw_source s = {.webhook_signature = DW_WEBHOOK_SIG_STRIPE};", "webhook_signature"),
    (9, "dw_source s = {.webhook_secret_field = \"secret\"};", "webhook_secret_field"),
]


def compile_c(name, text, lang="c"):
    path = os.path.join(scratch, name + (".c" if lang == "c" else ".cpp"))
    with open(path, "w") as f:
        f.write(text)
    cmd = ([cc, "-std=c11"] if lang == "c" else [cxx, "-std=c++17"]) + [
        "-Wall", "-Wextra", "-Werror", "-Wno-unused-variable", "-Wno-unused-function", "-I", sdk,
        "-c", path, "-o", path + ".o"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stderr


for i, (minor, code, what) in enumerate(USES):
    for target, should in ((minor, True), (minor - 1, False)):
        rc, err = compile_c("use%d_t%d" % (i, target), "#define DW_TARGET_ABI_MINOR %d\n#include <dwsdk.h>\n%s\n"
                            % (target, code))
        if should and rc != 0:
            failures.append("%s (1.%d) does not compile when targeting 1.%d:\n%s" % (what, minor, target, err))
        if not should and (rc == 0 or what not in err):
            failures.append("%s (1.%d) is visible when targeting 1.%d (rc %d):\n%s" % (what, minor, target, rc, err))

# The descriptor says the target; without one, the header's minor.
for target in (0, 5, 7, None):
    define = "" if target is None else "#define DW_TARGET_ABI_MINOR %d\n" % target
    want = "DW_ABI_MINOR" if target is None else str(target)
    exe = os.path.join(scratch, "hdr_%s" % target)
    with open(exe + ".c", "w") as f:
        f.write(define + "#include <dwsdk.h>\n#include <stdio.h>\n"
                "static const dw_source src = {DW_SOURCE_HEADER, .name = \"t\"};\n"
                "int main(void) { printf(\"%u %u\\n\", (unsigned)src.abi_minor, "
                "(unsigned)(src.struct_size == sizeof(dw_source))); return 0; }\n")
    p = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", sdk, exe + ".c", "-o", exe],
                       capture_output=True, text=True, timeout=120)
    out = subprocess.run([exe], capture_output=True, text=True, timeout=60).stdout if p.returncode == 0 else ""
    want_minor = str(target) if target is not None else None
    if p.returncode != 0 or (want_minor is not None and out != want_minor + " 1\n") or (
            want_minor is None and not out.endswith(" 1\n")):
        failures.append("DW_SOURCE_HEADER targeting %s: %s%s" % (target, out, p.stderr))
    rc, err = compile_c("cxx_%s" % target, define + "#include <dwsdk.h>\n"
                        "constexpr dw_source src() { dw_source s = dw_source_header(); s.name = \"t\"; return s; }\n"
                        "DW_DESCRIPTOR = src();\n"
                        "static_assert(src().abi_minor == %s, \"dw_source_header() declares the target\");\n"
                        "static_assert(src().struct_size == sizeof(dw_source), \"its own size\");\n" % want,
                        lang="c++")
    if rc != 0:
        failures.append("dw_source_header() targeting %s (C++17):\n%s" % (target, err))

rc, err = compile_c("too_new", "#define DW_TARGET_ABI_MINOR 99\n#include <dwsdk.h>\n")
if rc == 0 or "DW_TARGET_ABI_MINOR: target 0 to DW_ABI_MINOR" not in err:
    failures.append("a target past the header's minor: rc %d:\n%s" % (rc, err))

for f in failures:
    print("FAIL:", f, file=sys.stderr)
if failures:
    sys.exit(1)
print("ok: %d members hidden below their minor and visible from it" % len(USES))
