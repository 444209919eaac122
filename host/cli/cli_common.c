/* cli_common.c -- shared command-line helpers (see cli_common.h). */
#include "cli_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_read.h"
#include "base/plugin_file.h"
#include "cli_http.h"
#include "cli_log.h"

dwhi_cli_list dwhi_cli_plugin_dirs;
const char *dwhi_cli_plugin_pins;

int dwhi_cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dwhost: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; run 'dwhost %s --help'\n", cmd);
    va_end(ap);
    return DWHI_EXIT_USAGE;
}

int dwhi_cli_plugins_open(dwhi_cli_plugins *pl) {
    const dwhi_cli_list *cli = &dwhi_cli_plugin_dirs;
    for (size_t i = 0; i < cli->n; i++) {
        struct stat st;
        if (stat(cli->v[i], &st) != 0) {
            fprintf(stderr, "dwhost: --plugin-dir %s: %s; give an existing directory\n", cli->v[i], strerror(errno));
            return DWHI_EXIT_USAGE;
        }
        if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "dwhost: --plugin-dir %s: not a directory; give the directory that holds "
                            "libsource_<name>.so files\n", cli->v[i]);
            return DWHI_EXIT_USAGE;
        }
    }
    const char *pins = dwhi_cli_plugin_pins ? dwhi_cli_plugin_pins : getenv("DWHOST_PLUGIN_PINS");
    if (pins && !*pins) pins = NULL;
    char *pins_error = NULL;
    if (pins && dwh_plugin_pins_check(pins, &pins_error) != DW_OK) {
        fprintf(stderr, "dwhost: %s\n", pins_error ? pins_error : "out of memory");
        free(pins_error);
        return DWHI_EXIT_CONFIG;
    }
    /* The CLI's rules (docs/cli/README.md): --plugin-dir, DWHOST_PLUGIN_PATH,
     * then the default directory unless DWHOST_NO_DEFAULT_PLUGIN_DIR=1; the
     * pins given (an empty DWHOST_PLUGIN_PINS: none). */
    const char *no_default = getenv("DWHOST_NO_DEFAULT_PLUGIN_DIR");
    dwh_host_options o = {.plugin_dirs = (const char *const *)cli->v, .n_plugin_dirs = cli->n,
                          .flags = DWH_HOST_DEFER_SCAN |
                                   (no_default && !strcmp(no_default, "1") ? DWH_HOST_NO_DEFAULT_DIR : 0),
                          .plugin_pins = pins};
    pl->host = dwh_host_new(&o);
    if (!pl->host) {
        fprintf(stderr, "dwhost: out of memory\n");
        return DWHI_EXIT_FAILURE;
    }
    /* logging and transport first: the scan's lines are the run's too */
    dwhi_cli_log_apply(&dwhi_cli_log_opts, pl->host);
    dwhi_cli_http_apply_host(&dwhi_cli_http_opts, pl->host);
    dwh_host_rescan(pl->host);
    return DWHI_EXIT_OK;
}

void dwhi_cli_plugins_close(dwhi_cli_plugins *pl) {
    dwh_host_free(pl->host);
    memset(pl, 0, sizeof *pl);
}

char *dwhi_cli_dirs_text(const dwhi_cli_plugins *pl) {
    const char *const *dirs = dwh_host_plugin_dirs(pl->host);
    size_t len = 1;
    for (size_t i = 0; dirs && dirs[i]; i++) len += strlen(dirs[i]) + 2;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = '\0';
    for (size_t i = 0; dirs && dirs[i]; i++) {
        if (i) strcat(s, ", ");
        strcat(s, dirs[i]);
    }
    if (!s[0]) {
        free(s);
        return strdup("no directories");
    }
    return s;
}

int dwhi_cli_has_action(dwh_plugin *p, const char *name) {
    const dw_source *src = dwh_plugin_source(p);
    for (uint32_t i = 0; src && name && i < src->n_actions; i++)
        if (!strcmp(src->actions[i].name, name)) return 1;
    return 0;
}

dwh_plugin *dwhi_cli_find_source(dwhi_cli_plugins *pl, const char *name, int *exit_code) {
    *exit_code = DWHI_EXIT_OK;
    dwh_plugin *p = dwh_host_find(pl->host, name);
    if (p) return p;
    *exit_code = DWHI_EXIT_PLUGIN;
    /* A file of that name that was rejected explains more than "not found". */
    size_t n = 0;
    dwh_rejection *rej = dwh_host_rejections(pl->host, &n);
    for (size_t i = 0; i < n; i++) {
        char *rn = dwhi_plugin_name_from_path(rej[i].path);
        int match = rn && !strcmp(rn, name) && rej[i].reason != DWH_REJECT_SHADOWED;
        free(rn);
        if (match) {
            fprintf(stderr, "dwhost: source '%s' was not loaded: %s: %s\n", name, rej[i].path, rej[i].message);
            dwh_rejections_free(rej, n);
            return NULL;
        }
    }
    dwh_rejections_free(rej, n);
    char *dirs = dwhi_cli_dirs_text(pl);
    fprintf(stderr, "dwhost: no source named '%s' (searched: %s); run 'dwhost list-plugins'\n", name,
            dirs ? dirs : "?");
    free(dirs);
    return NULL;
}

json_object *dwhi_cli_read_json_file(const char *path, const char *what, int *exit_code) {
    *exit_code = DWHI_EXIT_CONFIG;
    size_t len = 0;
    char *text = NULL;
    int err = 0;
    switch (dwhi_read_whole_file(path, 0, &text, &len, &err)) {
    case DWHI_READ_OK: break;
    case DWHI_READ_IS_DIR:
        fprintf(stderr, "dwhost: cannot read %s file %s: it is a directory; give a JSON file\n", what, path);
        return NULL;
    case DWHI_READ_NOMEM: err = ENOMEM; /* fall through */
    default:
        fprintf(stderr, "dwhost: cannot read %s file %s: %s\n", what, path, err ? strerror(err) : "read error");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        free(text);
        fprintf(stderr, "dwhost: out of memory\n");
        *exit_code = DWHI_EXIT_FAILURE;
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    if (o && jerr == json_tokener_success) {
        /* Only whitespace may follow the value. */
        for (size_t i = off; i < len; i++)
            if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') {
                jerr = json_tokener_error_parse_unexpected;
                off = i;
                break;
            }
    } else if (jerr == json_tokener_continue) {
        jerr = json_tokener_error_parse_eof;
        off = len;
    }
    json_tokener_free(tok);
    if (!o || jerr != json_tokener_success) {
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        fprintf(stderr, "dwhost: %s file %s is not valid JSON: %s at line %u, column %u; fix the file\n", what,
                path, len == 0 ? "the file is empty" : json_tokener_error_desc(jerr), line, col);
        json_object_put(o);
        free(text);
        return NULL;
    }
    free(text);
    *exit_code = DWHI_EXIT_OK;
    return o;
}

void dwhi_cli_print_json(FILE *out, json_object *o, int pretty) {
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                         : JSON_C_TO_STRING_PLAIN);
    fputs(json_object_to_json_string_ext(o, flags), out);
    fputc('\n', out);
}
