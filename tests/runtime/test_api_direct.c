/*
 * test_api_direct.c -- the function table called directly, as a careless
 * plugin would: NULL handles and strings, calls outside run(), odd JSON,
 * huge values.  Every call must answer clearly and never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cancel.h"
#include "core/ctx.h"
#include "ops/plugin_api_table.h"
#include "rt_helpers.h"

static const dw_host_api *T;

static void table_shape(void **state) {
    (void)state;
    T = dwhi_api_table();
    assert_int_equal(T->abi_major, DW_ABI_MAJOR);
    assert_true(DW_API_HAS(T, state_save));
    if (T->abi_minor >= 2) {
        assert_int_equal(T->abi_minor, DW_ABI_MINOR);
        assert_int_equal(T->struct_size, sizeof(dw_host_api));
        assert_true(DW_API_HAS(T, rest_schema_add));
        assert_true(DW_API_HAS(T, plugin_data));
        assert_null(T->plugin_data(NULL));
    } else {
        /* Without the transport nothing of 1.2 is reachable. */
        assert_int_equal(T->abi_minor, 1);
        assert_int_equal(T->struct_size, offsetof(dw_host_api, http_request));
        assert_false(DW_API_HAS(T, http_request));
        assert_false(DW_API_HAS(T, json_parse));
    }
    /* Every member up to struct_size is set. */
    const char *base = (const char *)T;
    for (size_t off = offsetof(dw_host_api, log); off < T->struct_size; off += sizeof(void *)) {
        void *fn;
        memcpy(&fn, base + off, sizeof fn);
        if (!fn) fail_msg("member at offset %zu is NULL", off);
    }
}

static void null_ctx_everywhere(void **state) {
    (void)state;
    T = dwhi_api_table();
    int64_t i;
    double d;
    int b;
    T->log(NULL, DW_LOG_DEBUG, "nothing %s", "here");
    assert_int_equal((T->fail)(NULL, DW_ERR_AUTH, "x"), DW_ERR_AUTH);
    assert_int_equal((T->fail)(NULL, DW_OK, "x"), DW_ERR);
    assert_int_equal(T->cancelled(NULL), 0);
    assert_null(T->config_json(NULL));
    assert_null(T->config_string(NULL, "a"));
    assert_int_equal(T->config_int(NULL, "a", &i), 0);
    assert_int_equal(T->config_double(NULL, "a", &d), 0);
    assert_int_equal(T->config_bool(NULL, "a", &b), 0);
    assert_int_equal(T->config_array_len(NULL, "a"), 0);
    dw_schema s = {.struct_size = sizeof s, .name = "x"};
    assert_int_equal(T->schema_add(NULL, &s), DW_ERR);
    assert_int_equal(T->emit_json(NULL, "{}", 2), DW_ERR);
    assert_null(T->row_new(NULL));
    T->row_set_string(NULL, "a", "b");
    T->row_set_int(NULL, "a", 1);
    T->row_set_double(NULL, "a", 1);
    T->row_set_bool(NULL, "a", 1);
    T->row_set_null(NULL, "a");
    T->row_set_json(NULL, "a", "{}");
    assert_int_equal(T->row_emit(NULL), DW_ERR_NOMEM);
    T->row_discard(NULL);
    T->free(NULL);
    assert_int_equal(T->state_can_resume(NULL), 0);
    assert_null(T->state_load(NULL));
    assert_int_equal(T->state_save(NULL, "{}"), DW_ERR);
    /* 1.2 members that are not transport (set even when unreachable). */
    T->secret_add(NULL, "abcdef");
    assert_int_equal(T->emit_value(NULL, NULL), DW_ERR);
    dw_json *j = T->json_parse(NULL, "{\"a\":[1]}", 9);
    assert_non_null(j);
    assert_int_equal(T->json_array_len(T->json_get(j, "a")), 1);
    T->json_free(j);
    char *u = T->url_build(NULL, "https://h", "p", NULL);
    assert_string_equal(u, "https://h/p");
    T->free(u);
}

typedef struct {
    dw_ctx ctx;
    rt_sink sink;
    dw_run_inputs in;
    struct dwh_cancel cancel;
} fixture;

