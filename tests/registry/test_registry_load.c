/* test_registry_load.c -- every rejection reason, each with its own
 * message, while the good plugins in the same directory still load;
 * shadowing; the normalised descriptor; init only on activation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <dlfcn.h>

#include "registry/registry.h"
#include "regt_util.h"

static const dwh_rejection *find_rej(const dwh_rejection *r, size_t n, const char *file) {
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(r[i].path, '/');
        if (base && !strcmp(base + 1, file)) return &r[i];
    }
    return NULL;
}

static void expect_rej(const dwh_rejection *r, size_t n, const char *file, dwh_reject_reason reason,
                       const char *needle) {
    const dwh_rejection *x = find_rej(r, n, file);
    if (!x) fail_msg("%s was not rejected", file);
    if (x->reason != reason)
        fail_msg("%s: reason %s, expected %s (%s)", file, dwh_reject_reason_name(x->reason),
                 dwh_reject_reason_name(reason), x->message);
    if (!strstr(x->message, needle)) fail_msg("%s: message '%s' lacks '%s'", file, x->message, needle);
    assert_null(strchr(x->message, '\n'));
}

static void test_each_reason_with_good_plugins_alongside(void **state) {
    char *dir = regt_tmpdir();
    const char *copy[] = {"regt_good", "regt_ok", "regt_noentry", "regt_badmagic", "regt_major", "regt_minor",
                          "regt_size", "regt_noicon", "regt_mismatch", "regt_dupfield", "regt_emptyselect",
                          "regt_badkind", "regt_badinput", "regt_noname", "regt_initfail"};
    for (size_t i = 0; i < sizeof copy / sizeof copy[0]; i++) free(regt_install(dir, copy[i], NULL));
    static const char not_elf[] = "#!/bin/sh\necho this is not a shared object\n";
    free(regt_write(dir, "libsource_notelf.so", not_elf, sizeof not_elf - 1));
    free(regt_truncated(dir, "regt_good", "libsource_truncated.so"));
    free(regt_write(dir, "README.txt", "x", 1)); /* not a plugin name: ignored */

    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    size_t loaded = dwhi_registry_scan(r, dirs, 1);
    assert_int_equal(loaded, 3); /* good, ok, and initfail (init runs only on activation) */

    size_t n = 0;
    dwh_plugin **list = dwhi_registry_list(r, &n);
    assert_int_equal(n, 3);
    assert_string_equal(dwh_plugin_name(list[0]), "regt_good");
    assert_string_equal(dwh_plugin_name(list[1]), "regt_initfail");
    assert_string_equal(dwh_plugin_name(list[2]), "regt_ok");
    dwh_plugin_list_free(list, n);

    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(r, &nr);
    assert_int_equal(nr, 14);
    expect_rej(rej, nr, "libsource_notelf.so", DWH_REJECT_NOT_LOADABLE, "not loadable: ");
    expect_rej(rej, nr, "libsource_truncated.so", DWH_REJECT_NOT_LOADABLE, "truncated");
    expect_rej(rej, nr, "libsource_regt_noentry.so", DWH_REJECT_NO_ENTRY, "no 'dwhost_source' entry point");
    expect_rej(rej, nr, "libsource_regt_badmagic.so", DWH_REJECT_BAD_MAGIC, "bad magic 0x12345678");
    expect_rej(rej, nr, "libsource_regt_major.so", DWH_REJECT_ABI_MAJOR,
               "built for plugin ABI 2.9, this host speaks ABI 1.9");
    expect_rej(rej, nr, "libsource_regt_major.so", DWH_REJECT_ABI_MAJOR, "rebuild the plugin against the host's dwsdk.h");
    expect_rej(rej, nr, "libsource_regt_minor.so", DWH_REJECT_ABI_MINOR, "ABI 1.10, newer than this host's 1.9");
    expect_rej(rej, nr, "libsource_regt_minor.so", DWH_REJECT_ABI_MINOR, "upgrade dwhost");
    expect_rej(rej, nr, "libsource_regt_size.so", DWH_REJECT_STRUCT_SIZE, "struct_size 8");
    expect_rej(rej, nr, "libsource_regt_noicon.so", DWH_REJECT_METADATA, "required metadata missing: icon_path");
    expect_rej(rej, nr, "libsource_regt_mismatch.so", DWH_REJECT_NAME_MISMATCH,
               "source name 'regt_other' does not match the file name");
    expect_rej(rej, nr, "libsource_regt_dupfield.so", DWH_REJECT_FIELDS, "two fields named 'directory'");
    expect_rej(rej, nr, "libsource_regt_emptyselect.so", DWH_REJECT_FIELDS, "select 'mode' has no options");
    expect_rej(rej, nr, "libsource_regt_badkind.so", DWH_REJECT_FIELDS, "'weird' has unknown kind 42");
    expect_rej(rej, nr, "libsource_regt_badinput.so", DWH_REJECT_FIELDS, "'colour' has unknown input type 99");
    expect_rej(rej, nr, "libsource_regt_noname.so", DWH_REJECT_FIELDS, "field #1 of the top level has no name");
    /* The not-an-ELF message carries dlerror's text, without the path. */
    const dwh_rejection *ne = find_rej(rej, nr, "libsource_notelf.so");
    assert_null(strstr(ne->message, dir));
    dwh_rejections_free(rej, nr);
    dwhi_registry_free(r);
    regt_rmdir(dir);
}

