/* variant.c -- one small plugin, built in several variants (REGT_CASE) to
 * exercise each rejection reason; REGT_CASE_OK is a second good plugin
 * whose list_schemas needs a config. */
#include <stdlib.h>

#include "dwsdk.h"

#define REGT_CASE_OK 0
#define REGT_CASE_NO_ENTRY 1
#define REGT_CASE_BAD_MAGIC 2
#define REGT_CASE_MAJOR 3
#define REGT_CASE_MINOR 4
#define REGT_CASE_SIZE 5
#define REGT_CASE_NO_ICON 6
#define REGT_CASE_MISMATCH 7
#define REGT_CASE_DUP_FIELD 8
#define REGT_CASE_EMPTY_SELECT 9
#define REGT_CASE_BAD_KIND 10
#define REGT_CASE_BAD_INPUT 11
#define REGT_CASE_NO_NAME 12
#define REGT_CASE_INIT_FAIL 13

#ifndef REGT_CASE
#error define REGT_CASE
#endif
#ifndef REGT_NAME
#error define REGT_NAME
#endif

static const dw_host_api *api;

static const dw_field fields[] = {
    {.kind = DW_FIELD_INPUT, .name = "directory", .label = "Directory", .required = 1, .input_type = DW_INPUT_TEXT},
#if REGT_CASE == REGT_CASE_DUP_FIELD
    {.kind = DW_FIELD_INPUT, .name = "directory", .label = "Again", .input_type = DW_INPUT_TEXT},
#elif REGT_CASE == REGT_CASE_EMPTY_SELECT
    {.kind = DW_FIELD_SELECT, .name = "mode", .label = "Mode"},
#elif REGT_CASE == REGT_CASE_BAD_KIND
    {.kind = 42, .name = "weird", .label = "Weird"},
#elif REGT_CASE == REGT_CASE_BAD_INPUT
    {.kind = DW_FIELD_INPUT, .name = "colour", .label = "Colour", .input_type = 99},
#elif REGT_CASE == REGT_CASE_NO_NAME
    {.kind = DW_FIELD_INPUT, .label = "Nameless", .input_type = DW_INPUT_TEXT},
#endif
};

static dw_status init(const dw_host_api *a, void **data) {
    api = a;
#if REGT_CASE == REGT_CASE_INIT_FAIL
    return DW_ERR_CONFIG;
#else
    return DW_OK;
#endif
}

static dw_status list_schemas(dw_ctx *ctx) {
    if (!api->config_string(ctx, "directory")) return DW_ERR_NEEDS_CONFIG;
    dw_schema s = {.struct_size = sizeof s, .name = "files", .row_count = -1};
    return api->schema_add(ctx, &s);
}

static dw_status check(dw_ctx *ctx, const char *schema) { return DW_OK; }

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    dw_row *r = api->row_new(ctx);
    api->row_set_int(r, "id", 7);
    return api->row_emit(r);
}

#if REGT_CASE == REGT_CASE_NO_ENTRY
#define ENTRY dwhost_sauce /* a typo: the host looks for dwhost_source */
#else
#define ENTRY dwhost_source
#endif

DW_EXPORT const dw_source ENTRY = {
    DW_SOURCE_HEADER,
#if REGT_CASE == REGT_CASE_BAD_MAGIC
    .magic = 0x12345678u,
#elif REGT_CASE == REGT_CASE_MAJOR
    .abi_major = DW_ABI_MAJOR + 1,
#elif REGT_CASE == REGT_CASE_MINOR
    .abi_minor = DW_ABI_MINOR + 1,
#elif REGT_CASE == REGT_CASE_SIZE
    .struct_size = 8,
#endif
#if REGT_CASE == REGT_CASE_MISMATCH
    .name = "regt_other",
#else
    .name = REGT_NAME,
#endif
    .label = "Variant " REGT_NAME,
#if REGT_CASE != REGT_CASE_NO_ICON
    .icon_path = "/static/services/variant.svg",
#endif
    .version = "0.0.1",
    .release_status = DW_RELEASE_ALPHA,
    .comm_method = DW_COMM_LOCAL_FILES,
    .fields = fields,
    .n_fields = DW_COUNT(fields),
    .init = init,
    .list_schemas = list_schemas,
    .check_credentials = check,
    .run = run,
};