static void fx_init(fixture *f, const char *config) {
    memset(f, 0, sizeof *f);
    json_object *cfg = config ? rt_json(config) : NULL;
    assert_int_equal(dwhi_ctx_init(&f->ctx, NULL, cfg, NULL), DW_OK);
    if (cfg) json_object_put(cfg); /* ctx holds its own copy */
    rt_sink_init(&f->sink);
    f->in.struct_size = sizeof f->in;
    f->in.schema_name = "t";
    f->ctx.inputs = &f->in;
    f->ctx.sink = &f->sink.sink;
    f->ctx.cancel = &f->cancel;
    T = dwhi_api_table();
}

static void fx_free(fixture *f) {
    dwhi_ctx_cleanup(&f->ctx);
    rt_sink_free(&f->sink);
}

static void config_copy_is_private(void **state) {
    (void)state;
    json_object *cfg = rt_json("{\"a\":{\"b\":[10,20]}}");
    dw_ctx ctx;
    assert_int_equal(dwhi_ctx_init(&ctx, NULL, cfg, NULL), DW_OK);
    json_object_object_del(cfg, "a"); /* the caller changes its config */
    json_object_put(cfg);
    int64_t v = 0;
    assert_int_equal(dwhi_api_table()->config_int(&ctx, "a.b[1]", &v), 1);
    assert_int_equal(v, 20);
    assert_string_equal(dwhi_api_table()->config_json(&ctx), "{\"a\":{\"b\":[10,20]}}");
    dwhi_ctx_cleanup(&ctx);
    /* config_string: any scalar as text, as dwsdk.h documents. */
    cfg = rt_json("{\"n\":42,\"d\":1.5,\"t\":true,\"s\":\"x\",\"z\":null,\"o\":{},\"a\":[1]}");
    assert_int_equal(dwhi_ctx_init(&ctx, NULL, cfg, NULL), DW_OK);
    json_object_put(cfg);
    assert_string_equal(dwhi_api_table()->config_string(&ctx, "n"), "42");
    assert_string_equal(dwhi_api_table()->config_string(&ctx, "d"), "1.5");
    assert_string_equal(dwhi_api_table()->config_string(&ctx, "t"), "true");
    assert_string_equal(dwhi_api_table()->config_string(&ctx, "s"), "x");
    assert_null(dwhi_api_table()->config_string(&ctx, "z"));
    assert_null(dwhi_api_table()->config_string(&ctx, "o"));
    assert_null(dwhi_api_table()->config_string(&ctx, "a"));
    dwhi_ctx_cleanup(&ctx);
    /* Without a config: "{}" and nothing found. */
    assert_int_equal(dwhi_ctx_init(&ctx, NULL, NULL, NULL), DW_OK);
    assert_string_equal(dwhi_api_table()->config_json(&ctx), "{}");
    assert_null(dwhi_api_table()->config_string(&ctx, "a"));
    dwhi_ctx_cleanup(&ctx);
}

/* 1.7 emit_page: the rows at a JSON Pointer of a page, with the envelope
 * passed over; pointers through arrays, escapes, null and errors. */
