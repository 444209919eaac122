/*
 * config_report.h -- the errors and warnings found in a user's config.
 *
 * Each issue names the JSON path of the value ("auth.private_key",
 * "tables[2]", "(config)" for the whole document, "(file)" for the file
 * itself), what was expected and what was given.  `got` never holds a
 * secret's value: the validator describes secrets by shape only ("a string
 * of 12 characters").  Printing scrubs every line through secrets.h as well,
 * as a second line of defence.
 */
#ifndef DWHI_CONFIG_REPORT_H
#define DWHI_CONFIG_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

#include "log/secrets.h"

typedef struct dwhi_config_issue {
    char *path;     /* JSON path of the value */
    char *expected; /* "a whole number from 1 to 65535" */
    char *got;      /* "the string \"abc\"", "nothing", "a string of 12 characters" */
} dwhi_config_issue;

/* Errors make a config invalid; warnings do not (ignored keys of a disabled
 * group, OAuth scopes the token lacks).  Initialise with
 * dwhi_config_report_init(); the report owns every string in it; release with
 * dwhi_config_report_clear(). */
typedef struct dwhi_config_report {
    dwhi_config_issue *errors;
    size_t n_errors, cap_errors;
    dwhi_config_issue *warnings;
    size_t n_warnings, cap_warnings;
    int oom; /* an allocation failed: some issues may be missing */
} dwhi_config_report;

void dwhi_config_report_init(dwhi_config_report *r);
/* Frees every issue and resets r to empty (reusable). */
void dwhi_config_report_clear(dwhi_config_report *r);

/* Appends an error or warning; the strings are copied.  NULL strings are
 * stored as "". */
void dwhi_config_report_error(dwhi_config_report *r, const char *path, const char *expected,
                             const char *got);
void dwhi_config_report_warning(dwhi_config_report *r, const char *path, const char *expected,
                               const char *got);

/* One issue as the line the CLI prints (without the "dwhost: " prefix and
 * newline): "config error at <path>: expected <expected>, got <got>".
 * `warning` selects "config warning".  malloc'd; caller frees; NULL on OOM. */
char *dwhi_config_issue_line(const dwhi_config_issue *i, int warning);

/* Every error on one line, "invalid config: <line>; <line>...", scrubbed
 * through `secrets` (may be NULL): the message an embedding call returns.
 * malloc'd; caller frees; NULL on OOM. */
char *dwhi_config_report_summary(const dwhi_config_report *r, const dwhi_secrets *secrets);

/* Writes every error, then every warning, one per line as
 * "dwhost: config error at <path>: expected ..., got ..." to `out`, each line
 * scrubbed through `secrets` (may be NULL). */
void dwhi_config_report_print(const dwhi_config_report *r, FILE *out, const dwhi_secrets *secrets);

/* {"errors":[{"path","expected","got","message"}...],"warnings":[...]}
 * with every string scrubbed through `secrets` (may be NULL).  Returns a new
 * object the caller puts; NULL on OOM. */
json_object *dwhi_config_report_to_json(const dwhi_config_report *r, const dwhi_secrets *secrets);

#endif
