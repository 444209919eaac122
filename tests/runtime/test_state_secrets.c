/* test_state_secrets.c -- resume state never holds a secret in clear
 * (state_secrets.h): every spelling a JSON text can hold a config or
 * run-time secret in becomes a reference and comes back exactly; a new
 * value of the same config field (a rotated token) comes back instead; a
 * secret with no name is masked and such a state is not resumable; literal
 * "{{dwhost." text survives; and through the function table, a state a
 * plugin saves reaches the sink without the secret and state_load gives
 * the plugin its own text back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/emit.h"
#include "log/secrets.h"
#include "core/state_secrets.h"

#define TOKEN "tok/en+Sekr3t \"q\""

typedef struct fixture {
    dw_ctx ctx;
    dwhi_secrets *secrets;
    json_object *config;
} fixture;

static void fx_init(fixture *f, const char *token) {
    memset(f, 0, sizeof *f);
    f->secrets = dwhi_secrets_new();
    f->config = json_object_new_object();
    json_object *auth = json_object_new_object();
    json_object_object_add(auth, "api_key", json_object_new_string(token));
    json_object_object_add(f->config, "auth", auth);
    json_object_object_add(f->config, "base_url", json_object_new_string("https://api.example.com"));
    dwhi_secrets_add(f->secrets, token);
    assert_int_equal(dwhi_ctx_init(&f->ctx, NULL, f->config, f->secrets), DW_OK);
}

static void fx_free(fixture *f) {
    dwhi_ctx_cleanup(&f->ctx);
    dwhi_secrets_free(f->secrets);
    json_object_put(f->config);
}

/* Every spelling of the token a state's JSON text holds: as json-c writes
 * it ('/' escaped), '/' kept, percent-encoded, form-encoded. */
static const char *const SPELLINGS[] = {
    "tok\\/en+Sekr3t \\\"q\\\"",
    "tok/en+Sekr3t \\\"q\\\"",
    "tok%2Fen%2BSekr3t%20%22q%22",
    "tok%2Fen%2BSekr3t+%22q%22",
};

static void test_round_trip(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, TOKEN);
    dwhi_state_secret_runtime(&f.ctx, "runtime-token-0001");
    for (size_t i = 0; i < sizeof SPELLINGS / sizeof SPELLINGS[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"pos\":{\"url\":\"https:\\/\\/h\\/x?t=%s&r=runtime-token-0001&c={{dwhost.x}}\"},\"k\":\"%s\"}",
                 SPELLINGS[i], SPELLINGS[i]);
        size_t masked = 9;
        char *stored = dwhi_state_secrets_hide(&f.ctx, text, &masked);
        assert_non_null(stored);
        assert_int_equal(masked, 0);
        if (strstr(stored, "Sekr3t") || strstr(stored, "runtime-token")) fail_msg("clear secret: %s", stored);
        assert_non_null(strstr(stored, "{{dwhost.secret:"));
        assert_non_null(strstr(stored, ":config:auth.api_key}}"));
        assert_non_null(strstr(stored, "{{dwhost.secret:j:runtime:0}}"));
        assert_non_null(strstr(stored, "{{dwhost.lit.x}}"));
        char *why = NULL;
        char *back = dwhi_state_secrets_restore(&f.ctx, stored, &why);
        if (!back || strcmp(back, text)) fail_msg("spelling %zu: %s -> %s -> %s (%s)", i, text, stored, back, why);
        free(back);
        free(stored);
    }
    fx_free(&f);
}

/* The same stored state in a run whose config holds a new token, and one
 * that has not registered the run-time secret yet. */
static void test_rotated_and_missing(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, TOKEN);
    char *stored = dwhi_state_secrets_hide(&f.ctx, "{\"u\":\"?t=tok%2Fen%2BSekr3t%20%22q%22\"}", NULL);
    fx_free(&f);
    fx_init(&f, "new token/2");
    char *why = NULL;
    char *back = dwhi_state_secrets_restore(&f.ctx, stored, &why);
    assert_string_equal(back, "{\"u\":\"?t=new%20token%2F2\"}");
    free(back);
    free(stored);

    stored = strdup("{\"u\":\"{{dwhost.secret:j:runtime:3}}\"}");
    assert_null(dwhi_state_secrets_restore(&f.ctx, stored, &why));
    assert_string_equal(why, "it refers to the secret runtime:3, which this run does not have");
    free(why);
    free(stored);
    assert_null(dwhi_state_secrets_restore(&f.ctx, "{\"u\":\"{{dwhost.secret:masked}}\"}", &why));
    assert_string_equal(why, "a secret in it was masked when it was saved");
    free(why);
    back = dwhi_state_secrets_restore(&f.ctx, "{\"u\":\"{{dwhost.other}} {{dwhost.lit.lit.a}}\"}", &why);
    assert_string_equal(back, "{\"u\":\"{{dwhost.other}} {{dwhost.lit.a}}\"}");
    free(back);
    fx_free(&f);
}

/* A secret that is neither a config value nor registered at run time (a
 * value another operation added to the shared set), or spelt in a way the
 * forms do not cover (lower-case hex), is masked: never kept in clear. */
static void test_masked(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, TOKEN);
    dwhi_secrets_add(f.secrets, "shared-secret-42");
    size_t masked = 0;
    char *stored = dwhi_state_secrets_hide(&f.ctx, "{\"a\":\"shared-secret-42\",\"b\":\"tok%2fen%2bSekr3t%20%22q%22\"}",
                                          &masked);
    assert_int_equal(masked, 2);
    assert_string_equal(stored, "{\"a\":\"{{dwhost.secret:masked}}\",\"b\":\"{{dwhost.secret:masked}}\"}");
    free(stored);
    fx_free(&f);
}

/* Through emit.c: the sink gets references, the plugin gets its text. */
typedef struct sink_box {
    char *saved;
} sink_box;

static dw_status box_save(void *ud, dw_ctx *ctx, const char *state) {
    (void)ctx;
    sink_box *b = ud;
    free(b->saved);
    b->saved = strdup(state);
    return DW_OK;
}

static const char *box_load(void *ud, dw_ctx *ctx) {
    (void)ctx;
    return ((sink_box *)ud)->saved;
}

static void test_through_the_table(void **state) {
    (void)state;
    fixture f;
    fx_init(&f, TOKEN);
    sink_box box = {0};
    dwhi_row_sink sink = {.ud = &box, .state_save = box_save, .state_load = box_load};
    dw_run_inputs in = {.struct_size = sizeof in, .schema_name = "x"};
    f.ctx.sink = &sink;
    f.ctx.inputs = &in;
    const char *text = "{\"next\":\"https://h/x?access_token=tok%2Fen%2BSekr3t%20%22q%22&page=2\"}";
    assert_int_equal(dwhi_state_save(&f.ctx, text), DW_OK);
    assert_null(strstr(box.saved, "Sekr3t"));
    assert_non_null(strstr(box.saved, "access_token={{dwhost.secret:u:config:auth.api_key}}&page=2"));
    fx_free(&f);

    fx_init(&f, TOKEN);
    f.ctx.sink = &sink;
    f.ctx.inputs = &in;
    assert_true(dwhi_state_can_resume(&f.ctx));
    assert_string_equal(dwhi_state_load(&f.ctx), text);
    fx_free(&f);
    free(box.saved);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_rotated_and_missing),
        cmocka_unit_test(test_masked),
        cmocka_unit_test(test_through_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
