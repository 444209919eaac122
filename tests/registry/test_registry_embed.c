/* test_registry_embed.c -- the "host and registry" embedding API through
 * libdwhost.so and dwhost.h only: what an embedding service sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dwhost.h"
#include "regt_util.h"

static void test_host_lifecycle(void **state) {
    char *dir = regt_tmpdir();
    free(regt_install(dir, "regt_good", NULL));
    free(regt_install(dir, "regt_minor", NULL));
    const char *dirs[] = {dir};
    dwh_host_options opts = {.plugin_dirs = dirs, .n_plugin_dirs = 1, .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    dwh_host *h = dwh_host_new(&opts);
    assert_non_null(h);
    const char *const *searched = dwh_host_plugin_dirs(h);
    assert_string_equal(searched[0], dir);
    assert_null(searched[1]);

    size_t n = 0;
    dwh_plugin **list = dwh_host_list(h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(dwh_plugin_name(list[0]), "regt_good");
    dwh_plugin_list_free(list, n);

    size_t nr = 0;
    dwh_rejection *rej = dwh_host_rejections(h, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_ABI_MINOR);
    assert_string_equal(dwh_reject_reason_name(rej[0].reason), "abi_minor");
    dwh_rejections_free(rej, nr);

    /* Hot add: a new file appears, a rescan picks it up; the reference
     * taken before outlives the host. */
    dwh_plugin *good = dwh_host_find(h, "regt_good");
    assert_non_null(good);
    char *form = dwh_plugin_form_json(good);
    assert_non_null(form);
    assert_non_null(strstr(form, "\"name\":\"regt_good\""));
    assert_non_null(strstr(form, "\"kind\":\"ssh-tunnel\""));
    free(form);
    assert_null(dwh_host_find(h, "regt_ok"));
    free(regt_install(dir, "regt_ok", NULL));
    assert_int_equal(dwh_host_rescan(h), 2);
    dwh_plugin *ok = dwh_host_find(h, "regt_ok");
    assert_non_null(ok);
    assert_int_equal(dwh_plugin_activate(ok, NULL), DW_OK);
    dwh_plugin_unref(ok);

    char *err = NULL;
    char *extra = regt_tmpdir();
    char *bad = regt_install(extra, "regt_badmagic", NULL);
    assert_int_equal(dwh_host_add_plugin_file(h, bad, &err), DW_ERR_UNSUPPORTED);
    assert_non_null(strstr(err, "bad magic"));
    free(err);
    free(bad);

    dwh_host_free(h);
    assert_string_equal(dwh_plugin_source(good)->name, "regt_good");
    assert_int_equal(dwh_plugin_activate(good, NULL), DW_OK);
    dwh_plugin_unref(good);
    regt_rmdir(extra);
    regt_rmdir(dir);
}

/* Trust and pins through dwh_host_options: dwh_plugin_sha256, a pin file
 * set by the embedder, and a rescan that re-judges an unchanged file
 * whose mode changed (chmod keeps the mtime). */
static void test_host_trust_and_pins(void **state) {
    (void)state;
    char *dir = regt_tmpdir();
    char *good = regt_install(dir, "regt_good", NULL);
    free(regt_install(dir, "regt_ok", NULL));
    const char *dirs[] = {dir};
    dwh_host_options opts = {.plugin_dirs = dirs, .n_plugin_dirs = 1,
                             .flags = DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR};
    dwh_host *h = dwh_host_new(&opts);
    assert_non_null(h);
    dwh_plugin *p = dwh_host_find(h, "regt_good");
    assert_non_null(p);
    const char *sha = dwh_plugin_sha256(p);
    assert_non_null(sha);
    assert_int_equal(strlen(sha), 64);
    assert_null(dwh_plugin_sha256(NULL));

    /* chmod g+w: the rescan refuses the unchanged file it had kept. */
    assert_int_equal(chmod(good, 0775), 0);
    assert_int_equal(dwh_host_rescan(h), 1);
    size_t nr = 0;
    dwh_rejection *rej = dwh_host_rejections(h, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_UNTRUSTED);
    assert_string_equal(dwh_reject_reason_name(rej[0].reason), "untrusted");
    assert_non_null(strstr(rej[0].message, "chmod go-w"));
    dwh_rejections_free(rej, nr);
    assert_int_equal(chmod(good, 0755), 0);
    dwh_host_free(h);

    /* A pin file naming regt_good only: regt_ok is unpinned. */
    char line[256];
    snprintf(line, sizeof line, "regt_good %s\n", sha);
    char *pins = regt_write(dir, "pins.txt", line, strlen(line));
    opts.plugin_pins = pins;
    h = dwh_host_new(&opts);
    assert_non_null(h);
    dwh_plugin *again = dwh_host_find(h, "regt_good");
    assert_non_null(again);
    assert_string_equal(dwh_plugin_sha256(again), sha);
    dwh_plugin_unref(again);
    assert_null(dwh_host_find(h, "regt_ok"));
    rej = dwh_host_rejections(h, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_UNPINNED);
    assert_string_equal(dwh_reject_reason_name(rej[0].reason), "unpinned");
    dwh_rejections_free(rej, nr);

    /* The pin file is read again at each scan: a wrong digest now. */
    snprintf(line, sizeof line, "regt_good %064d\nregt_ok %064d\n", 0, 0);
    free(regt_write(dir, "pins.txt", line, strlen(line)));
    assert_int_equal(dwh_host_rescan(h), 0);
    rej = dwh_host_rejections(h, &nr);
    assert_int_equal(nr, 2);
    assert_int_equal(rej[0].reason, DWH_REJECT_PIN_MISMATCH);
    assert_string_equal(dwh_reject_reason_name(rej[0].reason), "pin_mismatch");
    assert_non_null(strstr(rej[0].message, sha));
    dwh_rejections_free(rej, nr);
    /* The reference taken before stays valid. */
    assert_string_equal(dwh_plugin_source(p)->name, "regt_good");
    dwh_plugin_unref(p);
    dwh_host_free(h);
    free(pins);
    free(good);
    regt_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_lifecycle),
        cmocka_unit_test(test_host_trust_and_pins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
