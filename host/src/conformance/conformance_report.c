/*
 * conformance_report.c -- the list of check results and how it prints.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "base/array_grow.h"

void dwhi_conf_add(dwhi_conf_report *r, const char *name, dwhi_conf_status st, const char *fmt, ...) {
    if (dwhi_array_grow((void **)&r->checks, &r->cap, r->n + 1, sizeof *r->checks, 32) != 0) return;
    char *raw = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    char *clean = dwhi_secrets_scrub(r->scrub, raw ? raw : "");
    free(raw);
    /* One line: newlines become spaces, and very long details are cut. */
    if (clean) {
        for (char *p = clean; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
        if (strlen(clean) > 600) strcpy(clean + 596, " ...");
    }
    dwhi_conf_check *c = &r->checks[r->n++];
    c->name = strdup(name);
    c->status = st;
    c->detail = clean;
    c->capped_at = 0;
    if (st == DWHI_CONF_PASS) r->passed++;
    else if (st == DWHI_CONF_FAIL) r->failed++;
    else r->skipped++;
}

void dwhi_conf_mark_capped(dwhi_conf_report *r, size_t max_rows) {
    if (r->n) r->checks[r->n - 1].capped_at = max_rows;
}

void dwhi_conf_report_free(dwhi_conf_report *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->checks[i].name);
        free(r->checks[i].detail);
    }
    free(r->checks);
    free(r->source);
    free(r->version);
    free(r->path);
    dwhi_secrets_free(r->scrub);
    memset(r, 0, sizeof *r);
}

static const char *status_word(dwhi_conf_status st) {
    return st == DWHI_CONF_PASS ? "PASS" : st == DWHI_CONF_FAIL ? "FAIL" : "SKIP";
}

void dwhi_conf_print_text(const dwhi_conf_report *r, FILE *out) {
    fprintf(out, "conformance of %s %s (%s)\n", r->source ? r->source : "?", r->version ? r->version : "",
            r->path ? r->path : "");
    size_t w = 0;
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->checks[i].name) > w) w = strlen(r->checks[i].name);
    for (size_t i = 0; i < r->n; i++)
        fprintf(out, "  %s  %-*s  %s\n", status_word(r->checks[i].status), (int)w, r->checks[i].name,
                r->checks[i].detail ? r->checks[i].detail : "");
    fprintf(out, "%zu passed, %zu failed, %zu skipped\n", r->passed, r->failed, r->skipped);
}

void dwhi_conf_print_json(const dwhi_conf_report *r, FILE *out) {
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "source", r->source ? json_object_new_string(r->source) : NULL);
    json_object_object_add(doc, "version", r->version ? json_object_new_string(r->version) : NULL);
    json_object_object_add(doc, "path", r->path ? json_object_new_string(r->path) : NULL);
    json_object *checks = json_object_new_array();
    for (size_t i = 0; i < r->n; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string(r->checks[i].name));
        json_object_object_add(c, "status", json_object_new_string(r->checks[i].status == DWHI_CONF_PASS   ? "pass"
                                                                   : r->checks[i].status == DWHI_CONF_FAIL ? "fail"
                                                                                                          : "skip"));
        json_object_object_add(c, "detail", json_object_new_string(r->checks[i].detail ? r->checks[i].detail : ""));
        if (r->checks[i].capped_at)
            json_object_object_add(c, "capped_at", json_object_new_int64((int64_t)r->checks[i].capped_at));
        json_object_array_add(checks, c);
    }
    json_object_object_add(doc, "checks", checks);
    json_object_object_add(doc, "passed", json_object_new_int64((int64_t)r->passed));
    json_object_object_add(doc, "failed", json_object_new_int64((int64_t)r->failed));
    json_object_object_add(doc, "skipped", json_object_new_int64((int64_t)r->skipped));
    json_object_object_add(doc, "ok", json_object_new_boolean(r->failed == 0));
    fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
}
