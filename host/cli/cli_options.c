/* cli_options.c -- the table-driven option parser (see cli_options.h). */
#include "cli_options.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_help.h"

const dwhi_cli_opt *dwhi_cli_option_find(const dwhi_cli_opt *opts, const char *long_name) {
    for (const dwhi_cli_opt *o = opts; o && o->type != DWHI_OPT_T_END; o++)
        if (o->long_name && !strcmp(o->long_name, long_name)) return o;
    return NULL;
}

/* The option argv word `a` names: "--name", "--name=value" or "-x".
 * *inline_value is set to the text after '=' (NULL without one). */
static const dwhi_cli_opt *lookup(const dwhi_cli_opt *opts, const char *a, const char **inline_value) {
    *inline_value = NULL;
    if (a[0] == '-' && a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const dwhi_cli_opt *o = opts; o->type != DWHI_OPT_T_END; o++) {
            if (!o->long_name || strlen(o->long_name) != len || strncmp(o->long_name, name, len) != 0) continue;
            if (eq) *inline_value = eq + 1;
            return o;
        }
        return NULL;
    }
    if (a[0] == '-' && a[1] && !a[2])
        for (const dwhi_cli_opt *o = opts; o->type != DWHI_OPT_T_END; o++)
            if (o->short_name == a[1]) return o;
    return NULL;
}

static int append(dwhi_cli_list *l, const char *v) {
    const char **grown = realloc(l->v, (l->n + 1) * sizeof *grown);
    if (!grown) return -1;
    l->v = grown;
    l->v[l->n++] = v;
    return 0;
}

/* Stores one option's value; 0, or an exit code after printing why not. */
static int take(const char *cmd, const dwhi_cli_opt *o, const char *shown, const char *value) {
    if (!value || ((o->flags & DWHI_OPT_NONEMPTY) && !*value))
        return dwhi_cli_usage_error(cmd, "%s needs %s", shown, o->missing ? o->missing : "a value");
    switch (o->type) {
    case DWHI_OPT_T_STRING: *(const char **)o->target = value; return 0;
    case DWHI_OPT_T_LIST:
        if (append(o->target, value) != 0) {
            fprintf(stderr, "dwhost: %s: out of memory\n", cmd);
            return DWHI_EXIT_FAILURE;
        }
        return 0;
    case DWHI_OPT_T_CALLBACK: return o->parse(cmd, o, value) == 0 ? 0 : DWHI_EXIT_USAGE;
    default: return 0;
    }
}

int dwhi_cli_opt_positive_int(const char *cmd, const dwhi_cli_opt *opt, const char *value) {
    char *end;
    errno = 0;
    long n = strtol(value, &end, 10);
    if (errno || end == value || *end || n <= 0 || n > 100000000) {
        dwhi_cli_usage_error(cmd, "--%s wants a positive whole number%s%s, got '%s'", opt->long_name,
                             opt->unit ? " of " : "", opt->unit ? opt->unit : "", value);
        return -1;
    }
    *(int *)opt->target = (int)n;
    return 0;
}

int dwhi_cli_opt_positive_size(const char *cmd, const dwhi_cli_opt *opt, const char *value) {
    char *end = (char *)value;
    errno = 0;
    unsigned long long n = value[0] == '-' ? 0 : strtoull(value, &end, 10);
    int shift = 0;
    if (n && (*end == 'k' || *end == 'K')) shift = 10, end++;
    else if (n && *end == 'M') shift = 20, end++;
    else if (n && *end == 'G') shift = 30, end++;
    if (errno || !n || *end || n > (SIZE_MAX >> shift)) {
        dwhi_cli_usage_error(cmd, "--%s wants a positive number of %s (e.g. 5000, 64k, 200M), got '%s'",
                             opt->long_name, opt->unit ? opt->unit : "units", value);
        return -1;
    }
    *(size_t *)opt->target = (size_t)(n << shift);
    return 0;
}

int dwhi_cli_parse(const dwhi_cli_command *cmd, int argc, char **argv, const char **operand) {
    const char *name = cmd->name;
    *operand = NULL;
    int only_operands = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *inline_value = NULL;
        if (!only_operands && !strcmp(a, "--")) {
            only_operands = 1;
            continue;
        }
        int is_option = !only_operands && a[0] == '-' && a[1];
        if (is_option) {
            const dwhi_cli_opt *o = lookup(cmd->options, a, &inline_value);
            if (!o)
                return dwhi_cli_usage_error(name, "unknown %s '%s'", cmd->operand ? "option" : "argument", a);
            /* the option as the user spelled it, for messages */
            char shown[128];
            snprintf(shown, sizeof shown, "%.*s", inline_value ? (int)(inline_value - 1 - a) : (int)strlen(a), a);
            if (o->type == DWHI_OPT_T_HELP) {
                dwhi_cli_help_command(stdout, cmd);
                return DWHI_EXIT_OK;
            }
            if (o->type == DWHI_OPT_T_FLAG) {
                if (inline_value) return dwhi_cli_usage_error(name, "%s takes no value", shown);
                *(int *)o->target = 1;
                continue;
            }
            const char *value = inline_value;
            if (!value && i + 1 < argc) value = argv[++i];
            int rc = take(name, o, shown, value);
            if (rc) return rc;
            continue;
        }
        if (!cmd->operand) return dwhi_cli_usage_error(name, "unknown argument '%s'", a);
        if (*operand && cmd->more_operands) {
            dwhi_cli_list *l = cmd->more_operands;
            const char **v = realloc(l->v, (l->n + 1) * sizeof *v);
            if (!v) {
                fprintf(stderr, "dwhost: out of memory\n");
                return DWHI_EXIT_FAILURE;
            }
            l->v = v;
            l->v[l->n++] = a;
            continue;
        }
        if (*operand)
            return dwhi_cli_usage_error(name, "give one %s name (got '%s' and '%s')", cmd->operand, *operand, a);
        *operand = a;
    }
    if (cmd->operand && !*operand && !(cmd->flags & DWHI_CLI_OPERAND_OPTIONAL))
        return dwhi_cli_usage_error(name, "%s", cmd->operand_missing);
    for (const dwhi_cli_opt *o = cmd->options; o->type != DWHI_OPT_T_END; o++) {
        if (!(o->flags & DWHI_OPT_REQUIRED)) continue;
        int given = o->type == DWHI_OPT_T_LIST ? ((dwhi_cli_list *)o->target)->n > 0 : *(const char **)o->target != NULL;
        if (!given) return dwhi_cli_usage_error(name, "--%s %s is required", o->long_name, o->arg);
    }
    return DWHI_CLI_PARSE_RUN;
}

void dwhi_cli_options_free(const dwhi_cli_opt *opts) {
    for (const dwhi_cli_opt *o = opts; o && o->type != DWHI_OPT_T_END; o++) {
        if (o->type != DWHI_OPT_T_LIST) continue;
        dwhi_cli_list *l = o->target;
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}
