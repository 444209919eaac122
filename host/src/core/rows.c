/* rows.c -- the row builder (see rows.h). */
#include "rows.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "base/text.h"

struct dw_row {
    dw_ctx *ctx;
    json_object *obj;
    char *error; /* first problem; the row is refused when set */
    int lent;    /* the host's (dwhi_row_new_lent): not the plugin's to emit or free */
};

dw_row *dwhi_row_new(dw_ctx *ctx) {
    if (!ctx) return NULL;
    dw_row *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ctx = ctx;
    r->obj = json_object_new_object();
    if (!r->obj) {
        free(r);
        return NULL;
    }
    return r;
}

static void poison(dw_row *r, const char *column, const char *what) {
    if (r->error) return;
    char *col = dwhi_text_one_line(column, 64);
    if (asprintf(&r->error, "column '%s': %s", col ? col : "?", what) < 0) r->error = NULL;
    free(col);
    if (!r->error) r->error = strdup("out of memory building a row");
}

/* Checks the column name; returns 0 when the set may proceed. */
static int check(dw_row *r, const char *column) {
    if (!r || r->error) return -1;
    if (!column) {
        poison(r, "(null)", "the column name is NULL");
        return -1;
    }
    size_t n = strnlen(column, DWHI_COLUMN_MAX_BYTES + 1);
    if (n == 0) {
        poison(r, "", "the column name is empty");
        return -1;
    }
    if (n > DWHI_COLUMN_MAX_BYTES) {
        poison(r, column, "the column name is longer than 1024 bytes");
        return -1;
    }
    if (!dwhi_utf8_valid(column, n)) {
        poison(r, column, "the column name is not valid UTF-8");
        return -1;
    }
    return 0;
}

static void put(dw_row *r, const char *column, json_object *v, int may_be_null) {
    if (!v && !may_be_null) {
        poison(r, column, "out of memory");
        return;
    }
    if (!r->obj && !(r->obj = json_object_new_object())) { /* a lent row's, made at its first column */
        json_object_put(v);
        poison(r, column, "out of memory");
        return;
    }
    if (json_object_object_add(r->obj, column, v) != 0) {
        json_object_put(v);
        poison(r, column, "out of memory");
    }
}

void dwhi_row_set_string(dw_row *row, const char *column, const char *value) {
    if (check(row, column)) return;
    if (!value) {
        put(row, column, NULL, 1);
        return;
    }
    size_t n = strlen(value);
    if (n > (size_t)INT32_MAX) {
        poison(row, column, "the value is larger than 2 GiB");
        return;
    }
    if (!dwhi_utf8_valid(value, n)) {
        poison(row, column, "the value is not valid UTF-8 (convert it before emitting)");
        return;
    }
    put(row, column, json_object_new_string_len(value, (int)n), 0);
}

void dwhi_row_set_int(dw_row *row, const char *column, int64_t value) {
    if (check(row, column)) return;
    put(row, column, json_object_new_int64(value), 0);
}

void dwhi_row_set_double(dw_row *row, const char *column, double value) {
    if (check(row, column)) return;
    if (!isfinite(value)) {
        poison(row, column, "NaN and Infinity are not JSON numbers (use row_set_null)");
        return;
    }
    put(row, column, json_object_new_double(value), 0);
}

void dwhi_row_set_bool(dw_row *row, const char *column, int value) {
    if (check(row, column)) return;
    put(row, column, json_object_new_boolean(value ? 1 : 0), 0);
}

void dwhi_row_set_null(dw_row *row, const char *column) {
    if (check(row, column)) return;
    put(row, column, NULL, 1);
}

void dwhi_row_set_json(dw_row *row, const char *column, const char *json) {
    if (check(row, column)) return;
    if (!json) {
        put(row, column, NULL, 1);
        return;
    }
    json_object *v = NULL;
    char err[200];
    if (dwhi_json_parse_strict(json, strlen(json), &v, err, sizeof err) != 0) {
        poison(row, column, err);
        return;
    }
    put(row, column, v, 1);
}

static void row_free(dw_row *row) {
    json_object_put(row->obj);
    free(row->error);
    free(row);
}

void dwhi_row_discard(dw_row *row) {
    if (!row || row->lent) return;
    row_free(row);
}

dw_status dwhi_row_emit(dw_row *row) {
    if (!row) return DW_ERR_NOMEM; /* row_new() returned NULL */
    if (row->lent)
        return dwhi_ctx_fail_host(row->ctx, DW_ERR_BAD_DATA,
                                 "row_emit: the row a row hook got is the host's; set columns on it, the host "
                                 "adds them to the row it emits");
    dw_status st;
    if (row->error)
        st = dwhi_ctx_fail_host(row->ctx, DW_ERR_BAD_DATA, "row_emit: %s", row->error);
    else
        st = dwhi_emit_object(row->ctx, row->obj);
    dwhi_row_discard(row);
    return st;
}

dw_row *dwhi_row_new_lent(dw_ctx *ctx) {
    /* Its object is made when a column is set: most hooks set none (a
     * hook runs for every row of a page). */
    if (!ctx) return NULL;
    dw_row *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ctx = ctx;
    r->lent = 1;
    return r;
}

int dwhi_row_lent_take(dw_row *row, json_object **into, char **why) {
    *why = NULL;
    if (!row) return 0;
    if (row->error) {
        *why = row->error;
        row->error = NULL;
        row_free(row);
        return -1;
    }
    if (!row->obj || !json_object_object_length(row->obj)) {
        row_free(row);
        return 0;
    }
    if (!*into && !(*into = json_object_new_object())) {
        *why = strdup("out of memory");
        row_free(row);
        return -1;
    }
    json_object_object_foreach(row->obj, key, val) {
        if (json_object_object_add(*into, key, json_object_get(val)) != 0) {
            json_object_put(val);
            *why = strdup("out of memory");
            row_free(row);
            return -1;
        }
    }
    row_free(row);
    return 0;
}

void dwhi_row_lent_free(dw_row *row) {
    if (row) row_free(row);
}
