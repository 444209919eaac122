/* scalar.c -- one value of a row: its JSON text and Python str() (see
 * scalar.h). */
#include "scalar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* repr() of a Python float: the shortest digits that round-trip, fixed
 * notation for exponents in [-4, 16), else d.ddde+XX. */
static size_t python_float(double d, char *buf, size_t cap) {
    if (isnan(d)) return (size_t)snprintf(buf, cap, "nan");
    if (isinf(d)) return (size_t)snprintf(buf, cap, d < 0 ? "-inf" : "inf");
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    /* e = [-]D[.DDD]e[+-]XX */
    char mant[24];
    size_t nm = 0;
    const char *c = e;
    int neg = 0;
    if (*c == '-') {
        neg = 1;
        c++;
    }
    for (; *c && *c != 'e'; c++)
        if (*c != '.') mant[nm++] = *c;
    mant[nm] = 0;
    int exp = atoi(c + 1);
    while (nm > 1 && mant[nm - 1] == '0') mant[--nm] = 0;
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int z = 0; z < -exp - 1; z++) out[o++] = '0';
            for (size_t k = 0; k < nm; k++) out[o++] = mant[k];
        } else {
            for (int k = 0; k <= exp; k++) out[o++] = (size_t)k < nm ? mant[k] : '0';
            out[o++] = '.';
            if ((size_t)exp + 1 < nm)
                for (size_t k = (size_t)exp + 1; k < nm; k++) out[o++] = mant[k];
            else
                out[o++] = '0';
        }
        out[o] = 0;
    } else {
        out[o++] = mant[0];
        if (nm > 1) {
            out[o++] = '.';
            for (size_t k = 1; k < nm; k++) out[o++] = mant[k];
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    return (size_t)snprintf(buf, cap, "%s", out);
}

static const char HEX[] = "0123456789abcdef";

/* Non-zero when one of the 8 bytes of x needs escaping in a JSON string
 * (a control character, '"' or '\\'); may also flag a byte above a real
 * one, never miss one (the classic has-zero-byte tests). */
static inline uint64_t needs_escape8(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

size_t dwhi_json_quote(const char *s, size_t n, char *out) {
    char *o = out;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        /* eight plain bytes at a time: most text needs no escape */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (needs_escape8(x)) break;
            memcpy(o, &x, 8);
            o += 8;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i++];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
        }
    }
    *o++ = '"';
    return (size_t)(o - out);
}

void dwhi_scalar_of_json(json_object *v, dwhi_scalar *out) {
    memset(out, 0, sizeof *out);
    switch (json_object_get_type(v)) {
    case json_type_null: break;
    case json_type_boolean:
        out->type = DWHI_S_BOOL;
        out->i = json_object_get_boolean(v) ? 1 : 0;
        break;
    case json_type_int:
        out->i = json_object_get_int64(v);
        out->type = DWHI_S_INT;
        if (out->i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) {
            out->type = DWHI_S_BIGINT; /* json-c prints the uint64 */
            out->s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &out->len);
        }
        break;
    case json_type_double:
        out->type = DWHI_S_REAL;
        out->d = json_object_get_double(v);
        out->s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &out->len); /* as written */
        break;
    case json_type_string:
        out->type = DWHI_S_STRING;
        out->s = json_object_get_string(v);
        out->len = (size_t)json_object_get_string_len(v);
        break;
    default:
        out->type = DWHI_S_JSON;
        out->s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                   &out->len);
    }
}

/* Copies n bytes of s into buf as snprintf would; returns n. */
static size_t put(char *buf, size_t cap, const char *s, size_t n) {
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return n;
}

size_t dwhi_scalar_json(const dwhi_scalar *v, char *buf, size_t cap) {
    switch (v->type) {
    case DWHI_S_NULL: return put(buf, cap, "null", 4);
    case DWHI_S_BOOL: return v->i ? put(buf, cap, "true", 4) : put(buf, cap, "false", 5);
    case DWHI_S_INT: return (size_t)snprintf(buf, cap, "%lld", (long long)v->i);
    case DWHI_S_REAL: return v->s ? put(buf, cap, v->s, v->len) : python_float(v->d, buf, cap);
    case DWHI_S_BIGINT:
    case DWHI_S_JSON: return put(buf, cap, v->s, v->len);
    case DWHI_S_STRING: {
        size_t need = v->len * 6 + 2;
        if (need < cap) {
            size_t n = dwhi_json_quote(v->s, v->len, buf);
            buf[n] = 0;
            return n;
        }
        char *tmp = malloc(need + 1);
        if (!tmp) return SIZE_MAX;
        size_t n = dwhi_json_quote(v->s, v->len, tmp);
        put(buf, cap, tmp, n);
        free(tmp);
        return n;
    }
    }
    return 0;
}

size_t dwhi_scalar_python_str(const dwhi_scalar *v, char *buf, size_t cap) {
    switch (v->type) {
    case DWHI_S_NULL: return put(buf, cap, "None", 4);
    case DWHI_S_BOOL: return v->i ? put(buf, cap, "True", 4) : put(buf, cap, "False", 5);
    case DWHI_S_INT: return (size_t)snprintf(buf, cap, "%lld", (long long)v->i);
    case DWHI_S_REAL: return python_float(v->d, buf, cap);
    default: return put(buf, cap, v->s, v->len); /* strings raw; digits; compact JSON */
    }
}
