/*
 * read_json.c -- JSON Lines (one object per line; blank lines skipped) and
 * JSON array files ([{...}, {...}]), read as a stream: an array file is
 * never held in memory whole, one element at a time is.  The resume offset
 * is the byte after a line, or after an array element.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

/* Whether the row `obj` is before the watermark (see files_run_skip): its
 * incremental field as text, and whether that is a JSON string. */
static int skip_row(files_run *run, json_object *obj, const char *field) {
    json_object *v = NULL;
    if (!json_object_object_get_ex(obj, field, &v) || !v) return files_run_skip(run, NULL, 0);
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return files_run_skip(run, NULL, 0); /* objects, arrays, booleans cannot be ordered: kept */
    return files_run_skip(run, json_object_get_string(v), json_object_is_type(v, json_type_string));
}

/* Parses n bytes (NULL when not JSON). */
static json_object *parse_len(const char *s, size_t n) {
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok) return NULL;
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static dw_status open_fail(dw_ctx *ctx, const char *name) {
    return files_api->fail(ctx, errno == EACCES ? DW_ERR_FORBIDDEN : DW_ERR_NOT_FOUND, "cannot open %s: %s", name,
                           strerror(errno));
}

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

dw_status files_read_jsonl(dw_ctx *ctx, files_run *run, const char *path, off_t offset) {
    const char *name = files_run_file(run);
    const char *field = files_run_field(run);
    freader f;
    if (freader_open(&f, path, offset) != 0) return open_fail(ctx, name);
    dw_status st = DW_OK;
    long line = offset > 0 ? freader_count_lines(path, offset) : 0;
    int first = offset == 0;
    for (;;) {
        ssize_t avail = freader_fill(&f, 1);
        if (avail < 0) {
            st = files_api->fail(ctx, DW_ERR, "cannot read %s: %s", name, strerror(f.err));
            break;
        }
        if (avail == 0) break;
        /* Find the end of the line, reading more as needed. */
        char *nl;
        while (!(nl = memchr(f.buf + f.pos, '\n', f.len - f.pos)) && !f.eof) {
            if (f.len - f.pos > FILES_MAX_LINE_BYTES) break;
            if (freader_fill(&f, f.len - f.pos + 1) < 0) break;
        }
        if (f.err) {
            st = files_api->fail(ctx, DW_ERR, "cannot read %s: %s", name, strerror(f.err));
            break;
        }
        line++;
        char *s = f.buf + f.pos;
        size_t n = nl ? (size_t)(nl - s) : f.len - f.pos;
        if (n > FILES_MAX_LINE_BYTES) {
            st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s line %ld is longer than %u MiB", name, line,
                                 FILES_MAX_LINE_BYTES >> 20);
            break;
        }
        size_t consumed = n + (nl ? 1 : 0);
        if (first && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) s += 3, n -= 3; /* byte order mark */
        first = 0;
        if (n && s[n - 1] == '\r') n--;
        f.pos += consumed;
        if (is_blank(s, n)) continue;
        int skip = 0;
        if (field) {
            json_object *obj = parse_len(s, n);
            skip = json_object_is_type(obj, json_type_object) && skip_row(run, obj, field);
            json_object_put(obj);
        }
        if (!skip) {
            st = files_api->emit_json(ctx, s, n);
            if (st != DW_OK) {
                st = files_api->fail(ctx, st, "%s line %ld", name, line);
                break;
            }
        }
        st = files_record_end(run, freader_offset(&f), !skip);
        if (st != DW_OK) break;
    }
    freader_close(&f);
    return st;
}

/* Skips whitespace (and a byte order mark at the start); returns the next
 * byte, or -1 at the end of the file, -2 on a read error. */
static int next_byte(freader *f, int at_start) {
    for (;;) {
        ssize_t avail = freader_fill(f, at_start ? 3 : 1);
        if (avail < 0) return -2;
        if (avail == 0) return -1;
        const char *s = f->buf + f->pos;
        if (at_start && avail >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
            f->pos += 3;
            at_start = 0;
            continue;
        }
        at_start = 0;
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            f->pos++;
            continue;
        }
        return (unsigned char)*s;
    }
}

static const char *type_name(json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_string: return "a string";
    case json_type_array: return "an array";
    default: return "an object";
    }
}

