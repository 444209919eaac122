/*
 * test_status_table.c -- the table in sdk/dwsdk.h that tells plugin
 * authors which dw_status gives which CLI exit code must say what the CLI
 * does (host/cli/cli_exit.c, compiled into this test).  Every status
 * appears in the table exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_exit.h"

static const struct {
    const char *name;
    dw_status st;
} statuses[] = {
    {"DW_OK", DW_OK}, {"DW_ERR", DW_ERR}, {"DW_ERR_CONFIG", DW_ERR_CONFIG}, {"DW_ERR_AUTH", DW_ERR_AUTH},
    {"DW_ERR_FORBIDDEN", DW_ERR_FORBIDDEN}, {"DW_ERR_UNREACHABLE", DW_ERR_UNREACHABLE},
    {"DW_ERR_NOT_FOUND", DW_ERR_NOT_FOUND}, {"DW_ERR_RATE_LIMITED", DW_ERR_RATE_LIMITED},
    {"DW_ERR_NON_RETRYABLE", DW_ERR_NON_RETRYABLE}, {"DW_ERR_CANCELLED", DW_ERR_CANCELLED},
    {"DW_ERR_STATE", DW_ERR_STATE}, {"DW_ERR_UNSUPPORTED", DW_ERR_UNSUPPORTED}, {"DW_ERR_NOMEM", DW_ERR_NOMEM},
    {"DW_ERR_BAD_DATA", DW_ERR_BAD_DATA}, {"DW_ERR_NEEDS_CONFIG", DW_ERR_NEEDS_CONFIG},
    {"DW_ERR_SSRF", DW_ERR_SSRF}, {"DW_ERR_HTTP", DW_ERR_HTTP}, {"DW_ERR_TIMEOUT", DW_ERR_TIMEOUT},
    {"DW_ERR_SINK", DW_ERR_SINK},
};
#define N_STATUSES (sizeof statuses / sizeof statuses[0])

static void header_table_matches_cli(void **state) {
    (void)state;
    _Static_assert(DW_ERR_SINK == 18, "a new status: add it here and to the table in dwsdk.h");
    char path[1024];
    snprintf(path, sizeof path, "%s/sdk/dwsdk.h", DWHOST_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int seen[N_STATUSES] = {0};
    int in_table = 0, exit_code = -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "status") && strstr(line, "exit") && strstr(line, "meaning")) {
            in_table = 1;
            continue;
        }
        if (!in_table) continue;
        if (!strncmp(line, " *\n", 3) || strstr(line, "*/")) break; /* the table ends at a blank comment line */
        /* Names first, then (on the first line of an entry) the exit code. */
        int line_exit = -1;
        const char *names[8];
        size_t n_names = 0;
        for (char *tok = strtok(line, " \t*,\n"); tok; tok = strtok(NULL, " \t*,\n")) {
            if (!strncmp(tok, "DW_", 3) && n_names < 8) names[n_names++] = tok;
            else if (line_exit < 0 && isdigit((unsigned char)tok[0]) && n_names) line_exit = atoi(tok);
            else if (line_exit >= 0 || !n_names) break; /* the meaning column */
        }
        if (line_exit >= 0) exit_code = line_exit;
        for (size_t i = 0; i < n_names; i++) {
            size_t k = 0;
            while (k < N_STATUSES && strcmp(statuses[k].name, names[i]) != 0) k++;
            if (k == N_STATUSES) fail_msg("dwsdk.h table names an unknown status %s", names[i]);
            if (seen[k]) fail_msg("dwsdk.h table lists %s twice", names[i]);
            seen[k] = 1;
            if (exit_code != dwhi_cli_exit_for(statuses[k].st))
                fail_msg("dwsdk.h says %s exits %d; the CLI exits %d", names[i], exit_code,
                         dwhi_cli_exit_for(statuses[k].st));
        }
    }
    fclose(f);
    assert_true(in_table);
    for (size_t k = 0; k < N_STATUSES; k++)
        if (!seen[k]) fail_msg("dwsdk.h's exit-code table does not list %s", statuses[k].name);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(header_table_matches_cli)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
