/*
 * source_names.h -- the stable names of the SDK's enums, as they appear in
 * `dwhost list-plugins`, `describe` and the form JSON (docs/form-json.md),
 * and of dw_status in errors and reports.
 * Every function returns a static string; unknown values give "unknown".
 */
#ifndef DWHI_SOURCE_NAMES_H
#define DWHI_SOURCE_NAMES_H

#include <json-c/json.h>
#include <stdint.h>

#include "dwsdk.h"

const char *dwhi_release_status_name(uint32_t s); /* "ga", "alpha", "beta" */
const char *dwhi_comm_method_name(uint32_t m);    /* "http", "vendor_sdk", ... */
const char *dwhi_field_kind_name(uint32_t k);     /* "input", "switch-group", ... */
const char *dwhi_input_type_name(uint32_t t);     /* "text", "password", ... */
const char *dwhi_converter_name(uint32_t c);      /* NULL for DW_CONVERT_NONE */
/* A short stable name for a status ("auth", "not_found"...), never NULL. */
const char *dwhi_status_name(dw_status code);

/* The capability names in order resumable, webhook, oauth. */
#define DWHI_N_CAPABILITIES 3
extern const struct dwhi_capability_name {
    uint32_t flag;
    const char *name;
} dwhi_capability_names[DWHI_N_CAPABILITIES];

/* A new JSON array of capability names (caller puts). */
json_object *dwhi_capabilities_json(uint32_t caps);

#endif