static void emit_page_rows_at_a_pointer(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    const char *page = "{\"object\":\"list\",\"data\":[{\"id\":1,\"u\":{\"l\":\"a/b\"}},{\"id\":2}],"
                       "\"has_more\":true,\"a/b\":{\"~x\":[{\"id\":3}]},\"pages\":[{\"rows\":[{\"id\":4}]}]}";
    assert_int_equal(T->emit_page(&f.ctx, page, strlen(page), "/data"), DW_OK);
    assert_int_equal(rt_nrows(&f.sink), 2);
    assert_string_equal(json_object_to_json_string_ext(rt_row(&f.sink, 0), JSON_C_TO_STRING_PLAIN |
                                                                                JSON_C_TO_STRING_NOSLASHESCAPE),
                        "{\"id\":1,\"u\":{\"l\":\"a/b\"}}");
    /* ~1 is '/', ~0 is '~' (RFC 6901) */
    assert_int_equal(T->emit_page(&f.ctx, page, strlen(page), "/a~1b/~0x"), DW_OK);
    assert_int_equal(rt_nrows(&f.sink), 3);
    /* through an array: the whole-text parse */
    assert_int_equal(T->emit_page(&f.ctx, page, strlen(page), "/pages/0/rows"), DW_OK);
    assert_int_equal(rt_nrows(&f.sink), 4);
    assert_int_equal(json_object_get_int(json_object_object_get(rt_row(&f.sink, 3), "id")), 4);
    /* null at the pointer: no rows, no error; a single object: one row */
    const char *null_rows = "{\"data\":null}", *one = "{\"data\":{\"id\":5}}", *body = "[{\"id\":6}]";
    assert_int_equal(T->emit_page(&f.ctx, null_rows, strlen(null_rows), "/data"), DW_OK);
    assert_int_equal(T->emit_page(&f.ctx, one, strlen(one), "/data"), DW_OK);
    assert_int_equal(T->emit_page(&f.ctx, body, strlen(body), ""), DW_OK);
    assert_int_equal(T->emit_page(&f.ctx, body, strlen(body), NULL), DW_OK);
    assert_int_equal(rt_nrows(&f.sink), 7);
    fx_free(&f);

    struct {
        const char *page, *pointer, *msg;
    } bad[] = {
        {"{\"data\":[1]}", "/data", "element 0 of the array at /data is a number, not an object"},
        {"{\"data\":\"x\"}", "/data", "at /data, got a string"},
        {"{\"other\":[]}", "/data", "the page has nothing at /data"},
        {"{\"data\":[{\"id\":1}],", "/data", "invalid JSON"},
        {"{\"pages\":[]}", "/pages/0/rows", "the page has nothing at /pages/0/rows"},
        {"{\"data\":[]}", "data", "not a JSON Pointer"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_init(&f, NULL);
        assert_int_not_equal(T->emit_page(&f.ctx, bad[i].page, strlen(bad[i].page), bad[i].pointer), DW_OK);
        if (!strstr(f.ctx.error, bad[i].msg)) fail_msg("%s at %s: '%s' lacks '%s'", bad[i].page, bad[i].pointer,
                                                       f.ctx.error, bad[i].msg);
        assert_int_equal(rt_nrows(&f.sink), 0);
        fx_free(&f);
    }
}

static void numbers_are_printed_as_json(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    /* "1." is not JSON (RFC 8259): refused, naming the byte */
    const char *odd = "{\"a\":1.,\"b\":1}";
    assert_int_equal(T->emit_json(&f.ctx, odd, strlen(odd)), DW_ERR_BAD_DATA);
    assert_non_null(strstr(f.ctx.error, "malformed number"));
    fx_free(&f);
    fx_init(&f, NULL);
    const char *text = "{\"b\":1E5,\"c\":-0.5e-3,\"d\":12345678901234567}";
    assert_int_equal(T->emit_json(&f.ctx, text, strlen(text)), DW_OK);
    const char *out = json_object_to_json_string_ext(rt_row(&f.sink, 0), JSON_C_TO_STRING_PLAIN);
    /* printed as written */
    json_object *back = json_tokener_parse(out);
    assert_non_null(back);
    assert_non_null(strstr(out, "\"b\":1E5"));
    assert_non_null(strstr(out, "\"c\":-0.5e-3"));
    assert_non_null(strstr(out, "\"d\":12345678901234567"));
    json_object_put(back);
    fx_free(&f);
}

static void emit_outside_run_and_after_cancel(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    f.ctx.sink = NULL; /* list_schemas has no sink */
    assert_int_equal(T->emit_json(&f.ctx, "{}", 2), DW_ERR_UNSUPPORTED);
    assert_non_null(strstr(f.ctx.error, "outside run()"));
    fx_free(&f);

    fx_init(&f, NULL);
    assert_int_equal(T->emit_json(&f.ctx, "{\"n\":1}", 7), DW_OK);
    assert_int_equal(T->state_save(&f.ctx, "{\"after\":1}"), DW_OK);
    dwhi_cancel_set(&f.cancel);
    assert_int_equal(T->cancelled(&f.ctx), 1);
    /* A save after cancellation is still true and kept... */
    assert_int_equal(T->state_save(&f.ctx, "{\"after\":1}"), DW_OK);
    /* ...rows are refused, and then so are saves. */
    assert_int_equal(T->emit_json(&f.ctx, "{\"n\":2}", 7), DW_ERR_CANCELLED);
    assert_int_equal(T->state_save(&f.ctx, "{\"after\":2}"), DW_ERR_CANCELLED);
    assert_int_equal(rt_nrows(&f.sink), 1);
    assert_string_equal(f.sink.saved, "{\"after\":1}");
    fx_free(&f);

    /* state outside run(). */
    fx_init(&f, NULL);
    f.ctx.inputs = NULL;
    assert_int_equal(T->state_save(&f.ctx, "{}"), DW_ERR_STATE);
    assert_int_equal(T->state_can_resume(&f.ctx), 0);
    fx_free(&f);
}

static void huge_values_pass_through(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    size_t n = 8u << 20; /* 8 MiB */
    char *big = malloc(n + 1);
    memset(big, 'v', n);
    big[n] = 0;
    dw_row *r = T->row_new(&f.ctx);
    T->row_set_string(r, "big", big);
    assert_int_equal(T->row_emit(r), DW_OK);
    assert_int_equal(strlen(rt_row_str(&f.sink, 0, "big")), n);
    /* The same through emit_json. */
    char *doc = malloc(n + 16);
    int len = sprintf(doc, "{\"big\":\"%s\"}", big);
    assert_int_equal(T->emit_json(&f.ctx, doc, (size_t)len), DW_OK);
    assert_int_equal(rt_nrows(&f.sink), 2);
    free(doc);
    free(big);
    fx_free(&f);
}

static void fail_keeps_the_first_error_and_adds_context(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    assert_int_equal((T->fail)(&f.ctx, DW_ERR_HTTP, "first"), DW_ERR_HTTP);
    assert_int_equal((T->fail)(&f.ctx, DW_ERR_AUTH, "second"), DW_ERR_AUTH);
    assert_string_equal(f.ctx.error, "first");
    assert_int_equal(f.ctx.error_code, DW_ERR_HTTP);
    fx_free(&f);
    /* A host refusal followed by the plugin's context. */
    fx_init(&f, NULL);
    assert_int_equal(T->emit_json(&f.ctx, "[1]", 3), DW_ERR_BAD_DATA);
    (T->fail)(&f.ctx, DW_ERR, "orders.jsonl line 12");
    assert_string_equal(f.ctx.error, "orders.jsonl line 12: emit_json: element 0 of the array is a number, not an object");
    assert_int_equal(f.ctx.error_code, DW_ERR_BAD_DATA);
    fx_free(&f);
    /* A NULL format and an overlong message. */
    fx_init(&f, NULL);
    (T->fail)(&f.ctx, DW_ERR, NULL);
    assert_string_equal(f.ctx.error, "(no message)");
    fx_free(&f);
    fx_init(&f, NULL);
    char *big = malloc(50000);
    memset(big, 'e', 49999);
    big[49999] = 0;
    (T->fail)(&f.ctx, DW_ERR, "%s", big);
    assert_true(strlen(f.ctx.error) <= DWHI_ERROR_MAX_BYTES);
    free(big);
    fx_free(&f);
}

static void secret_added_at_run_time_is_scrubbed(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    T->secret_add(&f.ctx, "tok-abcdef-123");
    T->secret_add(&f.ctx, NULL);
    T->secret_add(&f.ctx, "ab"); /* too short to be worth masking */
    (T->fail)(&f.ctx, DW_ERR_AUTH, "token tok-abcdef-123 expired (ab)");
    assert_string_equal(f.ctx.error, "token *** expired (ab)");
    fx_free(&f);
}

static void json_helpers_on_odd_input(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    assert_null(T->json_parse(&f.ctx, "null", 4)); /* null is "absent" */
    assert_null(T->json_parse(&f.ctx, "", 0));
    assert_null(T->json_parse(&f.ctx, "[1] [2]", 7));
    assert_null(T->json_parse(&f.ctx, "[NaN]", 5));
    /* json-c would clamp these to 64 bits; they are refused instead... */
    assert_null(T->json_parse(&f.ctx, "[99999999999999999999999]", 25));
    assert_null(T->json_parse(&f.ctx, "[-99999999999999999999999]", 26));
    const char *huge = "{\"id\":18446744073709551616}";
    assert_int_equal(T->emit_json(&f.ctx, huge, strlen(huge)), DW_ERR_BAD_DATA);
    assert_non_null(strstr(f.ctx.error, "does not fit in 64 bits"));
    fx_free(&f);
    fx_init(&f, NULL);
    /* ...while the limits themselves are kept. */
    dw_json *lim = T->json_parse(&f.ctx, "[18446744073709551615,-9223372036854775808]", 43);
    assert_non_null(lim);
    assert_string_equal(T->json_string(T->json_index(lim, 0)), "18446744073709551615");
    assert_string_equal(T->json_string(T->json_index(lim, 1)), "-9223372036854775808");
    T->json_free(lim);
    const char *doc = "{\"big\":18446744073709551615,\"neg\":-5,\"f\":0.1}";
    dw_json *j = T->json_parse(&f.ctx, doc, strlen(doc));
    assert_non_null(j);
    assert_string_equal(T->json_string(T->json_get(j, "big")), "18446744073709551615");
    assert_string_equal(T->json_string(T->json_get(j, "neg")), "-5");
    assert_string_equal(T->json_string(T->json_get(j, "f")), "0.1");
    assert_null(T->json_index(j, 0)); /* not an array */
    assert_null(T->json_get(j, "big.deeper"));
    assert_int_equal(T->emit_value(&f.ctx, T->json_get(j, "neg")), DW_ERR_BAD_DATA);
    T->json_free(j);
    fx_free(&f);
}

/* One ctx parses many texts with one kept tokener: a failed parse must
 * not leave anything behind for the next, and UTF-8 is checked wherever
 * the bad byte sits (the all-ASCII shortcut must not hide it). */
static void one_tokener_many_parses(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, NULL);
    char pad[200];
    memset(pad, 'a', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    char text[512];
    for (int round = 0; round < 3; round++) {
        assert_null(T->json_parse(&f.ctx, "{\"a\": [1, 2", 12)); /* cut short */
        /* cut inside a surrogate pair: json-c's reset kept the half pair,
         * which then turned the next text's "\u0000" key into U+FFFD */
        assert_null(T->json_parse(&f.ctx, "\"\\ud83d\\u", 9));
        dw_json *k = T->json_parse(&f.ctx, "{\"\\u0041k\": 1}", 14);
        assert_non_null(k);
        char *kt = T->json_text(k); /* as a fresh parse reads it */
        assert_string_equal(kt, "{\"Ak\":1}");
        free(kt);
        T->json_free(k);
        dw_json *ok = T->json_parse(&f.ctx, "{\"b\": 2}", 8);
        assert_non_null(ok);
        assert_string_equal(T->json_string(T->json_get(ok, "b")), "2");
        assert_null(T->json_get(ok, "a")); /* nothing of the failed text */
        T->json_free(ok);
        /* a bad byte early, in the middle of a long text, and last */
        assert_null(T->json_parse(&f.ctx, "\"\xff\"", 3));
        int n = snprintf(text, sizeof text, "{\"k\": \"%s\xc3\x28%s\"}", pad, pad);
        assert_null(T->json_parse(&f.ctx, text, (size_t)n));
        n = snprintf(text, sizeof text, "[\"%s\", \"\xe2\x82\"]", pad);
        assert_null(T->json_parse(&f.ctx, text, (size_t)n));
        /* good multi-byte text still parses, and comes back the same */
        n = snprintf(text, sizeof text, "{\"k\": \"%s caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", pad);
        dw_json *u = T->json_parse(&f.ctx, text, (size_t)n);
        assert_non_null(u);
        assert_non_null(strstr(T->json_string(T->json_get(u, "k")), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
        T->json_free(u);
    }
    fx_free(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_shape),
        cmocka_unit_test(null_ctx_everywhere),
        cmocka_unit_test(config_copy_is_private),
        cmocka_unit_test(numbers_are_printed_as_json),
        cmocka_unit_test(emit_page_rows_at_a_pointer),
        cmocka_unit_test(emit_outside_run_and_after_cancel),
        cmocka_unit_test(huge_values_pass_through),
        cmocka_unit_test(fail_keeps_the_first_error_and_adds_context),
        cmocka_unit_test(secret_added_at_run_time_is_scrubbed),
        cmocka_unit_test(json_helpers_on_odd_input),
        cmocka_unit_test(one_tokener_many_parses),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rt_plugins_free();
    return rc;
}
