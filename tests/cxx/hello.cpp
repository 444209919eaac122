// hello.cpp -- a connector written in C++ against sdk/dwsdk.h, built as
// C++17 and as C++20 with -Wall -Wextra -Werror (no
// missing-field-initializers): the descriptor through DW_DESCRIPTOR (C
// linkage, default visibility) and constexpr builders, one schema, one
// action, and the non-variadic log_text/fail_text.
#include <cstring>
#include <string>

#include "dwsdk.h"

namespace {

const dw_host_api *api = nullptr;

dw_status init(const dw_host_api *a, void **) {
    api = a;
    return DW_OK;
}

const char *const id_key[] = {"id", nullptr};

dw_status list_schemas(dw_ctx *ctx) {
    dw_schema s{};
    s.struct_size = sizeof s;
    s.name = "greetings";
    s.label = "Greetings";
    s.primary_keys = id_key;
    s.should_sync_default = 1;
    s.row_count = -1;
    return api->schema_add(ctx, &s);
}

dw_status check(dw_ctx *ctx, const char *) {
    api->log_text(ctx, DW_LOG_INFO, "greets 100% of the time");
    return DW_OK;
}

dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    if (std::strcmp(in->schema_name, "greetings") != 0) return api->fail_text(ctx, DW_ERR_NOT_FOUND, "no such schema");
    const char *who = api->config_string(ctx, "who");
    std::string page = "[{\"id\":1,\"text\":\"hello\"},{\"id\":2,\"text\":\"hello " + std::string(who ? who : "world") +
                       "\"}]";
    return api->emit_page(ctx, page.data(), page.size(), "");
}

dw_status greet(dw_ctx *ctx, const char *name, int64_t times) {
    if (times < 1 || times > 10) return api->fail_text(ctx, DW_ERR_CONFIG, "times must be 1 to 10");
    std::string out = "[";
    for (int64_t i = 0; i < times; i++) out += std::string(i ? "," : "") + "\"hello " + name + "\"";
    out += "]";
    return api->action_result(ctx, out.data(), out.size());
}

constexpr dw_field input(const char *name, const char *label) {
    dw_field f{};
    f.kind = DW_FIELD_INPUT;
    f.name = name;
    f.label = label;
    f.input_type = DW_INPUT_TEXT;
    return f;
}

constexpr dw_action_arg arg(const char *name, uint32_t type, const char *default_value) {
    dw_action_arg a{};
    a.name = name;
    a.type = type;
    a.default_value = default_value;
    return a;
}

constexpr dw_field fields[] = {input("who", "Who to greet")};
constexpr dw_action_arg greet_args[] = {arg("name", DW_ARG_STRING, nullptr), arg("times", DW_ARG_INT64, "1")};

constexpr dw_action action(const char *name, const char *description, const dw_action_arg *args, uint32_t n,
                           dw_action_fn fn) {
    dw_action a{};
    a.name = name;
    a.description = description;
    a.args = args;
    a.n_args = n;
    a.fn = fn;
    return a;
}

// DW_ACTION_FN's cast is no constant expression in C++: this table is
// filled at load (before the host reads it); the descriptor itself stays
// constant-initialized, it only takes the table's address.
const dw_action actions[] = {
    action("greet", "greets name, times times", greet_args, DW_COUNT(greet_args), DW_ACTION_FN(greet))};

constexpr dw_source hello_source() {
    dw_source s = dw_source_header();
    s.name = HELLO_NAME;
    s.label = "Hello (C++)";
    s.icon_path = "/static/services/hello.png";
    s.version = "1.0.0";
    s.fields = fields;
    s.n_fields = DW_COUNT(fields);
    s.init = init;
    s.list_schemas = list_schemas;
    s.check_credentials = check;
    s.run = run;
    s.actions = actions;
    s.n_actions = DW_COUNT(actions);
    return s;
}

}  // namespace

DW_DESCRIPTOR = hello_source();