/* Parses one element at the reader's position into *out. */
static dw_status parse_element(dw_ctx *ctx, freader *f, json_tokener *tok, const char *name, long index,
                               json_object **out) {
    json_tokener_reset(tok);
    *out = NULL;
    off_t start = freader_offset(f);
    for (;;) {
        ssize_t avail = freader_fill(f, 1);
        if (avail < 0) return files_api->fail(ctx, DW_ERR, "cannot read %s: %s", name, strerror(f->err));
        if (avail == 0)
            return files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: the file ends inside element %ld (truncated?)", name,
                                   index);
        size_t chunk = (size_t)avail > (1u << 30) ? (1u << 30) : (size_t)avail;
        json_object *o = json_tokener_parse_ex(tok, f->buf + f->pos, (int)chunk);
        enum json_tokener_error e = json_tokener_get_error(tok);
        if (e == json_tokener_continue) {
            f->pos += chunk;
            if (freader_offset(f) - start > (off_t)FILES_MAX_LINE_BYTES)
                return files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: element %ld is larger than %u MiB", name, index,
                                       FILES_MAX_LINE_BYTES >> 20);
            continue;
        }
        f->pos += json_tokener_get_parse_end(tok);
        if (e != json_tokener_success)
            return files_api->fail(ctx, DW_ERR_BAD_DATA, "%s element %ld (byte %lld): invalid JSON: %s", name, index,
                                   (long long)freader_offset(f), json_tokener_error_desc(e));
        *out = o;
        return DW_OK;
    }
}

dw_status files_read_json_array(dw_ctx *ctx, files_run *run, const char *path, off_t offset) {
    const char *name = files_run_file(run);
    const char *field = files_run_field(run);
    freader f;
    if (freader_open(&f, path, offset) != 0) return open_fail(ctx, name);
    json_tokener *tok = json_tokener_new_ex(64);
    if (tok) json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
    if (!tok) {
        freader_close(&f);
        return files_api->fail(ctx, DW_ERR_NOMEM, "out of memory");
    }
    dw_status st = DW_OK;
    long index = 0;
    /* At offset 0 the array opens; a resume offset is just past an element. */
    int expect_first = offset == 0;
    if (expect_first) {
        int c = next_byte(&f, 1);
        if (c != '[') {
            st = c == -2 ? files_api->fail(ctx, DW_ERR, "cannot read %s: %s", name, strerror(f.err))
                 : c == -1 ? DW_OK /* an empty file holds no rows */
                           : files_api->fail(ctx, DW_ERR_BAD_DATA,
                                             "%s is not a JSON array (it starts with '%c'); use .jsonl for one object "
                                             "per line",
                                             name, c);
            goto done;
        }
        f.pos++;
    }
    for (;;) {
        int c = next_byte(&f, 0);
        if (c == -2) {
            st = files_api->fail(ctx, DW_ERR, "cannot read %s: %s", name, strerror(f.err));
            break;
        }
        if (c == ']') {
            f.pos++;
            c = next_byte(&f, 0);
            if (c >= 0)
                st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: unexpected text after the closing ']' at byte %lld",
                                     name, (long long)freader_offset(&f));
            break;
        }
        if (c == -1) {
            st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: the file ends before the closing ']' (truncated?)", name);
            break;
        }
        if (!expect_first) {
            if (c != ',') {
                st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: expected ',' or ']' at byte %lld", name,
                                     (long long)freader_offset(&f));
                break;
            }
            f.pos++;
            int after = next_byte(&f, 0);
            if (after == ']') {
                st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: a ',' before the closing ']' at byte %lld", name,
                                     (long long)freader_offset(&f));
                break;
            }
            if (after < 0) continue; /* reported on the next turn */
        }
        expect_first = 0;
        json_object *el = NULL;
        st = parse_element(ctx, &f, tok, name, index, &el);
        if (st != DW_OK) break;
        if (!json_object_is_type(el, json_type_object)) {
            st = files_api->fail(ctx, DW_ERR_BAD_DATA, "%s: element %ld is %s, not an object", name, index,
                                 type_name(el));
            json_object_put(el);
            break;
        }
        int skip = field && skip_row(run, el, field);
        if (!skip) {
            const char *text = json_object_to_json_string_ext(el, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
            st = files_api->emit_json(ctx, text, strlen(text));
            if (st != DW_OK) st = files_api->fail(ctx, st, "%s element %ld", name, index);
        }
        json_object_put(el);
        if (st == DW_OK) st = files_record_end(run, freader_offset(&f), !skip);
        if (st != DW_OK) break;
        index++;
    }
done:
    json_tokener_free(tok);
    freader_close(&f);
    return st;
}
