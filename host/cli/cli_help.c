/* cli_help.c -- --help, dwhost(1) and bash completion from the option
 * tables (see cli_help.h). */
#include "cli_help.h"

#include <string.h>

#include "dwhost.h"

#define WIDTH 79      /* help text lines stay within this */
#define OPT_COL_MAX 26 /* options longer than this put their help on the next line */

/* Prints `text` word-wrapped: the first line continues at column `col`
 * (what the caller already printed), every other line starts with
 * `indent` spaces; "\n" in the text forces a line break. */
static void wrap(FILE *out, const char *text, int col, int indent) {
    const char *p = text;
    int at_line_start = 1;
    while (*p) {
        if (*p == '\n') {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            at_line_start = 1;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t len = strcspn(p, " \n");
        if (!at_line_start && col + 1 + (int)len > WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
            at_line_start = 1;
        }
        if (!at_line_start) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)len, p);
        col += (int)len;
        at_line_start = 0;
        p += len;
    }
    fputc('\n', out);
}

/* Paragraphs separated by "\n\n", each wrapped from column 0. */
static void paragraphs(FILE *out, const char *text) {
    while (text && *text) {
        const char *end = strstr(text, "\n\n");
        size_t len = end ? (size_t)(end - text) : strlen(text);
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s", (int)len, text);
        wrap(out, buf, 0, 0);
        if (!end) break;
        fputc('\n', out);
        text = end + 2;
    }
}

static int listed(const dwhi_cli_opt *o) { return !(o->flags & DWHI_OPT_HIDDEN); }

/* "-h, --help", "--config FILE": the option as help shows it. */
static int option_label(char *buf, size_t cap, const dwhi_cli_opt *o) {
    int n = 0;
    if (o->short_name && o->long_name) n = snprintf(buf, cap, "-%c, --%s", o->short_name, o->long_name);
    else if (o->short_name) n = snprintf(buf, cap, "-%c", o->short_name);
    else n = snprintf(buf, cap, "--%s", o->long_name);
    if (o->arg && n >= 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, " %s", o->arg);
    return n;
}

/* The generated usage form: dwhost CMD [<operand>] --required ARG... [options]. */
static void synopsis_line(char *buf, size_t cap, const dwhi_cli_command *cmd) {
    int n = snprintf(buf, cap, "%s", cmd->name);
    if (cmd->operand) n += snprintf(buf + n, cap - (size_t)n, " <%s>", cmd->operand);
    for (const dwhi_cli_opt *o = cmd->options; o->type != DWHI_OPT_T_END && (size_t)n < cap; o++)
        if (o->flags & DWHI_OPT_REQUIRED) n += snprintf(buf + n, cap - (size_t)n, " --%s %s", o->long_name, o->arg);
    if ((size_t)n < cap) snprintf(buf + n, cap - (size_t)n, " [options]");
}

/* Calls fn(line, ud) for each usage form of cmd (without "dwhost "). */
static void each_synopsis(const dwhi_cli_command *cmd, void (*fn)(const char *, size_t, void *), void *ud) {
    if (!cmd->synopsis) {
        char line[512];
        synopsis_line(line, sizeof line, cmd);
        fn(line, strlen(line), ud);
        return;
    }
    for (const char *p = cmd->synopsis; *p;) {
        size_t len = strcspn(p, "\n");
        fn(p, len, ud);
        p += len;
        if (*p) p++;
    }
}

typedef struct usage_ctx {
    FILE *out;
    int first;
} usage_ctx;

static void print_usage_form(const char *line, size_t len, void *ud) {
    usage_ctx *u = ud;
    fprintf(u->out, "%s dwhost %.*s\n", u->first ? "usage:" : "      ", (int)len, line);
    u->first = 0;
}

