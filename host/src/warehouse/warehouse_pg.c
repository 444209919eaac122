/* warehouse_pg.c -- the PostgreSQL warehouse's connection: what names
 * one, opening, errors, transactions, identifiers, the system tables in
 * schema dwhost, and the backend table (see warehouse_pg_int.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/md5.h"
#include "base/text.h"
#include "warehouse_pg_int.h"

int dwhi_wh_is_postgres(const char *spec) {
    if (!spec) return 0;
    if (!strncmp(spec, "postgres://", 11) || !strncmp(spec, "postgresql://", 13)) return 1;
    /* a conninfo starts with keyword=; libpq must know the keyword (a file
     * named "a=b.db" stays a file) */
    const char *p = spec;
    while (*p == ' ') p++;
    const char *k = p;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    while (*p == ' ') p++;
    if (p == k || *p != '=') return 0;
    char *e = NULL;
    PQconninfoOption *o = PQconninfoParse(spec, &e);
    PQfreemem(e);
    if (!o) return 0;
    PQconninfoFree(o);
    return 1;
}

char *dwhi_wh_spec_password(const char *spec) {
    if (!dwhi_wh_is_postgres(spec)) return NULL;
    PQconninfoOption *o = PQconninfoParse(spec, NULL);
    char *pw = NULL;
    for (PQconninfoOption *i = o; i && i->keyword; i++)
        if (!strcmp(i->keyword, "password") && i->val && *i->val) pw = strdup(i->val);
    PQconninfoFree(o);
    return pw;
}

/* A URL without its password: user:pw@ -> user@, and no password=
 * parameter. */
static char *url_shown(const char *url) {
    size_t n = strlen(url);
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    const char *p = strstr(url, "://") + 3;
    memcpy(o, url, (size_t)(p - url));
    o += p - url;
    size_t auth = strcspn(p, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (p[i] == '@') at = p + i;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t keep = (size_t)((colon ? colon : at) - p);
        memcpy(o, p, keep);
        o += keep;
        p = at;
    }
    const char *q = strchr(p, '?');
    size_t head = q ? (size_t)(q - p) : strlen(p);
    memcpy(o, p, head);
    o += head;
    if (q) {
        char sep = '?';
        for (const char *s = q + 1; *s;) {
            size_t len = strcspn(s, "&");
            if (!(len >= 9 && !strncmp(s, "password=", 9))) {
                *o++ = sep;
                memcpy(o, s, len);
                o += len;
                sep = '&';
            }
            s += len;
            if (*s == '&') s++;
        }
    }
    *o = 0;
    return out;
}

/* A conninfo's words without password=, values quoted where needed. */
static char *conninfo_shown(const char *spec) {
    PQconninfoOption *o = PQconninfoParse(spec, NULL);
    if (!o) return strdup(spec);
    char *out = strdup("");
    for (PQconninfoOption *i = o; out && i->keyword; i++) {
        if (!i->val || !strcmp(i->keyword, "password")) continue;
        int plain = *i->val != 0;
        for (const char *c = i->val; *c; c++)
            if (*c == ' ' || *c == '\'' || *c == '\\') plain = 0;
        char *v = NULL;
        if (plain) v = strdup(i->val);
        else if ((v = malloc(2 * strlen(i->val) + 3))) {
            char *w = v;
            *w++ = '\'';
            for (const char *c = i->val; *c; c++) {
                if (*c == '\'' || *c == '\\') *w++ = '\\';
                *w++ = *c;
            }
            *w++ = '\'';
            *w = 0;
        }
        char *next = NULL;
        if (!v || asprintf(&next, "%s%s%s=%s", out, *out ? " " : "", i->keyword, v) < 0) next = NULL;
        free(v);
        free(out);
        out = next;
    }
    PQconninfoFree(o);
    return out;
}

