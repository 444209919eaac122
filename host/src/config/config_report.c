/* config_report.c -- config errors and warnings (see config_report.h). */
#include "config_report.h"
#include "base/array_grow.h"

#include <stdlib.h>
#include <string.h>

void dwhi_config_report_init(dwhi_config_report *r) { memset(r, 0, sizeof *r); }

static void free_issues(dwhi_config_issue *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].expected);
        free(v[i].got);
    }
    free(v);
}

void dwhi_config_report_clear(dwhi_config_report *r) {
    if (!r) return;
    free_issues(r->errors, r->n_errors);
    free_issues(r->warnings, r->n_warnings);
    dwhi_config_report_init(r);
}

static void add(dwhi_config_report *r, dwhi_config_issue **v, size_t *n, size_t *cap, const char *path,
                const char *expected, const char *got) {
    if (dwhi_array_grow((void **)v, cap, *n + 1, sizeof **v, 8) != 0) {
        r->oom = 1;
        return;
    }
    dwhi_config_issue *i = &(*v)[*n];
    i->path = strdup(path ? path : "");
    i->expected = strdup(expected ? expected : "");
    i->got = strdup(got ? got : "");
    if (!i->path || !i->expected || !i->got) {
        free(i->path);
        free(i->expected);
        free(i->got);
        r->oom = 1;
        return;
    }
    (*n)++;
}

void dwhi_config_report_error(dwhi_config_report *r, const char *path, const char *expected,
                             const char *got) {
    add(r, &r->errors, &r->n_errors, &r->cap_errors, path, expected, got);
}

void dwhi_config_report_warning(dwhi_config_report *r, const char *path, const char *expected,
                               const char *got) {
    add(r, &r->warnings, &r->n_warnings, &r->cap_warnings, path, expected, got);
}

char *dwhi_config_issue_line(const dwhi_config_issue *i, int warning) {
    char *line = NULL;
    if (asprintf(&line, "config %s at %s: expected %s, got %s", warning ? "warning" : "error", i->path,
                 i->expected, i->got) < 0)
        return NULL;
    return line;
}

static void print_list(const dwhi_config_issue *v, size_t n, int warning, FILE *out, const dwhi_secrets *s) {
    for (size_t k = 0; k < n; k++) {
        char *line = dwhi_config_issue_line(&v[k], warning);
        char *clean = line ? dwhi_secrets_scrub(s, line) : NULL;
        if (clean) fprintf(out, "dwhost: %s\n", clean);
        free(clean);
        free(line);
    }
}

void dwhi_config_report_print(const dwhi_config_report *r, FILE *out, const dwhi_secrets *secrets) {
    print_list(r->errors, r->n_errors, 0, out, secrets);
    print_list(r->warnings, r->n_warnings, 1, out, secrets);
    if (r->oom) fprintf(out, "dwhost: config error: out of memory while validating; some errors are not listed\n");
    fflush(out);
}

static void add_scrubbed(json_object *o, const char *key, const char *text, const dwhi_secrets *s) {
    char *clean = dwhi_secrets_scrub(s, text);
    json_object_object_add(o, key, json_object_new_string(clean ? clean : ""));
    free(clean);
}

static json_object *list_json(const dwhi_config_issue *v, size_t n, int warning, const dwhi_secrets *s) {
    json_object *a = json_object_new_array();
    if (!a) return NULL;
    for (size_t k = 0; k < n; k++) {
        json_object *o = json_object_new_object();
        if (!o) continue;
        add_scrubbed(o, "path", v[k].path, s);
        add_scrubbed(o, "expected", v[k].expected, s);
        add_scrubbed(o, "got", v[k].got, s);
        char *line = dwhi_config_issue_line(&v[k], warning);
        if (line) add_scrubbed(o, "message", line, s);
        free(line);
        json_object_array_add(a, o);
    }
    return a;
}

json_object *dwhi_config_report_to_json(const dwhi_config_report *r, const dwhi_secrets *secrets) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "errors", list_json(r->errors, r->n_errors, 0, secrets));
    json_object_object_add(o, "warnings", list_json(r->warnings, r->n_warnings, 1, secrets));
    return o;
}

char *dwhi_config_report_summary(const dwhi_config_report *r, const dwhi_secrets *secrets) {
    char *all = strdup("invalid config: ");
    for (size_t i = 0; all && i < r->n_errors; i++) {
        char *line = dwhi_config_issue_line(&r->errors[i], 0), *next = NULL;
        if (line && asprintf(&next, "%s%s%s", all, i ? "; " : "", line) < 0) next = NULL;
        free(line);
        free(all);
        all = next;
    }
    char *clean = all ? dwhi_secrets_scrub(secrets, all) : NULL;
    free(all);
    return clean;
}