void dwhi_cli_help_command(FILE *out, const dwhi_cli_command *cmd) {
    usage_ctx u = {out, 1};
    each_synopsis(cmd, print_usage_form, &u);
    fputc('\n', out);
    paragraphs(out, cmd->description);
    int col = 0;
    char label[128];
    for (const dwhi_cli_opt *o = cmd->options; o->type != DWHI_OPT_T_END; o++) {
        int n = listed(o) ? option_label(label, sizeof label, o) + 4 : 0;
        if (n > col && n <= OPT_COL_MAX) col = n;
    }
    fprintf(out, "\noptions:\n");
    for (const dwhi_cli_opt *o = cmd->options; o->type != DWHI_OPT_T_END; o++) {
        if (!listed(o)) continue;
        int n = option_label(label, sizeof label, o);
        fprintf(out, "  %s", label);
        char help[1024];
        snprintf(help, sizeof help, "%s%s", o->help, (o->flags & DWHI_OPT_REQUIRED) ? " (required)" : "");
        if (n + 2 + 2 > col) {
            fprintf(out, "\n%*s", col, "");
        } else {
            fprintf(out, "%*s", col - n - 2, "");
        }
        wrap(out, help, col, col);
    }
    if (cmd->exit_status) {
        fputc('\n', out);
        char buf[2048];
        snprintf(buf, sizeof buf, "exit status: %s", cmd->exit_status);
        wrap(out, buf, 0, 0);
    }
}

void dwhi_cli_help_main(FILE *out) {
    size_t n = 0;
    const dwhi_cli_command *const *cmds = dwhi_cli_commands(&n);
    fprintf(out,
            "usage: dwhost <command> [options]\n"
            "       dwhost --version | --help | help <command>\n\n"
            "A native host for data-warehouse source connectors (libsource_<name>.so).\n\n"
            "commands:\n");
    for (size_t i = 0; i < n; i++)
        if (!(cmds[i]->flags & DWHI_CLI_HIDDEN)) {
            fprintf(out, "  %-14s ", cmds[i]->name);
            wrap(out, cmds[i]->summary, 17, 17);
        }
    fputc('\n', out);
    wrap(out, "Run 'dwhost <command> --help' for a command's options, 'dwhost completion bash' for a bash "
              "completion script.  Ctrl-C (SIGINT) or SIGTERM stops any command with exit status 9 (see 'man "
              "dwhost', SIGNALS).", 0, 0);
    fprintf(out, "\nexit status:\n");
    for (const dwhi_cli_exit_code *e = dwhi_cli_exit_codes; e->code >= 0; e++) {
        fprintf(out, "  %2d  ", e->code);
        wrap(out, e->meaning, 6, 6);
    }
}

/* ---- man page ---------------------------------------------------------- */

/* roff text: backslashes escaped, hyphens as \- (options stay
 * copy-pastable), a leading dot or quote made harmless. */
static void roff(FILE *out, const char *text, size_t len) {
    if (len && (text[0] == '.' || text[0] == '\'')) fputs("\\&", out);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\\') fputs("\\e", out);
        else if (c == '-') fputs("\\-", out);
        else if (c == '\n') {
            fputs("\n.br\n", out);
            if (i + 1 < len && (text[i + 1] == '.' || text[i + 1] == '\'')) fputs("\\&", out);
        } else fputc(c, out);
    }
}

static void roff_s(FILE *out, const char *text) { roff(out, text, strlen(text)); }

static void roff_paragraphs(FILE *out, const char *text) {
    while (text && *text) {
        const char *end = strstr(text, "\n\n");
        size_t len = end ? (size_t)(end - text) : strlen(text);
        fputs(".PP\n", out);
        roff(out, text, len);
        fputc('\n', out);
        if (!end) break;
        text = end + 2;
    }
}

static void man_synopsis(const char *line, size_t len, void *ud) {
    FILE *out = ud;
    fputs("dwhost ", out);
    roff(out, line, len);
    fputc('\n', out);
}