static void test_shadowed_first_directory_wins(void **state) {
    char *a = regt_tmpdir(), *b = regt_tmpdir();
    char *pa = regt_install(a, "regt_ok", NULL);
    char *pb = regt_install(b, "regt_ok", NULL);
    free(regt_install(b, "regt_good", NULL));
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {a, b};
    assert_int_equal(dwhi_registry_scan(r, dirs, 2), 2);
    dwh_plugin *p = dwhi_registry_find(r, "regt_ok");
    assert_non_null(p);
    assert_string_equal(dwh_plugin_path(p), pa);
    dwh_plugin_unref(p);
    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(r, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_SHADOWED);
    assert_string_equal(rej[0].path, pb);
    assert_string_equal(rej[0].shadowed_by, pa);
    assert_non_null(strstr(rej[0].message, pa));
    dwh_rejections_free(rej, nr);

    /* Reversed order: b wins. */
    const char *rev[] = {b, a};
    dwhi_registry_scan(r, rev, 2);
    p = dwhi_registry_find(r, "regt_ok");
    assert_string_equal(dwh_plugin_path(p), pb);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
    free(pa);
    free(pb);
    regt_rmdir(a);
    regt_rmdir(b);
}

static void test_rejected_first_does_not_shadow(void **state) {
    char *a = regt_tmpdir(), *b = regt_tmpdir();
    free(regt_write(a, "libsource_regt_ok.so", "junk", 4));
    char *pb = regt_install(b, "regt_ok", NULL);
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {a, b, a}; /* a twice: scanned once */
    assert_int_equal(dwhi_registry_scan(r, dirs, 3), 1);
    dwh_plugin *p = dwhi_registry_find(r, "regt_ok");
    assert_non_null(p);
    assert_string_equal(dwh_plugin_path(p), pb);
    dwh_plugin_unref(p);
    size_t nr = 0;
    dwh_rejection *rej = dwhi_registry_rejections(r, &nr);
    assert_int_equal(nr, 1);
    assert_int_equal(rej[0].reason, DWH_REJECT_NOT_LOADABLE);
    dwh_rejections_free(rej, nr);
    dwhi_registry_free(r);
    free(pb);
    regt_rmdir(a);
    regt_rmdir(b);
}