char *dwhi_wh_spec_shown(const char *spec) {
    if (!spec) return NULL;
    if (!strncmp(spec, "postgres://", 11) || !strncmp(spec, "postgresql://", 13)) return url_shown(spec);
    if (dwhi_wh_is_postgres(spec)) return conninfo_shown(spec);
    return strdup(spec);
}

/* ---- errors */

/* `text` with the password masked and on one line, malloc'd. */
static char *clean(dwhi_warehouse *w, const char *text) {
    char *line = dwhi_text_one_line(text ? text : "unknown error", 400);
    if (line) { /* libpq's lines end in "\n" and indent with "\t": one space between words, none at the end */
        char *o = line;
        for (const char *c = line; *c; c++)
            if (*c != ' ' || (o > line && o[-1] != ' ')) *o++ = *c;
        while (o > line && o[-1] == ' ') o--;
        *o = 0;
    }
    if (!line || !w->pg || !w->pg->password || !*w->pg->password) return line;
    /* the password can only be echoed back verbatim (libpq and the server
     * never encode it), so a plain replace is enough */
    const char *pw = w->pg->password;
    size_t np = strlen(pw), cap = strlen(line) + 1;
    for (const char *s = line; (s = strstr(s, pw)); s += np) cap += 3;
    char *out = malloc(cap), *o = out;
    if (!out) {
        free(line);
        return NULL;
    }
    for (const char *s = line; *s;) {
        if (!strncmp(s, pw, np)) {
            memcpy(o, "***", 3);
            o += 3;
            s += np;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    free(line);
    return out;
}

static dwhi_wh_error classify(dwhi_warehouse *w, const char *state) {
    if (!w->pg || !w->pg->conn || PQstatus(w->pg->conn) == CONNECTION_BAD) return DWHI_WH_UNREACHABLE;
    if (!state) return DWHI_WH_OTHER;
    if (!strcmp(state, "28P01") || !strcmp(state, "28000")) return DWHI_WH_AUTH;
    if (!strcmp(state, "25006")) return DWHI_WH_READONLY;
    if (!strcmp(state, "42501")) return DWHI_WH_READONLY;
    if (!strcmp(state, "53100")) return DWHI_WH_FULL;
    if (!strcmp(state, "53200")) return DWHI_WH_NOMEM;
    if (!strcmp(state, "40P01") || !strcmp(state, "40001") || !strcmp(state, "55P03")) return DWHI_WH_LOCKED;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3)) return DWHI_WH_UNREACHABLE;
    if (!strncmp(state, "22", 2) || !strncmp(state, "23", 2) || !strcmp(state, "21000")) return DWHI_WH_DATA;
    return DWHI_WH_OTHER;
}

int dwhi_pg_fail(dwhi_warehouse *w, const PGresult *res, char **err, const char *doing, ...) {
    char *what = NULL;
    va_list ap;
    va_start(ap, doing);
    if (vasprintf(&what, doing, ap) < 0) what = NULL;
    va_end(ap);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!primary && w->pg && w->pg->conn) primary = PQerrorMessage(w->pg->conn);
    dwhi_wh_error kind = classify(w, state);
    w->last = kind;
    char *msg = clean(w, primary && *primary ? primary : "no answer from the server");
    const char *d = what ? what : "writing", *m = msg ? msg : "?", *at = w->shown;
    int n = -1;
    switch (kind) {
    case DWHI_WH_UNREACHABLE:
        n = asprintf(err,
                     "warehouse %s: the connection to the PostgreSQL server was lost while %s (%s); nothing of the "
                     "open transaction was committed; check that the server is up, then rerun to resume",
                     at, d, m);
        break;
    case DWHI_WH_AUTH:
        n = asprintf(err, "warehouse %s: the server refused the login while %s (%s); check the user and its password",
                     at, d, m);
        break;
    case DWHI_WH_READONLY:
        n = state && !strcmp(state, "42501")
                ? asprintf(err,
                           "warehouse %s: permission denied while %s (%s); grant the user CREATE on its schema and "
                           "on the database (for schema " DWHI_PG_SCHEMA "), or use another user",
                           at, d, m)
                : asprintf(err,
                           "warehouse %s cannot be written while %s (%s): the server is a read-only replica or "
                           "refuses writes; point --warehouse at the primary server",
                           at, d, m);
        break;
    case DWHI_WH_FULL:
        n = asprintf(err,
                     "warehouse %s: the server's disk is full while %s (%s); nothing of this batch was committed; "
                     "free space on the server, then rerun to resume",
                     at, d, m);
        break;
    case DWHI_WH_LOCKED:
        n = asprintf(err, "warehouse %s: %s while %s (another session holds a lock it needs); rerun to resume", at, m,
                     d);
        break;
    case DWHI_WH_NOMEM: n = asprintf(err, "warehouse %s: the server is out of memory while %s (%s)", at, d, m); break;
    default: n = asprintf(err, "warehouse %s: %s while %s", at, m, d); break;
    }
    if (n < 0) *err = NULL;
    free(msg);
    free(what);
    return -1;
}

