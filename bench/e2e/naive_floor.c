/*
 * naive_floor.c -- the naive C floor of bench/e2e: what a C programmer
 * writes in an afternoon with libcurl, json-c and SQLite.  One reused curl
 * handle (keep-alive), json-c's DOM for each page, one prepared upsert,
 * a commit every COMMIT_ROWS rows (as often as dwhost commits a batch) and
 * at the end; default SQLite settings.  No checks beyond what it needs to
 * run.
 *
 *   naive-floor github BASE_URL WAREHOUSE [COMMIT_ROWS]   Link-header pages of /repos/o/r/issues, pull requests dropped
 *   naive-floor stripe BASE_URL WAREHOUSE [COMMIT_ROWS]   starting_after pages of /v1/charges while has_more
 *
 * Prints the number of rows written.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <curl/curl.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static size_t on_body(char *d, size_t sz, size_t nm, void *ud) {
    buf *b = ud;
    size_t len = sz * nm;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->n + len + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, len);
    b->n += len;
    b->p[b->n] = 0;
    return len;
}

/* The rel="next" URL of a Link header line, if this is one. */
static size_t on_header(char *d, size_t sz, size_t nm, void *ud) {
    char **next = ud;
    size_t len = sz * nm;
    if (len > 5 && !strncasecmp(d, "Link:", 5)) {
        char *line = strndup(d, len);
        char *rel = line ? strstr(line, "rel=\"next\"") : NULL;
        if (rel) {
            *rel = 0;
            char *lt = strrchr(line, '<'), *gt = lt ? strchr(lt, '>') : NULL;
            if (lt && gt) {
                free(*next);
                *next = strndup(lt + 1, (size_t)(gt - lt - 1));
            }
        }
        free(line);
    }
    return len;
}

typedef struct table {
    sqlite3 *db;
    sqlite3_stmt *ins;
    char **cols;
    int n_cols;
    long commit_rows, pending;
    int open;
} table;

static void die(const char *what, const char *why) {
    fprintf(stderr, "naive-floor: %s: %s\n", what, why);
    exit(1);
}

static void table_prepare(table *t, const char *name, json_object *row) {
    t->n_cols = json_object_object_length(row);
    t->cols = calloc((size_t)t->n_cols, sizeof *t->cols);
    char create[65536], ins[65536], upd[65536];
    int i = 0;
    size_t c = (size_t)snprintf(create, sizeof create, "CREATE TABLE IF NOT EXISTS \"%s\" (", name);
    size_t n = (size_t)snprintf(ins, sizeof ins, "INSERT INTO \"%s\" (", name);
    size_t u = 0;
    upd[0] = 0;
    json_object_object_foreach(row, key, val) {
        (void)val;
        t->cols[i] = strdup(key);
        c += (size_t)snprintf(create + c, sizeof create - c, "%s\"%s\"", i ? "," : "", key);
        n += (size_t)snprintf(ins + n, sizeof ins - n, "%s\"%s\"", i ? "," : "", key);
        if (strcmp(key, "id"))
            u += (size_t)snprintf(upd + u, sizeof upd - u, "%s\"%s\"=excluded.\"%s\"", u ? "," : "", key, key);
        i++;
    }
    snprintf(create + c, sizeof create - c, ", PRIMARY KEY (\"id\"))");
    n += (size_t)snprintf(ins + n, sizeof ins - n, ") VALUES (");
    for (i = 0; i < t->n_cols; i++) n += (size_t)snprintf(ins + n, sizeof ins - n, "%s?", i ? "," : "");
    snprintf(ins + n, sizeof ins - n, ") ON CONFLICT(\"id\") DO UPDATE SET %s", upd);
    char *err = NULL;
    if (sqlite3_exec(t->db, create, NULL, NULL, &err) != SQLITE_OK) die("create", err);
    if (sqlite3_prepare_v2(t->db, ins, -1, &t->ins, NULL) != SQLITE_OK) die("prepare", sqlite3_errmsg(t->db));
}

