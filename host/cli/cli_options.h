/*
 * cli_options.h -- the one option parser of the dwhost commands, driven by
 * a table per command (git's parse-options is the model).
 *
 * A command declares each option once, in an array ending with
 * DWHI_OPT_END(): long name, short name, value name, help text, where the
 * value goes, and flags.  main.c parses argv with that table before the
 * command runs, and the same table generates `dwhost CMD --help`, the
 * dwhost(1) man page and the bash completion (cli_help.c), so they cannot
 * disagree with what the parser accepts.
 *
 *   static struct { const char *config; int json; } A;
 *   static const dwhi_cli_opt options[] = {
 *       DWHI_OPT_STRING(0, "config", "FILE", "the source's config", &A.config, DWHI_OPT_REQUIRED),
 *       DWHI_OPT_FLAG(0, "json", "print one JSON document", &A.json),
 *       DWHI_OPT_HELP(),
 *       DWHI_OPT_END(),
 *   };
 *
 * What the parser accepts, for every command alike:
 *   --name VALUE, --name=VALUE   a value option (-x VALUE for a short name)
 *   --flag, -f                   a flag; "--flag=..." is refused
 *   --                           the words after it are operands
 *   -                            an operand (stdin, for the commands that say so)
 * Its errors, one line each, exit 2 (DWHI_EXIT_USAGE), "run 'dwhost CMD --help'":
 *   --name needs a value         (the value missing, or empty for DWHI_OPT_NONEMPTY;
 *                                 dwhi_cli_opt.missing names the value: "a directory")
 *   unknown option '--x'         (a command without operands: unknown argument '--x')
 *   --name FILE is required      (DWHI_OPT_REQUIRED)
 *   give one source name (got 'a' and 'b')
 * and the command's own line when its operand is missing.
 */
#ifndef DWHI_CLI_OPTIONS_H
#define DWHI_CLI_OPTIONS_H

#include <stddef.h>

typedef enum dwhi_cli_opt_type {
    DWHI_OPT_T_END = 0,
    DWHI_OPT_T_FLAG,     /* no value: *(int *)target = 1 */
    DWHI_OPT_T_STRING,   /* one value: *(const char **)target = value (borrowed from argv); the last wins */
    DWHI_OPT_T_LIST,     /* repeatable: the value appended to *(dwhi_cli_list *)target */
    DWHI_OPT_T_CALLBACK, /* one value handed to `parse`, which stores it in target */
    DWHI_OPT_T_HELP      /* prints the command's help and exits 0 */
} dwhi_cli_opt_type;

enum {
    DWHI_OPT_REQUIRED = 1u << 0, /* the command refuses to run without it */
    DWHI_OPT_NONEMPTY = 1u << 1, /* an empty value counts as a missing one */
    DWHI_OPT_HIDDEN = 1u << 2    /* parsed, but left out of help, man page and completion */
};

/* The values of a repeatable option in the order given; the strings are
 * borrowed from argv, the array is freed by dwhi_cli_options_free(). */
typedef struct dwhi_cli_list {
    const char **v;
    size_t n;
} dwhi_cli_list;

typedef struct dwhi_cli_opt dwhi_cli_opt;

/* Converts and stores `value` (borrowed from argv) in opt->target.
 * Returns 0, or -1 after printing one usage line with
 * dwhi_cli_usage_error(cmd, ...) naming the option, the value and what it
 * wants. */
typedef int (*dwhi_cli_opt_parse)(const char *cmd, const dwhi_cli_opt *opt, const char *value);

struct dwhi_cli_opt {
    dwhi_cli_opt_type type;
    char short_name;         /* 0: none */
    const char *long_name;   /* without the leading "--" */
    const char *arg;         /* the value's name in help ("FILE"); NULL for flags */
    const char *help;        /* one paragraph, wrapped by the generators; "\n" forces a line break */
    void *target;            /* see dwhi_cli_opt_type */
    dwhi_cli_opt_parse parse; /* DWHI_OPT_T_CALLBACK only */
    unsigned flags;          /* DWHI_OPT_REQUIRED, DWHI_OPT_NONEMPTY, DWHI_OPT_HIDDEN */
    const char *missing;     /* what the value is called in "--x needs ...": NULL means "a value" */
    const char *values;      /* the values completion offers, space-separated ("text json"); NULL: paths
                              * when arg is FILE, PATH or DIR, nothing otherwise */
    const char *unit;        /* what a number counts ("seconds", "MiB", "rows"), for the number parsers'
                              * messages; NULL: a plain number */
};

#define DWHI_OPT_FLAG(s, l, h, t, ...) \
    {.type = DWHI_OPT_T_FLAG, .short_name = (s), .long_name = (l), .help = (h), .target = (t), __VA_ARGS__}
#define DWHI_OPT_STRING(s, l, a, h, t, ...)                                                                 \
    {.type = DWHI_OPT_T_STRING, .short_name = (s), .long_name = (l), .arg = (a), .help = (h), .target = (t), \
     __VA_ARGS__}
#define DWHI_OPT_LIST(s, l, a, h, t, ...) \
    {.type = DWHI_OPT_T_LIST, .short_name = (s), .long_name = (l), .arg = (a), .help = (h), .target = (t), __VA_ARGS__}
#define DWHI_OPT_CALLBACK(s, l, a, h, t, fn, ...)                                                          \
    {.type = DWHI_OPT_T_CALLBACK, .short_name = (s), .long_name = (l), .arg = (a), .help = (h), .target = (t), \
     .parse = (fn), __VA_ARGS__}
#define DWHI_OPT_HELP() {.type = DWHI_OPT_T_HELP, .short_name = 'h', .long_name = "help", .help = "show this help"}
#define DWHI_OPT_END() {.type = DWHI_OPT_T_END}

/* A dwhi_cli_opt_parse for a positive whole number (1 to 100,000,000) into
 * an int target (counts, seconds, MiB): "--NAME wants a positive whole
 * number of UNIT, got 'V'" otherwise (opt->unit; without one "--NAME wants
 * a positive whole number, got 'V'"). */
int dwhi_cli_opt_positive_int(const char *cmd, const dwhi_cli_opt *opt, const char *value);
/* The same into a size_t target, with an optional k, M or G suffix
 * (x 1024, 1024^2, 1024^3): "--NAME wants a positive number of UNIT (e.g.
 * 5000, 64k, 200M), got 'V'" otherwise. */
int dwhi_cli_opt_positive_size(const char *cmd, const dwhi_cli_opt *opt, const char *value);

struct dwhi_cli_command;

/* What dwhi_cli_parse() decided. */
enum { DWHI_CLI_PARSE_RUN = -1 };

/* Parses argv[1..argc) (argv[0] is the command name) against cmd's
 * table, storing every value in its target and the operand in *operand
 * (borrowed from argv; NULL when the command takes none).  Returns
 * DWHI_CLI_PARSE_RUN when the command should run, or the exit code to end
 * with: DWHI_EXIT_OK after printing --help on stdout, DWHI_EXIT_USAGE after
 * printing one usage line on stderr. */
int dwhi_cli_parse(const struct dwhi_cli_command *cmd, int argc, char **argv, const char **operand);

/* Frees the arrays of the table's DWHI_OPT_T_LIST targets (the values stay
 * argv's) and empties them. */
void dwhi_cli_options_free(const dwhi_cli_opt *opts);

/* The entry of `opts` named `long_name`, or NULL. */
const dwhi_cli_opt *dwhi_cli_option_find(const dwhi_cli_opt *opts, const char *long_name);

#endif