PGresult *dwhi_pg_query(dwhi_warehouse *w, const char *sql, int n, const char *const *params, char **err,
                        const char *doing) {
    PGresult *res = n ? PQexecParams(w->pg->conn, sql, n, NULL, params, NULL, NULL, 0) : PQexec(w->pg->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    dwhi_pg_fail(w, res, err, "%s", doing);
    PQclear(res);
    return NULL;
}

int dwhi_pg_exec(dwhi_warehouse *w, const char *sql, int n, const char *const *params, char **err, const char *doing) {
    PGresult *res = dwhi_pg_query(w, sql, n, params, err, doing);
    PQclear(res);
    return res ? 0 : -1;
}

char *dwhi_pg_ident(const char *name) {
    size_t n = 3;
    for (const char *p = name; *p; p++) n += *p == '"' ? 2 : 1;
    char *q = malloc(n), *o = q;
    if (!q) return NULL;
    *o++ = '"';
    for (const char *p = name; *p; p++) {
        if (*p == '"') *o++ = '"';
        *o++ = *p;
    }
    *o++ = '"';
    *o = 0;
    return q;
}

char *dwhi_pg_qualified(dwhi_warehouse *w, const char *name) {
    char *q = dwhi_pg_ident(name), *out = NULL;
    if (q && asprintf(&out, "%s.%s", w->pg->qschema, q) < 0) out = NULL;
    free(q);
    return out;
}

int dwhi_pg_table_exists(dwhi_warehouse *w, const char *name, char **err) {
    const char *p[2] = {w->pg->schema, name};
    PGresult *res = dwhi_pg_query(w, "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2", 2,
                                  p, err, "looking for a table");
    if (!res) return -1;
    int found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

char *dwhi_pg_index_name(const char *name) {
    char *out = NULL, hex[33];
    if (strlen(name) + 7 <= DWHI_PG_NAME_MAX) return asprintf(&out, "_dw_pk_%s", name) < 0 ? NULL : out;
    if (dwhi_md5_hex(name, strlen(name), hex) < 0) return NULL;
    return asprintf(&out, "_dw_pk_%.8s", hex) < 0 ? NULL : out;
}

/* ---- transactions */

static int pg_in_transaction(dwhi_warehouse *w) {
    PGTransactionStatusType s = PQtransactionStatus(w->pg->conn);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

static int pg_begin(dwhi_warehouse *w, char **err) {
    *err = NULL;
    return dwhi_pg_exec(w, "BEGIN", 0, NULL, err, "starting a transaction");
}

static void pg_rollback(dwhi_warehouse *w) {
    if (w->pg && w->pg->conn && pg_in_transaction(w)) PQclear(PQexec(w->pg->conn, "ROLLBACK"));
    w->generation++;
}

static int pg_commit(dwhi_warehouse *w, char **err) {
    *err = NULL;
    PGresult *res = dwhi_pg_query(w, "COMMIT", 0, NULL, err, "committing");
    if (!res) {
        pg_rollback(w);
        return -1;
    }
    /* COMMIT of a transaction a failed statement aborted answers ROLLBACK */
    int ok = !strcmp(PQcmdStatus(res), "COMMIT");
    PQclear(res);
    if (ok) return 0;
    w->last = DWHI_WH_OTHER;
    if (asprintf(err, "warehouse %s: the transaction was rolled back by the server instead of committed; rerun to resume",
                 w->shown) < 0)
        *err = NULL;
    w->generation++;
    return -1;
}

/* ---- opening */

#define SYSTEM_TABLES_SQL                                                                                        \
    "CREATE SCHEMA IF NOT EXISTS " DWHI_PG_SCHEMA ";"                                                              \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".meta (key text PRIMARY KEY, value text NOT NULL);"              \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".state ("                                                        \
    " team_id text NOT NULL, source_id text NOT NULL, schema_name text NOT NULL,"                                  \
    " namespace text NOT NULL DEFAULT '', seq bigint NOT NULL, resume text,"                                       \
    " write_mode text, incremental_field text, last_value text, earliest_value text,"                              \
    " pending_last_value text, pending_earliest_value text, run_last_value text,"                                  \
    " run_earliest_value text, rows_past_resume bigint NOT NULL DEFAULT 0,"                                        \
    " run_rows bigint NOT NULL DEFAULT 0, run_batches bigint NOT NULL DEFAULT 0,"                                  \
    " job_id text, updated_at text,"                                                                               \
    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"                                                  \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".lease ("                                                        \
    " team_id text NOT NULL, source_id text NOT NULL, schema_name text NOT NULL,"                                  \
    " namespace text NOT NULL DEFAULT '', job_id text NOT NULL, host text NOT NULL,"                               \
    " pid bigint NOT NULL, pid_start bigint NOT NULL, started_at text NOT NULL,"                                   \
    " heartbeat_ms bigint NOT NULL,"                                                                               \
    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"                                                  \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".runs ("                                                         \
    " run_id bigserial PRIMARY KEY, job_id text NOT NULL, team_id text NOT NULL,"                                  \
    " source text NOT NULL, source_id text NOT NULL, namespace text NOT NULL DEFAULT '',"                          \
    " started_at text NOT NULL, ended_at text, outcome text NOT NULL, failure text, error text,"                   \
    " rows bigint NOT NULL DEFAULT 0, host text NOT NULL, pid bigint NOT NULL,"                                    \
    " pid_start bigint NOT NULL DEFAULT 0, command text, cwd text);"                                               \
    "CREATE INDEX IF NOT EXISTS runs_job ON " DWHI_PG_SCHEMA ".runs (team_id, source_id, namespace, run_id);"      \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".run_schemas ("                                                  \
    " run_id bigint NOT NULL, schema_name text NOT NULL, table_name text, mode text,"                              \
    " status text NOT NULL, rows bigint NOT NULL DEFAULT 0, resumed integer NOT NULL DEFAULT 0,"                   \
    " failure text, error text, ord bigserial, PRIMARY KEY (run_id, schema_name));"                                               \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".webhook_inbox ("                                                \
    " id bigserial PRIMARY KEY, team_id text NOT NULL, source_id text NOT NULL,"                                   \
    " namespace text NOT NULL DEFAULT '', received_at text NOT NULL, payload text NOT NULL);"                      \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".webhook_target ("                                               \
    " inbox_id bigint NOT NULL, schema_name text NOT NULL, PRIMARY KEY (inbox_id, schema_name));"                  \
    "CREATE INDEX IF NOT EXISTS webhook_target_schema ON " DWHI_PG_SCHEMA ".webhook_target (schema_name, inbox_id);" \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".webhook_cursor ("                                               \
    " team_id text NOT NULL, source_id text NOT NULL, schema_name text NOT NULL,"                                  \
    " namespace text NOT NULL DEFAULT '', last_id bigint NOT NULL DEFAULT 0,"                                      \
    " synced integer NOT NULL DEFAULT 0, updated_at text,"                                                         \
    " PRIMARY KEY (team_id, source_id, schema_name, namespace));"                                                  \
    "CREATE TABLE IF NOT EXISTS " DWHI_PG_SCHEMA ".webhook_seen ("                                                 \
    " team_id text NOT NULL, source_id text NOT NULL, key text NOT NULL, expires bigint NOT NULL,"                 \
    " PRIMARY KEY (team_id, source_id, key));"

/* The advisory lock that serialises creating the system tables (two
 * first syncs at once) and taking leases. */
#define DWHI_PG_LOCK_SETUP "7236001"

/* Creates the system tables unless they are there (a read-only replica
 * with them opens fine; one without them fails as read-only), then reads
 * or makes the warehouse id. */
static int init_meta(dwhi_warehouse *w, char **err) {
    PGresult *res = dwhi_pg_query(w, "SELECT to_regclass('" DWHI_PG_SCHEMA ".webhook_cursor') IS NOT NULL", 0, NULL,
                                  err, "looking for dwhost's tables");
    if (!res) return -1;
    int have = !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (!have) {
        if (pg_begin(w, err) < 0) return -1;
        if (dwhi_pg_exec(w, "SELECT pg_advisory_xact_lock(" DWHI_PG_LOCK_SETUP ")", 0, NULL, err,
                         "creating dwhost's tables") < 0 ||
            dwhi_pg_exec(w, SYSTEM_TABLES_SQL, 0, NULL, err, "creating dwhost's tables in schema " DWHI_PG_SCHEMA) <
                0 ||
            pg_commit(w, err) < 0) {
            pg_rollback(w);
            return -1;
        }
    }
    res = dwhi_pg_query(w, "SELECT value FROM " DWHI_PG_SCHEMA ".meta WHERE key = 'warehouse_id'", 0, NULL, err,
                        "reading the warehouse id");
    if (!res) return -1;
    if (PQntuples(res) == 1) {
        snprintf(w->id, sizeof w->id, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        return 0;
    }
    PQclear(res);
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        w->last = DWHI_WH_OTHER;
        *err = strdup("cannot make a warehouse id: no random bytes");
        return -1;
    }
    char id[33];
    for (int i = 0; i < 16; i++) sprintf(id + 2 * i, "%02x", b[i]);
    const char *p[1] = {id};
    if (dwhi_pg_exec(w,
                     "INSERT INTO " DWHI_PG_SCHEMA ".meta VALUES ('warehouse_id', $1), ('format', '1')"
                     " ON CONFLICT (key) DO NOTHING",
                     1, p, err, "writing the warehouse id") < 0)
        return -1;
    /* another process may have won the race: read back what is stored */
    res = dwhi_pg_query(w, "SELECT value FROM " DWHI_PG_SCHEMA ".meta WHERE key = 'warehouse_id'", 0, NULL, err,
                        "reading the warehouse id");
    if (!res) return -1;
    snprintf(w->id, sizeof w->id, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : id);
    PQclear(res);
    return 0;
}

static void no_notices(void *arg, const char *message) {
    (void)arg;
    (void)message; /* "relation already exists, skipping" and friends */
}

/* Why the connection could not be made, as one line in *err. */
static void connect_failed(dwhi_warehouse *w, char **err) {
    PGconn *c = w->pg->conn;
    char *m = clean(w, c ? PQerrorMessage(c) : "out of memory");
    const char *msg = m ? m : "?";
    int n;
    if (c && PQconnectionNeedsPassword(c)) {
        w->last = DWHI_WH_AUTH;
        n = asprintf(err,
                     "warehouse %s: the server asks for a password and none was given; set PGPASSWORD or a "
                     "~/.pgpass line (or put it in the URL)",
                     w->shown);
    } else if (strstr(msg, "authentication failed") || strstr(msg, "no pg_hba.conf entry")) {
        w->last = DWHI_WH_AUTH;
        n = asprintf(err, "warehouse %s: the server refused the login (%s); check the user and its password", w->shown,
                     msg);
    } else if (strstr(msg, "does not exist")) {
        w->last = DWHI_WH_OTHER;
        n = asprintf(err, "warehouse %s: %s; create it first (createdb, CREATE ROLE) or fix --warehouse", w->shown,
                     msg);
    } else {
        w->last = DWHI_WH_UNREACHABLE;
        n = asprintf(err,
                     "warehouse %s: cannot connect to the PostgreSQL server (%s); check that it is running and the "
                     "host and port, then rerun",
                     w->shown, msg);
    }
    if (n < 0) *err = NULL;
    free(m);
}

static void pg_close(dwhi_warehouse *w) {
    if (!w) return;
    if (w->pg) {
        if (w->pg->conn) {
            pg_rollback(w);
            PQfinish(w->pg->conn);
        }
        free(w->pg->schema);
        free(w->pg->qschema);
        free(w->pg->password);
        free(w->pg);
    }
    free(w->path);
    free(w->shown);
    free(w);
}

/* Connects; `readonly` (status): creates nothing, reads one snapshot.
 * On failure *why (when not NULL) says what kind (DWHI_WH_ABSENT: a
 * read-only open found no dwhost tables). */
static dwhi_warehouse *pg_open(const char *conninfo, const dwhi_wh_options *opts, int readonly, dwhi_wh_error *why,
                               char **err) {
    *err = NULL;
    dwhi_warehouse *w = calloc(1, sizeof *w);
    if (!w) goto oom;
    w->be = &dwhi_wh_pg_backend;
    w->busy_timeout_ms = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    if (!(w->path = strdup(conninfo)) || !(w->shown = dwhi_wh_spec_shown(conninfo)) ||
        !(w->pg = calloc(1, sizeof *w->pg)))
        goto oom;
    w->pg->password = dwhi_wh_spec_password(conninfo);
    /* libpq reads the URL or conninfo (expand_dbname); what it sets wins
     * over the defaults before it */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const vals[] = {"10", "dwhost", conninfo, NULL};
    w->pg->conn = PQconnectdbParams(keys, vals, 1);
    if (!w->pg->conn || PQstatus(w->pg->conn) != CONNECTION_OK) {
        connect_failed(w, err);
        goto fail;
    }
    PQsetNoticeProcessor(w->pg->conn, no_notices, NULL);
    char set[160];
    snprintf(set, sizeof set, "SET TIME ZONE 'UTC'; SET datestyle = 'ISO'; SET lock_timeout = %d",
             w->busy_timeout_ms);
    if (dwhi_pg_exec(w, set, 0, NULL, err, "setting up the session") < 0) goto fail;
    /* the first schema of search_path that exists -- never dwhost's own,
     * which "$user" names once it exists when the user is called dwhost */
    PGresult *res = dwhi_pg_query(w,
                                  "SELECT s FROM unnest(current_schemas(false)) WITH ORDINALITY AS u(s, n)"
                                  " WHERE s <> '" DWHI_PG_SCHEMA "' ORDER BY n LIMIT 1",
                                  0, NULL, err, "finding the schema for tables");
    if (!res) goto fail;
    if (PQntuples(res) != 1) {
        PQclear(res);
        w->last = DWHI_WH_OTHER;
        if (asprintf(err,
                     "warehouse %s: no schema to create tables in (search_path names none that exists but " DWHI_PG_SCHEMA
                     "); create one or set the user's search_path",
                     w->shown) < 0)
            *err = NULL;
        goto fail;
    }
    w->pg->schema = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!w->pg->schema || !(w->pg->qschema = dwhi_pg_ident(w->pg->schema))) goto oom;
    if (readonly) {
        /* one snapshot for every read of the status, as SQLite's open read
         * transaction gives; nothing is created or locked */
        res = dwhi_pg_query(w, "SELECT to_regclass('" DWHI_PG_SCHEMA ".state') IS NOT NULL", 0, NULL, err,
                            "looking for dwhost's tables");
        if (!res) goto fail;
        int have = !strcmp(PQgetvalue(res, 0, 0), "t");
        PQclear(res);
        if (!have) {
            w->last = DWHI_WH_ABSENT;
            if (asprintf(err, "%s is not a dwhost warehouse (it has no " DWHI_PG_SCHEMA ".state table); sync into it "
                              "first, or pass --warehouse", w->shown) < 0)
                *err = NULL;
            goto fail;
        }
        if (dwhi_pg_exec(w, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err, "starting to read") < 0)
            goto fail;
        return w;
    }
    if (init_meta(w, err) < 0) goto fail;
    return w;
oom:
    free(*err);
    *err = strdup("out of memory opening the warehouse");
fail:
    if (!*err) *err = strdup("out of memory opening the warehouse");
    if (why) *why = w && w->last ? w->last : DWHI_WH_OTHER;
    pg_close(w);
    return NULL;
}

dwhi_warehouse *dwhi_whpg_open(const char *conninfo, const dwhi_wh_options *opts, char **err) {
    return pg_open(conninfo, opts, 0, NULL, err);
}

dwhi_warehouse *dwhi_whpg_open_readonly(const char *conninfo, dwhi_wh_error *why, char **err) {
    return pg_open(conninfo, NULL, 1, why, err);
}

const dwhi_wh_backend dwhi_wh_pg_backend = {
    .name = "postgres",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .table_exists = dwhi_whpg_table_exists,
    .count = dwhi_whpg_count,
    .staging_exists = dwhi_whpg_staging_exists,
    .staging_drop = dwhi_whpg_staging_drop,
    .table_open = dwhi_whpg_table_open,
    .table_time_keys = dwhi_whpg_table_time_keys,
    .table_close = dwhi_whpg_table_close,
    .table_keep_last = dwhi_whpg_table_keep_last,
    .table_repeated = dwhi_whpg_table_repeated,
    .write = dwhi_whpg_write,
    .finish = dwhi_whpg_finish,
    .state_get = dwhi_whpg_state_get,
    .state_put = dwhi_whpg_state_put,
    .state_delete = dwhi_whpg_state_delete,
    .lease_get = dwhi_whpg_lease_get,
    .lease_put = dwhi_whpg_lease_put,
    .lease_renew = dwhi_whpg_lease_renew,
    .lease_release = dwhi_whpg_lease_release,
    .run_begin = dwhi_whpg_run_begin,
    .run_schemas_put = dwhi_whpg_run_schemas_put,
    .run_end = dwhi_whpg_run_end,
    .inbox_add = dwhi_whpg_inbox_add,
    .inbox_next = dwhi_whpg_inbox_next,
    .inbox_pending = dwhi_whpg_inbox_pending,
    .webhook_cursor_get = dwhi_whpg_webhook_cursor_get,
    .webhook_cursor_put = dwhi_whpg_webhook_cursor_put,
    .webhook_mark_synced = dwhi_whpg_webhook_mark_synced,
    .webhook_skip_before = dwhi_whpg_webhook_skip_before,
    .inbox_gc = dwhi_whpg_inbox_gc,
    .inbox_drop = dwhi_whpg_inbox_drop,
    .read_states = dwhi_whpg_read_states,
    .read_stateless_jobs = dwhi_whpg_read_stateless_jobs,
    .read_leases = dwhi_whpg_read_leases,
    .lease_fresh = dwhi_whpg_lease_fresh,
    .read_webhooks_pending = dwhi_whpg_read_webhooks_pending,
    .read_runs = dwhi_whpg_read_runs,
    .read_run_schemas = dwhi_whpg_read_run_schemas,
    .read_last_run = dwhi_whpg_read_last_run,
};