static void table_write(table *t, const char *name, json_object *rows, int drop_prs, long *count) {
    size_t n = json_object_array_length(rows);
    if (!t->open) {
        sqlite3_exec(t->db, "BEGIN", NULL, NULL, NULL);
        t->open = 1;
    }
    for (size_t r = 0; r < n; r++) {
        json_object *row = json_object_array_get_idx(rows, r);
        if (drop_prs && json_object_object_get_ex(row, "pull_request", NULL)) continue;
        if (!t->ins) table_prepare(t, name, row);
        for (int i = 0; i < t->n_cols; i++) {
            json_object *v = NULL;
            json_object_object_get_ex(row, t->cols[i], &v);
            switch (json_object_get_type(v)) {
            case json_type_null: sqlite3_bind_null(t->ins, i + 1); break;
            case json_type_boolean: sqlite3_bind_int(t->ins, i + 1, json_object_get_boolean(v)); break;
            case json_type_int: sqlite3_bind_int64(t->ins, i + 1, json_object_get_int64(v)); break;
            case json_type_double: sqlite3_bind_double(t->ins, i + 1, json_object_get_double(v)); break;
            case json_type_string:
                sqlite3_bind_text(t->ins, i + 1, json_object_get_string(v), json_object_get_string_len(v),
                                  SQLITE_TRANSIENT);
                break;
            default:
                sqlite3_bind_text(t->ins, i + 1,
                                  json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE),
                                  -1, SQLITE_TRANSIENT);
            }
        }
        if (sqlite3_step(t->ins) != SQLITE_DONE) die("insert", sqlite3_errmsg(t->db));
        sqlite3_reset(t->ins);
        (*count)++;
        t->pending++;
    }
    if (t->pending >= t->commit_rows) {
        sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL);
        t->open = 0;
        t->pending = 0;
    }
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) die("usage", "naive-floor github|stripe BASE_URL WAREHOUSE [COMMIT_ROWS]");
    int gh = !strcmp(argv[1], "github");
    const char *base = argv[2];
    table t = {0};
    t.commit_rows = argc == 5 ? atol(argv[4]) : 5000;
    if (sqlite3_open(argv[3], &t.db) != SQLITE_OK) die(argv[3], "cannot open");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, gh ? "Authorization: Bearer ghp_bench" : "Authorization: Bearer sk_test_bench");
    h = curl_slist_append(h, "Accept: application/json");
    buf body = {0};
    char *next = NULL, *url = NULL;
    if ((gh ? asprintf(&url, "%s/repos/octo-org/hello-world/issues?state=all&sort=updated&direction=asc&per_page=100",
                       base)
            : asprintf(&url, "%s/v1/charges?limit=100", base)) < 0)
        die("url", "out of memory");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &next);
    json_tokener *tok = json_tokener_new();
    long count = 0;
    while (url) {
        body.n = 0;
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (curl_easy_perform(c) != CURLE_OK) die(url, "request failed");
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (code != 200) die(url, "not 200");
        json_tokener_reset(tok);
        json_object *doc = json_tokener_parse_ex(tok, body.p ? body.p : "", (int)body.n);
        if (!doc) die(url, "bad JSON");
        json_object *rows = doc;
        if (!gh) json_object_object_get_ex(doc, "data", &rows);
        table_write(&t, gh ? "issues" : "charges", rows, gh, &count);
        free(url);
        url = NULL;
        if (gh) {
            url = next;
            next = NULL;
        } else {
            json_object *more = NULL;
            size_t n = json_object_array_length(rows);
            if (json_object_object_get_ex(doc, "has_more", &more) && json_object_get_boolean(more) && n) {
                json_object *id = NULL;
                json_object_object_get_ex(json_object_array_get_idx(rows, n - 1), "id", &id);
                if (asprintf(&url, "%s/v1/charges?limit=100&starting_after=%s", base, json_object_get_string(id)) < 0)
                    die("url", "out of memory");
            }
        }
        json_object_put(doc);
    }
    if (t.open) sqlite3_exec(t.db, "COMMIT", NULL, NULL, NULL);
    printf("%ld\n", count);
    json_tokener_free(tok);
    sqlite3_finalize(t.ins);
    sqlite3_close(t.db);
    for (int i = 0; i < t.n_cols; i++) free(t.cols[i]);
    free(t.cols);
    free(body.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return 0;
}
