// jsonl.cpp -> libsource_jsonl_cpp.so: the example connector in C++17.
//
// Every NAME.jsonl file of a folder is a schema NAME; each line is one row
// (a JSON object with an "id").  Rows go to the host a page at a time
// (page_rows lines) and the resume state {"line": N} is saved after each
// page.  The same connector is in examples/c and examples/rust.  The
// descriptor is built by constexpr functions (no missing-field-initializers
// under -Wextra) and exported through DW_DESCRIPTOR (C linkage).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <dwsdk.h>

namespace fs = std::filesystem;

namespace {

const dw_host_api *api = nullptr;

dw_status init(const dw_host_api *a, void **) {
    api = a;
    return DW_OK;
}

dw_status fail(dw_ctx *ctx, dw_status code, const std::string &message) {
    return api->fail_text(ctx, code, message.c_str());
}

// The schema a file is, or "" when it is none (not NAME.jsonl, odd name).
std::string schema_of(const fs::path &file) {
    if (file.extension() != ".jsonl") return "";
    std::string stem = file.stem().string();
    bool ok = !stem.empty() && std::all_of(stem.begin(), stem.end(), [](char c) {
        return c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
    return ok ? stem : "";
}

const char *const id_key[] = {"id", nullptr};

dw_status list_schemas(dw_ctx *ctx) {
    const char *dir = api->config_string(ctx, "path");
    if (!dir) return DW_ERR_NEEDS_CONFIG;  // the schemas are the files of the folder
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (std::string name = schema_of(it->path()); !name.empty()) names.push_back(name);
    if (ec) return fail(ctx, DW_ERR_CONFIG, "cannot list the folder " + std::string(dir) + ": " + ec.message());
    std::sort(names.begin(), names.end());
    for (const std::string &name : names) {
        dw_schema s{};
        s.struct_size = sizeof s;
        s.name = name.c_str();
        s.primary_keys = id_key;
        s.should_sync_default = 1;
        s.row_count = -1;
        if (dw_status st = api->schema_add(ctx, &s); st != DW_OK) return st;
    }
    return DW_OK;
}

dw_status check(dw_ctx *ctx, const char *schema) {
    std::string what = api->config_string(ctx, "path");
    std::error_code ec;
    if (schema) {
        what += "/" + std::string(schema) + ".jsonl";
        if (!std::ifstream(what)) ec = std::make_error_code(std::errc::no_such_file_or_directory);
    } else {
        fs::directory_iterator it(what, ec);
    }
    if (ec) return fail(ctx, DW_ERR_CONFIG, "cannot read " + what + ": " + ec.message() + "; set path to a readable folder");
    api->log_text(ctx, DW_LOG_INFO, (what + " is readable").c_str());
    return DW_OK;
}

// The line to start from: the saved state's, or 0.
long long resume_line(dw_ctx *ctx, const dw_run_inputs *in) {
    const char *saved = !in->reset_pipeline && api->state_can_resume(ctx) ? api->state_load(ctx) : nullptr;
    dw_json *state = saved ? api->json_parse(ctx, saved, std::char_traits<char>::length(saved)) : nullptr;
    const char *line = state ? api->json_string(api->json_get(state, "line")) : nullptr;
    long long n = line ? std::strtoll(line, nullptr, 10) : 0;
    api->json_free(state);
    return std::max(n, 0LL);
}

// Emits the rows of `page` (",row,row...") as a JSON array and saves where it ends.
dw_status flush(dw_ctx *ctx, std::string &page, long long next_line) {
    if (page.empty()) return DW_OK;
    page[0] = '[';
    page += ']';
    dw_status st = api->emit_page(ctx, page.data(), page.size(), "");
    page.clear();
    if (st != DW_OK) return st;
    return api->state_save(ctx, ("{\"line\":" + std::to_string(next_line) + "}").c_str());
}

dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    int64_t page_rows = 100;
    if (api->config_int(ctx, "page_rows", &page_rows) < 0 || page_rows < 1 || page_rows > 100000)
        return fail(ctx, DW_ERR_CONFIG, "page_rows must be a number from 1 to 100000");
    std::string file = std::string(api->config_string(ctx, "path")) + "/" + in->schema_name + ".jsonl";
    std::ifstream f(file);
    if (!f) return fail(ctx, DW_ERR_NOT_FOUND, "cannot open " + file);
    long long start = resume_line(ctx, in), lineno = 0, rows = 0;
    std::string line, page;
    while (std::getline(f, line)) {
        lineno++;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (lineno <= start || line.empty()) continue;
        page += ',';
        page += line;
        if (++rows % page_rows == 0)
            if (dw_status st = flush(ctx, page, lineno); st != DW_OK) return st;
    }
    if (f.bad()) return fail(ctx, DW_ERR, "cannot read " + file);
    return flush(ctx, page, lineno);
}

constexpr dw_field input(const char *name, const char *label, uint32_t type, const char *caption) {
    dw_field f{};
    f.kind = DW_FIELD_INPUT;
    f.name = name;
    f.label = label;
    f.input_type = type;
    f.caption = caption;
    return f;
}

constexpr dw_field path_field() {
    dw_field f = input("path", "Folder", DW_INPUT_TEXT, "Every NAME.jsonl file in it is a schema NAME.");
    f.required = 1;
    f.placeholder = "/srv/exports";
    return f;
}

constexpr dw_field page_rows_field() {
    dw_field f = input("page_rows", "Rows per page", DW_INPUT_NUMBER, "Rows between two saved resume points.");
    f.default_value = "100";
    return f;
}

constexpr dw_field fields[] = {path_field(), page_rows_field()};

constexpr dw_source descriptor() {
    dw_source s = dw_source_header();
    s.name = "jsonl_cpp";
    s.label = "JSON Lines (C++ example)";
    s.caption = "Every NAME.jsonl file of a folder is a schema; each line is a row with an id.";
    s.docs_url = "https://jsonlines.org/";
    s.icon_path = "/static/services/jsonl.svg";
    s.category = "Files";
    s.comm_method = DW_COMM_LOCAL_FILES;
    s.version = "1.0.0";
    s.capabilities = DW_CAP_RESUMABLE;
    s.fields = fields;
    s.n_fields = DW_COUNT(fields);
    s.init = init;
    s.list_schemas = list_schemas;
    s.check_credentials = check;
    s.run = run;
    return s;
}

}  // namespace

DW_DESCRIPTOR = descriptor();
