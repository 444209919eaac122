/* cli_log.c -- logging options for commands (see cli_log.h). */
#include "cli_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "core/log.h"

static int take(const char *name, int argc, char **argv, int *i, const char **out) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (!strncmp(a, name, n) && a[n] == '=') {
        if (!a[n + 1]) return dwh_cli_usage_error(argv[0], "%s needs a value", name), -1;
        *out = a + n + 1;
        return 1;
    }
    if (strcmp(a, name) != 0) return 0;
    if (*i + 1 >= argc || !argv[*i + 1][0]) return dwh_cli_usage_error(argv[0], "%s needs a value", name), -1;
    *out = argv[++*i];
    return 1;
}

int dwh_cli_log_arg(dwh_cli_log *lg, int argc, char **argv, int *i) {
    int r;
    if ((r = take("--log-level", argc, argv, i, &lg->level)) != 0) return r;
    if ((r = take("--log-format", argc, argv, i, &lg->format)) != 0) return r;
    return take("--log-file", argc, argv, i, &lg->file);
}

int dwh_cli_log_open(dwh_cli_log *lg, const char *cmd) {
    const char *lvl = lg->level ? lg->level : getenv("DWHOST_LOG_LEVEL");
    int level = lvl && *lvl ? dwh_log_level_parse(lvl) : DW_LOG_WARN;
    if (level < 0) {
        dwh_cli_usage_error(cmd, "log level '%s' is not one of debug, info, warn, error", lvl);
        return -1;
    }
    dwh_log_format format = isatty(STDERR_FILENO) ? DWH_LOG_TEXT : DWH_LOG_JSON;
    if (lg->format) {
        if (!strcmp(lg->format, "text")) format = DWH_LOG_TEXT;
        else if (!strcmp(lg->format, "json")) format = DWH_LOG_JSON;
        else {
            dwh_cli_usage_error(cmd, "--log-format '%s' is not text or json", lg->format);
            return -1;
        }
    }
    if (lg->file) {
        lg->out = fopen(lg->file, "ae");
        if (!lg->out) {
            fprintf(stderr, "dwhost: %s: cannot open log file %s: %s; give a writable path\n", cmd, lg->file,
                    strerror(errno));
            return -1;
        }
    }
    dwh_log_configure(lg->out ? lg->out : stderr, format, (dw_log_level)level);
    return 0;
}

void dwh_cli_log_close(dwh_cli_log *lg) {
    if (!lg->out) return;
    dwh_log_configure(stderr, DWH_LOG_TEXT, DW_LOG_WARN);
    fclose(lg->out);
    lg->out = NULL;
}
