/* sync_rerun.c -- the commands that continue a stopped sync (see
 * sync_rerun.h). */
#include "sync_rerun.h"
#include "base/shell_word.h"

#include <stdlib.h>
#include <string.h>

/* The options of `dwhost sync` that take a value (cmd_sync.c, cli_log.c,
 * cli_common.c): their value is the next word unless given as --opt=V. */
static const char *const value_options[] = {
    "--config", "--schema", "--warehouse", "--table-prefix", "--state-ttl", "--state-timeout", "--state-namespace",
    "--state", "--mode", "--incremental-field", "--batch-rows", "--batch-bytes", "--team-id", "--source-id",
    "--job-id", "--output", "--plugin-dir", "--log-level", "--log-format", "--log-file"};

static int takes_value(const char *w) {
    for (size_t i = 0; i < sizeof value_options / sizeof value_options[0]; i++)
        if (!strcmp(w, value_options[i])) return 1;
    return 0;
}

/* "--name" or "--name=..." */
static int is_opt(const char *w, const char *name) {
    size_t n = strlen(name);
    return !strncmp(w, name, n) && (w[n] == 0 || w[n] == '=');
}

/* The command line with the refresh and reset flags edited; `schema`
 * non-NULL: restart that schema's refresh. */
static char *build(const char *const *words, size_t n, const char *schema) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return NULL;
    int full = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        int pair = i >= 2 && takes_value(w) && i + 1 < n; /* "--opt VALUE" */
        int refresh = i >= 2 && (!strcmp(w, "--restart-refresh") || !strcmp(w, "--full-refresh"));
        if (i >= 2 && !strcmp(w, "--reset")) {
            w = NULL; /* it would discard the progress again */
        } else if (schema && (refresh || (i >= 2 && (is_opt(w, "--schema") || is_opt(w, "--mode"))))) {
            w = NULL; /* added below: the one schema, restarted */
        } else if (refresh) {
            w = full ? NULL : "--full-refresh"; /* resumes the refresh --restart-refresh would start over */
            full = 1;
        }
        if (w) {
            if (i) fputc(' ', out);
            dwhi_shell_word(out, w);
            if (pair) {
                fputc(' ', out);
                dwhi_shell_word(out, words[i + 1]);
            }
        }
        if (pair) i++;
    }
    if (schema) {
        fputs(" --schema ", out);
        dwhi_shell_word(out, schema);
        fputs(" --restart-refresh", out);
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *dwhi_sync_rerun_resume(const char *const *words, size_t n) { return build(words, n, NULL); }

char *dwhi_sync_rerun_restart(const char *const *words, size_t n, const char *schema) {
    return build(words, n, schema);
}
