/* source_names.c -- stable names of the SDK's enums (see source_names.h). */
#include "source_names.h"

const char *dwhi_release_status_name(uint32_t s) {
    switch (s) {
    case DW_RELEASE_GA: return "ga";
    case DW_RELEASE_ALPHA: return "alpha";
    case DW_RELEASE_BETA: return "beta";
    }
    return "unknown";
}

const char *dwhi_comm_method_name(uint32_t m) {
    switch (m) {
    case DW_COMM_HTTP: return "http";
    case DW_COMM_VENDOR_SDK: return "vendor_sdk";
    case DW_COMM_GRPC: return "grpc";
    case DW_COMM_DB_PROTOCOL: return "db_protocol";
    case DW_COMM_WEBHOOK: return "webhook";
    case DW_COMM_LOCAL_FILES: return "local_files";
    }
    return "unknown";
}

const char *dwhi_field_kind_name(uint32_t k) {
    switch (k) {
    case DW_FIELD_INPUT: return "input";
    case DW_FIELD_SWITCH_GROUP: return "switch-group";
    case DW_FIELD_SELECT: return "select";
    case DW_FIELD_OAUTH: return "oauth";
    case DW_FIELD_OAUTH_ACCOUNT: return "oauth-account";
    case DW_FIELD_FILE_UPLOAD: return "file-upload";
    case DW_FIELD_SSH_TUNNEL: return "ssh-tunnel";
    }
    return "unknown";
}

const char *dwhi_input_type_name(uint32_t t) {
    switch (t) {
    case DW_INPUT_TEXT: return "text";
    case DW_INPUT_EMAIL: return "email";
    case DW_INPUT_SEARCH: return "search";
    case DW_INPUT_URL: return "url";
    case DW_INPUT_PASSWORD: return "password";
    case DW_INPUT_TIME: return "time";
    case DW_INPUT_NUMBER: return "number";
    case DW_INPUT_TEXTAREA: return "textarea";
    }
    return "unknown";
}

const char *dwhi_converter_name(uint32_t c) {
    switch (c) {
    case DW_CONVERT_STR_TO_INT: return "str_to_int";
    case DW_CONVERT_STR_TO_BOOL: return "str_to_bool";
    case DW_CONVERT_STR_TO_OPTIONAL_INT: return "str_to_optional_int";
    }
    return NULL;
}

const struct dwhi_capability_name dwhi_capability_names[DWHI_N_CAPABILITIES] = {
    {DW_CAP_RESUMABLE, "resumable"},
    {DW_CAP_WEBHOOK, "webhook"},
    {DW_CAP_OAUTH, "oauth"},
};

json_object *dwhi_capabilities_json(uint32_t caps) {
    json_object *a = json_object_new_array();
    for (int i = 0; a && i < DWHI_N_CAPABILITIES; i++)
        if (caps & dwhi_capability_names[i].flag)
            json_object_array_add(a, json_object_new_string(dwhi_capability_names[i].name));
    return a;
}

const char *dwhi_status_name(dw_status code) {
    switch (code) {
    case DW_OK: return "ok";
    case DW_ERR: return "error";
    case DW_ERR_CONFIG: return "config";
    case DW_ERR_AUTH: return "auth";
    case DW_ERR_FORBIDDEN: return "forbidden";
    case DW_ERR_UNREACHABLE: return "unreachable";
    case DW_ERR_NOT_FOUND: return "not_found";
    case DW_ERR_RATE_LIMITED: return "rate_limited";
    case DW_ERR_NON_RETRYABLE: return "non_retryable";
    case DW_ERR_CANCELLED: return "cancelled";
    case DW_ERR_STATE: return "state";
    case DW_ERR_UNSUPPORTED: return "unsupported";
    case DW_ERR_NOMEM: return "out_of_memory";
    case DW_ERR_BAD_DATA: return "bad_data";
    case DW_ERR_NEEDS_CONFIG: return "needs_config";
    case DW_ERR_SSRF: return "ssrf";
    case DW_ERR_HTTP: return "http";
    case DW_ERR_TIMEOUT: return "timeout";
    case DW_ERR_SINK: return "sink";
    }
    return "unknown";
}
