/* cli_common.c -- shared command-line helpers (see cli_common.h). */
#include "cli_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file_read.h"

const char *dwh_cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != 0) return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int dwh_cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dwhost: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; run 'dwhost %s --help'\n", cmd);
    va_end(ap);
    return DWH_EXIT_USAGE;
}

static int add_dir(dwh_cli_plugins *pl, const char *dir) {
    const char **v = realloc(pl->cli_dirs, (pl->n_cli_dirs + 1) * sizeof *v);
    if (!v) return -1;
    pl->cli_dirs = v;
    pl->cli_dirs[pl->n_cli_dirs++] = dir;
    return 0;
}

int dwh_cli_plugin_dir_arg(dwh_cli_plugins *pl, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    const char *cmd = argv[0];
    if (!strncmp(a, "--plugin-dir=", 13)) {
        if (!a[13]) return dwh_cli_usage_error(cmd, "--plugin-dir needs a directory"), -1;
        return add_dir(pl, a + 13) == 0 ? 1 : -1;
    }
    if (strcmp(a, "--plugin-dir") != 0) return 0;
    if (*i + 1 >= argc || !argv[*i + 1][0]) return dwh_cli_usage_error(cmd, "--plugin-dir needs a directory"), -1;
    (*i)++;
    return add_dir(pl, argv[*i]) == 0 ? 1 : -1;
}

int dwh_cli_plugins_open(dwh_cli_plugins *pl) {
    for (size_t i = 0; i < pl->n_cli_dirs; i++) {
        struct stat st;
        if (stat(pl->cli_dirs[i], &st) != 0) {
            fprintf(stderr, "dwhost: --plugin-dir %s: %s; give an existing directory\n", pl->cli_dirs[i],
                    strerror(errno));
            return DWH_EXIT_USAGE;
        }
        if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "dwhost: --plugin-dir %s: not a directory; give the directory that holds "
                            "libsource_<name>.so files\n", pl->cli_dirs[i]);
            return DWH_EXIT_USAGE;
        }
    }
    pl->dirs = dwh_plugin_dirs(pl->cli_dirs, pl->n_cli_dirs);
    pl->registry = dwh_registry_new();
    if (!pl->dirs || !pl->registry) {
        fprintf(stderr, "dwhost: out of memory\n");
        return DWH_EXIT_FAILURE;
    }
    dwh_registry_scan(pl->registry, (const char *const *)pl->dirs, dwh_dirs_count(pl->dirs));
    return DWH_EXIT_OK;
}

void dwh_cli_plugins_close(dwh_cli_plugins *pl) {
    dwh_registry_free(pl->registry);
    dwh_dirs_free(pl->dirs);
    free(pl->cli_dirs);
    memset(pl, 0, sizeof *pl);
}

char *dwh_cli_dirs_text(const dwh_cli_plugins *pl) {
    size_t len = 1;
    for (size_t i = 0; pl->dirs && pl->dirs[i]; i++) len += strlen(pl->dirs[i]) + 2;
    char *s = malloc(len);
    if (!s) return NULL;
    s[0] = '\0';
    for (size_t i = 0; pl->dirs && pl->dirs[i]; i++) {
        if (i) strcat(s, ", ");
        strcat(s, pl->dirs[i]);
    }
    if (!s[0]) {
        free(s);
        return strdup("no directories");
    }
    return s;
}

dwh_plugin *dwh_cli_find_source(dwh_cli_plugins *pl, const char *name, int *exit_code) {
    *exit_code = DWH_EXIT_OK;
    dwh_plugin *p = dwh_registry_find(pl->registry, name);
    if (p) return p;
    *exit_code = DWH_EXIT_PLUGIN;
    /* A file of that name that was rejected explains more than "not found". */
    size_t n = 0;
    dwh_rejection *rej = dwh_registry_rejections(pl->registry, &n);
    for (size_t i = 0; i < n; i++) {
        char *rn = dwh_plugin_name_from_path(rej[i].path);
        int match = rn && !strcmp(rn, name) && rej[i].reason != DWH_REJECT_SHADOWED;
        free(rn);
        if (match) {
            fprintf(stderr, "dwhost: source '%s' was not loaded: %s: %s\n", name, rej[i].path, rej[i].message);
            dwh_rejections_free(rej, n);
            return NULL;
        }
    }
    dwh_rejections_free(rej, n);
    char *dirs = dwh_cli_dirs_text(pl);
    fprintf(stderr, "dwhost: no source named '%s' (searched: %s); run 'dwhost list-plugins'\n", name,
            dirs ? dirs : "?");
    free(dirs);
    return NULL;
}

json_object *dwh_cli_read_json_file(const char *path, const char *what, int *exit_code) {
    *exit_code = DWH_EXIT_CONFIG;
    size_t len = 0;
    char *text = NULL;
    int err = 0;
    switch (dwh_read_whole_file(path, 0, &text, &len, &err)) {
    case DWH_READ_OK: break;
    case DWH_READ_IS_DIR:
        fprintf(stderr, "dwhost: cannot read %s file %s: it is a directory; give a JSON file\n", what, path);
        return NULL;
    case DWH_READ_NOMEM: err = ENOMEM; /* fall through */
    default:
        fprintf(stderr, "dwhost: cannot read %s file %s: %s\n", what, path, err ? strerror(err) : "read error");
        return NULL;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        free(text);
        fprintf(stderr, "dwhost: out of memory\n");
        *exit_code = DWH_EXIT_FAILURE;
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
    *exit_code = DWH_EXIT_OK;
    return o;
}

void dwh_cli_print_json(FILE *out, json_object *o, int pretty) {
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                         : JSON_C_TO_STRING_PLAIN);
    fputs(json_object_to_json_string_ext(o, flags), out);
    fputc('\n', out);
}