static void man_command(FILE *out, const dwhi_cli_command *cmd) {
    fprintf(out, ".SS \"dwhost %s\"\n", cmd->name);
    roff_s(out, cmd->summary);
    fputs(".\n.PP\n.nf\n", out);
    each_synopsis(cmd, man_synopsis, out);
    fputs(".fi\n", out);
    roff_paragraphs(out, cmd->description);
    for (const dwhi_cli_opt *o = cmd->options; o->type != DWHI_OPT_T_END; o++) {
        if (!listed(o)) continue;
        fputs(".TP\n", out);
        if (o->short_name) fprintf(out, "\\fB\\-%c\\fR%s", o->short_name, o->long_name ? ", " : "");
        if (o->long_name) {
            fputs("\\fB\\-\\-", out);
            roff_s(out, o->long_name);
            fputs("\\fR", out);
        }
        if (o->arg) {
            fputs(" \\fI", out);
            roff_s(out, o->arg);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        roff_s(out, o->help);
        if (o->flags & DWHI_OPT_REQUIRED) fputs(" (required)", out);
        fputc('\n', out);
    }
    if (cmd->exit_status) {
        fputs(".PP\nExit status: ", out);
        roff_s(out, cmd->exit_status);
        fputc('\n', out);
    }
}

void dwhi_cli_man(FILE *out) {
    size_t n = 0;
    const dwhi_cli_command *const *cmds = dwhi_cli_commands(&n);
    fprintf(out, ".\\\" dwhost(1): generated from the option tables of host/cli by `dwhost --man`; do not edit.\n");
    fprintf(out, ".TH DWHOST 1 \"\" \"dwhost %s\" \"User Commands\"\n", dwh_version());
    fputs(".SH NAME\ndwhost \\- a native host for data\\-warehouse source connectors\n"
          ".SH SYNOPSIS\n.nf\n\\fBdwhost\\fR \\fIcommand\\fR [\\fIoptions\\fR]\n"
          "\\fBdwhost\\fR \\-\\-version | \\-\\-help | help \\fIcommand\\fR\n"
          "\\fBdwhost completion bash\\fR\n.fi\n"
          ".SH DESCRIPTION\n"
          "dwhost loads source connectors (\\fIlibsource_<name>.so\\fR plugins) and runs them: it describes "
          "a source, checks its credentials, reads one schema as JSON lines, and syncs a source's schemas "
          "into a SQLite warehouse, resumably.\n"
          ".PP\nAn unknown command or option, or a missing value, is a usage error: one line naming it and "
          "the \\-\\-help to run, exit status 2.\n"
          ".PP\n\\fBdwhost completion bash\\fR prints a bash completion script for dwhost.\n"
          ".SH COMMANDS\n",
          out);
    for (size_t i = 0; i < n; i++)
        if (!(cmds[i]->flags & DWHI_CLI_HIDDEN)) man_command(out, cmds[i]);
    fputs(".SH SIGNALS\n"
          "SIGINT (Ctrl\\-C) and SIGTERM stop every command the same way: exit status 9 and one line on "
          "standard error, \\(lqdwhost: \\fIcommand\\fR: interrupted ... (SIGINT); ...\\(rq, saying what was kept. "
          "The commands that run a source (check, read, sync) stop at their next safe point: the rows printed, "
          "the batches committed and the resume state saved so far are complete, and the line names the "
          "command that resumes. The others stop at once: list\\-plugins, describe, status and conformance "
          "change nothing, and webhook stores or drops a payload in one SQLite transaction, which a stop leaves "
          "all done or not done at all. A second signal stops any command at once.\n"
          ".SH EXIT STATUS\n",
          out);
    for (const dwhi_cli_exit_code *e = dwhi_cli_exit_codes; e->code >= 0; e++) {
        fprintf(out, ".TP\n.B %d\n", e->code);
        roff_s(out, e->meaning);
        fputc('\n', out);
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B DWHOST_PLUGIN_PATH\ncolon\\-separated plugin directories, searched after \\-\\-plugin\\-dir\n"
          ".TP\n.B DWHOST_NO_DEFAULT_PLUGIN_DIR\n1: skip the default plugin directory\n"
          ".TP\n.B DWHOST_LOG_LEVEL\nthe default of \\-\\-log\\-level\n"
          ".TP\n.B DWHOST_CA_BUNDLE\na PEM file of certificate authorities the transport trusts besides the "
          "system's\n"
          ".TP\n.B DWHOST_NO_CRASH_GUARD\n1: let a crashing plugin dump core instead of exit status 11\n"
          ".SH FILES\n"
          ".TP\n.I <prefix>/lib/dwhost/plugins\nthe default plugin directory of an installed dwhost, found "
          "from the executable's own location\n"
          ".TP\n.I <build>/plugins\nthe default plugin directory of a dwhost in the root of a build tree "
          "(the file dwhost\\-build\\-tree.txt beside it marks one)\n"
          ".TP\n.I ./warehouse.db\nthe default warehouse of sync, status and webhook\n"
          ".SH SEE ALSO\n\\fBsqlite3\\fR(1); the dwhost README and docs/\n",
          out);
}

/* ---- bash completion ---------------------------------------------------- */

static int is_path_arg(const char *arg) {
    return arg && (!strcmp(arg, "FILE") || !strcmp(arg, "PATH") || !strcmp(arg, "DIR"));
}

void dwhi_cli_completion_bash(FILE *out) {
    size_t n = 0;
    const dwhi_cli_command *const *cmds = dwhi_cli_commands(&n);
    fputs("# bash completion for dwhost: generated from its option tables by `dwhost completion bash`;\n"
          "# do not edit.\n"
          "_dwhost_sources() {\n"
          "    \"${COMP_WORDS[0]}\" list-plugins 2>/dev/null | awk 'NR > 1 { if (!NF) exit; print $1 }'\n"
          "}\n\n"
          "_dwhost() {\n"
          "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
          "    local commands=\"",
          out);
    for (size_t i = 0, k = 0; i < n; i++)
        if (!(cmds[i]->flags & DWHI_CLI_HIDDEN)) fprintf(out, "%s%s", k++ ? " " : "", cmds[i]->name);
    fputs(" help completion\"\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"$commands --help -h --version -V\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    case \"${COMP_WORDS[1]}\" in\n"
          "    help) [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return ;;\n"
          "    completion) [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W \"bash\" -- \"$cur\")); return ;;\n",
          out);
    for (size_t i = 0; i < n; i++) {
        const dwhi_cli_command *c = cmds[i];
        if (c->flags & DWHI_CLI_HIDDEN) continue;
        fprintf(out, "    %s)\n        case \"$prev\" in\n", c->name);
        for (const dwhi_cli_opt *o = c->options; o->type != DWHI_OPT_T_END; o++) {
            if (!listed(o) || !o->arg) continue;
            fprintf(out, "        --%s)", o->long_name);
            if (o->values) fprintf(out, " COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"));", o->values);
            else if (o->arg && !strcmp(o->arg, "DIR")) fputs(" COMPREPLY=($(compgen -d -- \"$cur\"));", out);
            else if (is_path_arg(o->arg)) fputs(" COMPREPLY=($(compgen -f -- \"$cur\"));", out);
            fputs(" return ;;\n", out);
        }
        fputs("        esac\n", out);
        fputs("        if [[ \"$cur\" == -* ]]; then\n            COMPREPLY=($(compgen -W \"", out);
        int k = 0;
        for (const dwhi_cli_opt *o = c->options; o->type != DWHI_OPT_T_END; o++) {
            if (!listed(o)) continue;
            if (o->short_name) fprintf(out, "%s-%c", k++ ? " " : "", o->short_name);
            if (o->long_name) fprintf(out, "%s--%s", k++ ? " " : "", o->long_name);
        }
        fputs("\" -- \"$cur\"))\n", out);
        if (c->operand && !strcmp(c->operand, "source")) /* other operands (a job id) have no list to offer */
            fputs("        else\n            COMPREPLY=($(compgen -W \"$(_dwhost_sources)\" -- \"$cur\"))\n", out);
        fputs("        fi\n        return ;;\n", out);
    }
    fputs("    esac\n}\ncomplete -F _dwhost dwhost\n", out);
}
