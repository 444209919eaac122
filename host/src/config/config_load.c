/* config_load.c -- config file to validated config (see config_load.h). */
#include "config_load.h"

#include <ctype.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_secrets.h"
#include "config_validate.h"
#include "base/file_read.h"
#include "core/log.h"
#include "base/text.h"

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int dwhi_config_parse_text(const char *text, size_t len, json_object **out, char *err, size_t err_len) {
    *out = NULL;
    if (len > (size_t)DWHI_CONFIG_FILE_MAX) {
        snprintf(err, err_len, "a file larger than %d bytes", DWHI_CONFIG_FILE_MAX);
        return -1;
    }
    size_t first = 0;
    while (first < len && is_ws(text[first])) first++;
    if (first == len) {
        snprintf(err, err_len, "an empty file");
        return -1;
    }
    json_tokener *tok = json_tokener_new_ex(DWHI_CONFIG_TOKENER_DEPTH);
    if (!tok) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    /* len + 1 takes the terminating NUL in: it ends a top-level number. */
    json_object *v = json_tokener_parse_ex(tok, text, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    const char *what = NULL;
    char unexpected[64] = "", depth[64] = "";
    if (jerr == json_tokener_error_depth) {
        /* json-c stops at the bracket one level too deep */
        snprintf(depth, sizeof depth, "nested deeper than %d levels", DWHI_CONFIG_MAX_DEPTH);
        what = depth;
        if (end > 0) end--;
    } else if (jerr == json_tokener_continue) {
        what = "the text ends inside a value";
    } else if (jerr != json_tokener_success && end >= len) {
        what = "the text ends inside a value"; /* json-c stopped at the terminating NUL */
        end = len;
    } else if (jerr != json_tokener_success) {
        /* Name the character JSON cannot start or continue with (json-c's
         * own description, "null expected" for "not json", is a guess).  A
         * word is reported from its first letter: "not" -> 'n'.  One
         * character of the text is shown, never more (it may hold secrets). */
        size_t at = end;
        if (at > 0 && at < len && !isalpha((unsigned char)text[at]) && isalpha((unsigned char)text[at - 1]))
            at--; /* json-c stopped just after a word ("tru }") */
        while (at > 0 && isalpha((unsigned char)text[at]) && isalpha((unsigned char)text[at - 1])) at--;
        unsigned char c = at < len ? (unsigned char)text[at] : 0;
        if (c > 0x20 && c < 0x7f)
            snprintf(unexpected, sizeof unexpected, "unexpected '%c'", c);
        else
            snprintf(unexpected, sizeof unexpected, "unexpected byte 0x%02x", c);
        what = unexpected;
        end = at;
    } else {
        if (end > 0 && end <= len + 1 && end > len) end = len;
        for (size_t i = end; i < len; i++)
            if (!is_ws(text[i])) {
                what = text[i] ? "more text after the JSON value" : "a NUL byte";
                end = i;
                break;
            }
    }
    if (what) {
        /* Position only: the text itself may hold secrets. */
        size_t line = 1, col = 1;
        for (size_t i = 0; i < end && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (what == unexpected)
            snprintf(err, err_len, "not JSON: %s at line %zu, column %zu", what, line, col);
        else
            snprintf(err, err_len, "invalid JSON at line %zu, column %zu: %s", line, col, what);
        json_object_put(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* Reads a whole file (or stdin for "-") up to the limit.  Returns the
 * malloc'd text or NULL with a description in err. */
static char *read_all(const char *path, size_t *len, char *err, size_t err_len) {
    char *text = NULL;
    int e = 0;
    switch (dwhi_read_whole_file(path, (size_t)DWHI_CONFIG_FILE_MAX, &text, len, &e)) {
    case DWHI_READ_OK: return text;
    case DWHI_READ_IS_DIR: snprintf(err, err_len, "a directory"); break;
    case DWHI_READ_TOO_BIG: snprintf(err, err_len, "a file larger than %d bytes", DWHI_CONFIG_FILE_MAX); break;
    case DWHI_READ_NOMEM: snprintf(err, err_len, "out of memory"); break;
    case DWHI_READ_OPEN:
    case DWHI_READ_IO: snprintf(err, err_len, "an error: %s", strerror(e)); break;
    }
    return NULL;
}

/* dwhi_config_load_json without the log line. */
static int load_json(const dw_source *src, json_object *raw, const char *base_dir, json_object **validated,
                     dwhi_secrets *secrets, dwhi_config_report *report) {
    *validated = NULL;
    const dw_field *fields = src ? src->fields : NULL;
    uint32_t n = src ? src->n_fields : 0;
    /* Literal secrets first: if validation fails, its output is scrubbed
     * of them too. */
    dwhi_config_collect_secrets(fields, n, raw, secrets);
    dwhi_config_options opt = {.base_dir = base_dir, .resolved = secrets};
    if (dwhi_config_validate(fields, n, raw, &opt, validated, report) != 0) return -1;
    dwhi_config_collect_secrets(fields, n, *validated, secrets);
    return 0;
}

int dwhi_config_check_json(const dw_source *src, json_object *raw, const char *base_dir, dwhi_secrets *secrets,
                          dwhi_config_report *report) {
    json_object *validated = NULL;
    int rc = load_json(src, raw, base_dir, &validated, secrets, report);
    json_object_put(validated);
    return rc;
}

int dwhi_config_load_json(const dw_source *src, json_object *raw, const char *base_dir, json_object **validated,
                         dwhi_secrets *secrets, dwhi_config_report *report) {
    if (load_json(src, raw, base_dir, validated, secrets, report) != 0) return -1;
    const dw_field *fields = src ? src->fields : NULL;
    uint32_t n = src ? src->n_fields : 0;
    json_object *masked = dwhi_config_mask(fields, n, *validated);
    json_object *f = json_object_new_object();
    if (f) {
        json_object_object_add(f, "source_type", src && src->name ? json_object_new_string(src->name) : NULL);
        json_object_object_add(f, "config", masked);
        json_object_object_add(f, "warnings", json_object_new_int64((int64_t)report->n_warnings));
        dwhi_log_fields(NULL, DW_LOG_DEBUG, "config.loaded", "config validated", f);
    } else {
        json_object_put(masked);
    }
    return 0;
}

int dwhi_config_read_file_text(const char *path, char **text_out, json_object **raw, char **base_dir,
                               dwhi_config_report *report) {
    if (text_out) *text_out = NULL;
    if (raw) *raw = NULL;
    *base_dir = NULL;
    char err[256] = "";
    size_t len = 0;
    char *text = read_all(path, &len, err, sizeof err);
    if (!text) {
        char *e = NULL, *shown = dwhi_text_path_excerpt(path);
        if (!shown || asprintf(&e, "a readable config file at %s", shown) < 0) e = NULL;
        free(shown);
        dwhi_config_report_error(report, "(file)", e ? e : "a readable config file", err);
        free(e);
        return -1;
    }
    json_object *parsed = NULL;
    if (dwhi_config_parse_text(text, len, &parsed, err, sizeof err) != 0) {
        explicit_bzero(text, len);
        free(text);
        char *e = NULL, *shown = dwhi_text_path_excerpt(path);
        if (!shown || asprintf(&e, "a JSON object in %s", shown) < 0) e = NULL;
        free(shown);
        dwhi_config_report_error(report, "(file)", e ? e : "a JSON object", err);
        free(e);
        return -1;
    }
    if (strcmp(path, "-") != 0) {
        char *copy = strdup(path);
        if (copy) *base_dir = strdup(dirname(copy));
        free(copy);
    }
    if (raw) *raw = parsed;
    else json_object_put(parsed);
    if (text_out) *text_out = text;
    else {
        explicit_bzero(text, len); /* the file's secrets in clear */
        free(text);
    }
    return 0;
}

int dwhi_config_read_file(const char *path, json_object **raw, char **base_dir, dwhi_config_report *report) {
    return dwhi_config_read_file_text(path, NULL, raw, base_dir, report);
}

int dwhi_config_load(const dw_source *src, const char *path, json_object **validated, dwhi_secrets *secrets,
                    dwhi_config_report *report) {
    *validated = NULL;
    json_object *raw = NULL;
    char *dir = NULL;
    if (dwhi_config_read_file(path, &raw, &dir, report) != 0) return -1;
    int rc = dwhi_config_load_json(src, raw, dir, validated, secrets, report);
    free(dir);
    json_object_put(raw);
    return rc;
}
