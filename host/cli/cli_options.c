/* cli_options.c -- the table-driven option parser (see cli_options.h). */
#include "cli_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_common.h"
#include "cli_help.h"

const dwh_cli_opt *dwh_cli_option_find(const dwh_cli_opt *opts, const char *long_name) {
    for (const dwh_cli_opt *o = opts; o && o->type != DWH_OPT_T_END; o++)
        if (o->long_name && !strcmp(o->long_name, long_name)) return o;
    return NULL;
}

/* The option argv word `a` names: "--name", "--name=value" or "-x".
 * *inline_value is set to the text after '=' (NULL without one). */
static const dwh_cli_opt *lookup(const dwh_cli_opt *opts, const char *a, const char **inline_value) {
    *inline_value = NULL;
    if (a[0] == '-' && a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (const dwh_cli_opt *o = opts; o->type != DWH_OPT_T_END; o++) {
            if (!o->long_name || strlen(o->long_name) != len || strncmp(o->long_name, name, len) != 0) continue;
            if (eq) *inline_value = eq + 1;
            return o;
        }
        return NULL;
    }
    if (a[0] == '-' && a[1] && !a[2])
        for (const dwh_cli_opt *o = opts; o->type != DWH_OPT_T_END; o++)
            if (o->short_name == a[1]) return o;
    return NULL;
}

static int append(dwh_cli_list *l, const char *v) {
    const char **grown = realloc(l->v, (l->n + 1) * sizeof *grown);
    if (!grown) return -1;
    l->v = grown;
    l->v[l->n++] = v;
    return 0;
}

/* Stores one option's value; 0, or an exit code after printing why not. */
static int take(const char *cmd, const dwh_cli_opt *o, const char *shown, const char *value) {
    if (!value || ((o->flags & DWH_OPT_NONEMPTY) && !*value))
        return dwh_cli_usage_error(cmd, "%s needs %s", shown, o->missing ? o->missing : "a value");
    switch (o->type) {
    case DWH_OPT_T_STRING: *(const char **)o->target = value; return 0;
    case DWH_OPT_T_LIST:
        if (append(o->target, value) != 0) {
            fprintf(stderr, "dwhost: %s: out of memory\n", cmd);
            return DWH_EXIT_FAILURE;
        }
        return 0;
    case DWH_OPT_T_CALLBACK: return o->parse(cmd, o, value) == 0 ? 0 : DWH_EXIT_USAGE;
    default: return 0;
    }
}

int dwh_cli_parse(const dwh_cli_command *cmd, int argc, char **argv, const char **operand) {
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
            const dwh_cli_opt *o = lookup(cmd->options, a, &inline_value);
            if (!o)
                return dwh_cli_usage_error(name, "unknown %s '%s'", cmd->operand ? "option" : "argument", a);
            /* the option as the user spelled it, for messages */
            char shown[128];
            snprintf(shown, sizeof shown, "%.*s", inline_value ? (int)(inline_value - 1 - a) : (int)strlen(a), a);
            if (o->type == DWH_OPT_T_HELP) {
                dwh_cli_help_command(stdout, cmd);
                return DWH_EXIT_OK;
            }
            if (o->type == DWH_OPT_T_FLAG) {
                if (inline_value) return dwh_cli_usage_error(name, "%s takes no value", shown);
                *(int *)o->target = 1;
                continue;
            }
            const char *value = inline_value;
            if (!value && i + 1 < argc) value = argv[++i];
            int rc = take(name, o, shown, value);
            if (rc) return rc;
            continue;
        }
        if (!cmd->operand) return dwh_cli_usage_error(name, "unknown argument '%s'", a);
        if (*operand)
            return dwh_cli_usage_error(name, "give one %s name (got '%s' and '%s')", cmd->operand, *operand, a);
        *operand = a;
    }
    if (cmd->operand && !*operand) return dwh_cli_usage_error(name, "%s", cmd->operand_missing);
    for (const dwh_cli_opt *o = cmd->options; o->type != DWH_OPT_T_END; o++) {
        if (!(o->flags & DWH_OPT_REQUIRED)) continue;
        int given = o->type == DWH_OPT_T_LIST ? ((dwh_cli_list *)o->target)->n > 0 : *(const char **)o->target != NULL;
        if (!given) return dwh_cli_usage_error(name, "--%s %s is required", o->long_name, o->arg);
    }
    return DWH_CLI_PARSE_RUN;
}

void dwh_cli_options_free(const dwh_cli_opt *opts) {
    for (const dwh_cli_opt *o = opts; o && o->type != DWH_OPT_T_END; o++) {
        if (o->type != DWH_OPT_T_LIST) continue;
        dwh_cli_list *l = o->target;
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}