static void test_normalised_descriptor(void **state) {
    char *dir = regt_tmpdir();
    free(regt_install(dir, "regt_good", NULL));
    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    dwhi_registry_scan(r, dirs, 1);
    dwh_plugin *p = dwhi_registry_find(r, "regt_good");
    assert_non_null(p);
    const dw_source *s = dwh_plugin_source(p);
    unsigned major = 0, minor = 0;
    dwh_plugin_abi(p, &major, &minor);
    assert_int_equal(major, DW_ABI_MAJOR);
    assert_int_equal(minor, DW_ABI_MINOR);
    assert_int_equal(s->struct_size, sizeof(dw_source));
    assert_int_equal(s->field_size, sizeof(dw_field));
    assert_string_equal(s->version, "1.2.3");
    assert_string_equal(s->keywords[1], "registry");
    assert_int_equal(s->release_status, DW_RELEASE_BETA);
    assert_int_equal(s->n_fields, 8);
    assert_string_equal(s->fields[1].name, "auth");
    assert_int_equal(s->fields[1].n_options, 3);
    assert_string_equal(s->fields[1].options[1].fields[1].name, "token");
    assert_int_equal(s->fields[1].options[1].fields[1].secret, 1);
    assert_int_equal(s->fields[2].fields[0].input_type, DW_INPUT_NUMBER);
    assert_string_equal(s->fields[6].file_keys[2], "private_key");
    /* The field arrays are the host's copies; strings stay in the plugin. */
    void *h = dlopen(dwh_plugin_path(p), RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(h);
    const dw_source *raw = dlsym(h, "dwhost_source");
    assert_non_null(raw);
    assert_ptr_not_equal(raw->fields, s->fields);
    assert_ptr_equal(raw->name, s->name);
    dlclose(h);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
    regt_rmdir(dir);
}

static int count_lines(const char *path) {
    char *t = regt_read(path, NULL);
    if (!t) return 0;
    int n = 0;
    for (char *c = t; *c; c++) n += *c == '\n';
    free(t);
    return n;
}

static void test_init_runs_only_on_activation_and_once(void **state) {
    char *dir = regt_tmpdir();
    free(regt_install(dir, "regt_good", NULL));
    free(regt_install(dir, "regt_initfail", NULL));
    char *marker = NULL;
    assert_true(asprintf(&marker, "%s/init-marker", dir) > 0);
    setenv("REGT_INIT_MARKER", marker, 1);

    dwhi_registry *r = dwhi_registry_new();
    const char *dirs[] = {dir};
    assert_int_equal(dwhi_registry_scan(r, dirs, 1), 2);
    size_t n = 0;
    dwh_plugin **list = dwhi_registry_list(r, &n);
    dwh_plugin_list_free(list, n);
    dwh_plugin *p = dwhi_registry_find(r, "regt_good");
    assert_int_equal(count_lines(marker), 0); /* listing ran no plugin code */

    char *err = (char *)"unset";
    assert_int_equal(dwh_plugin_activate(p, &err), DW_OK);
    assert_null(err);
    assert_int_equal(count_lines(marker), 1);
    assert_int_equal(dwh_plugin_activate(p, &err), DW_OK);
    assert_int_equal(count_lines(marker), 1); /* once */
    dwh_plugin_unref(p);

    p = dwhi_registry_find(r, "regt_initfail");
    assert_int_equal(dwh_plugin_activate(p, &err), DW_ERR_CONFIG);
    assert_non_null(err);
    assert_non_null(strstr(err, "init failed"));
    free(err);
    assert_int_equal(dwh_plugin_activate(p, &err), DW_ERR_CONFIG);
    free(err);
    dwh_plugin_unref(p);
    dwhi_registry_free(r);
    unsetenv("REGT_INIT_MARKER");
    free(marker);
    regt_rmdir(dir);
}

static void test_search_order(void **state) {
    setenv("DWHOST_PLUGIN_PATH", "/env/a::/env/b:/cli/one", 1);
    unsetenv("DWHOST_NO_DEFAULT_PLUGIN_DIR");
    const char *cli[] = {"/cli/one", "/cli/two", "/cli/one"};
    char **d = dwhi_plugin_dirs(cli, 3);
    assert_int_equal(dwhi_dirs_count(d), 5);
    assert_string_equal(d[0], "/cli/one");
    assert_string_equal(d[1], "/cli/two");
    assert_string_equal(d[2], "/env/a");
    assert_string_equal(d[3], "/env/b");
    assert_string_equal(d[4], DWHOST_DEFAULT_PLUGIN_DIR);
    dwhi_dirs_free(d);
    setenv("DWHOST_NO_DEFAULT_PLUGIN_DIR", "1", 1);
    d = dwhi_plugin_dirs(NULL, 0);
    assert_int_equal(dwhi_dirs_count(d), 3); /* the environment's, no default */
    assert_string_equal(d[2], "/cli/one");
    dwhi_dirs_free(d);
    d = dwhi_plugin_dirs_ex(cli, 1, DWH_HOST_NO_ENV_PATH | DWH_HOST_NO_DEFAULT_DIR);
    assert_int_equal(dwhi_dirs_count(d), 1);
    assert_null(d[1]);
    dwhi_dirs_free(d);
    unsetenv("DWHOST_PLUGIN_PATH");
    unsetenv("DWHOST_NO_DEFAULT_PLUGIN_DIR");

    char *name = dwhi_plugin_name_from_path("/x/libsource_files.so");
    assert_string_equal(name, "files");
    free(name);
    assert_null(dwhi_plugin_name_from_path("/x/libsource_.so"));
    assert_null(dwhi_plugin_name_from_path("/x/libfoo.so"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_reason_with_good_plugins_alongside),
        cmocka_unit_test(test_shadowed_first_directory_wins),
        cmocka_unit_test(test_rejected_first_does_not_shadow),
        cmocka_unit_test(test_normalised_descriptor),
        cmocka_unit_test(test_init_runs_only_on_activation_and_once),
        cmocka_unit_test(test_search_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
