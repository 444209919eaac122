/*
 * fuzz_config.c -- libFuzzer target for the config validator and secret
 * references: arbitrary bytes are parsed as a JSON config and run through
 * validation (references resolved), secret collection, masking and report
 * rendering.  Invariant checked: a validated config validates again to
 * itself with no errors, and no warnings except the OAuth scope warning
 * (which is about the token, not the config's shape): normalisation is
 * idempotent and drops everything it warns about.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined when available
 * (tests/config/CMakeLists.txt) and run for a bounded time by ctest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_report.h"
#include "config/config_secrets.h"
#include "config/config_validate.h"
#include "form_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 64 * 1024) return 0;
    json_tokener *tok = json_tokener_new();
    if (!tok) return 0;
    json_object *config = json_tokener_parse_ex(tok, (const char *)data, (int)size);
    json_tokener_free(tok);
    if (!config && size > 0) return 0;

    dwhi_secrets *secrets = dwhi_secrets_new();
    dwhi_config_collect_secrets(fx_fields, FX_N_FIELDS, config, secrets);
    json_object *masked = dwhi_config_mask(fx_fields, FX_N_FIELDS, config);
    json_object_put(masked);

    dwhi_config_options opt = {.base_dir = "/nonexistent-dwh-fuzz", .resolved = secrets};
    dwhi_config_report rep;
    dwhi_config_report_init(&rep);
    json_object *out = NULL;
    int rc = dwhi_config_validate(fx_fields, FX_N_FIELDS, config, &opt, &out, &rep);
    if ((rc == 0) != (out != NULL) || (rc == 0 && rep.n_errors)) abort();

    FILE *null = fopen("/dev/null", "w");
    if (null) {
        dwhi_config_report_print(&rep, null, secrets);
        fclose(null);
    }
    json_object *j = dwhi_config_report_to_json(&rep, secrets);
    json_object_put(j);

    if (out) {
        dwhi_config_collect_secrets(fx_fields, FX_N_FIELDS, out, secrets);
        dwhi_config_report again;
        dwhi_config_report_init(&again);
        json_object *out2 = NULL;
        dwhi_config_options noref = {.no_references = 1};
        int bad = dwhi_config_validate(fx_fields, FX_N_FIELDS, out, &noref, &out2, &again) != 0 ||
                  !json_object_equal(out, out2);
        for (size_t i = 0; i < again.n_warnings; i++) {
            size_t pl = strlen(again.warnings[i].path);
            if (pl < 6 || strcmp(again.warnings[i].path + pl - 6, ".scope") != 0) bad = 1;
        }
        if (bad) {
            fprintf(stderr, "not idempotent:\n in:  %s\n out: %s\n out2: %s\n", json_object_to_json_string(config),
                    json_object_to_json_string(out), out2 ? json_object_to_json_string(out2) : "(invalid)");
            for (size_t i = 0; i < again.n_errors; i++)
                fprintf(stderr, " error at %s: expected %s, got %s\n", again.errors[i].path, again.errors[i].expected,
                        again.errors[i].got);
            abort();
        }
        json_object_put(out2);
        dwhi_config_report_clear(&again);
    }
    json_object_put(out);
    dwhi_config_report_clear(&rep);
    dwhi_secrets_free(secrets);
    json_object_put(config);
    return 0;
}
