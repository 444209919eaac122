/* cli_log.c -- logging options for commands (see cli_log.h). */
#include "cli_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"

dwhi_cli_log dwhi_cli_log_opts;

int dwhi_cli_log_open(dwhi_cli_log *lg, const char *cmd) {
    const char *lvl = lg->level ? lg->level : getenv("DWHOST_LOG_LEVEL");
    int level = lvl && *lvl ? dwh_log_level_from_name(lvl) : DW_LOG_WARN;
    if (level < 0) {
        dwhi_cli_usage_error(cmd, "log level '%s' is not one of debug, info, warn, error", lvl);
        return -1;
    }
    int json = !isatty(STDERR_FILENO);
    if (lg->format) {
        if (!strcmp(lg->format, "text")) json = 0;
        else if (!strcmp(lg->format, "json")) json = 1;
        else {
            dwhi_cli_usage_error(cmd, "--log-format '%s' is not text or json", lg->format);
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
    lg->opened = 1;
    lg->min_level = level;
    lg->json = json;
    return 0;
}

void dwhi_cli_log_text_identity(void) { dwhi_cli_log_opts.text_identity = 1; }

void dwhi_cli_log_apply(const dwhi_cli_log *lg, dwh_host *h) {
    if (!lg->opened) return;
    dwh_host_set_log_stream(h, lg->out, lg->json ? DWH_LOG_FORMAT_JSON : DWH_LOG_FORMAT_TEXT, lg->min_level,
                            lg->text_identity ? DWH_LOG_TEXT_IDENTITY : 0, NULL);
}

void dwhi_cli_log_line(dwh_host *h, dw_log_level level, const char *event, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dwh_host_log(h, level, event, msg);
}

void dwhi_cli_log_close(dwhi_cli_log *lg) {
    lg->opened = 0;
    if (!lg->out) return;
    fclose(lg->out);
    lg->out = NULL;
}
