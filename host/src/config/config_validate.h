/*
 * config_validate.h -- validating a user's JSON config against a source's
 * form (its normalised field tree) before any plugin code runs.
 *
 * Every error is reported at once, each with its JSON path, what was
 * expected and what was given (secrets described by shape only).  The
 * result is a new, normalised config: defaults applied (default_value,
 * default_on, SSH port 22), select converters applied (str_to_int,
 * str_to_bool, str_to_optional_int), number inputs turned into integers,
 * secret references resolved, shorthand forms expanded (a switch group given
 * as true/false, an OAuth field given as its token, a select with sub-fields
 * given as its value), and nothing the plugin did not declare: sub-fields of
 * a disabled group or an unchosen option are dropped (with a warning when
 * the user set them), unknown keys are errors.  The JSON shapes of each
 * field kind are listed in config_fields.h.
 */
#ifndef DWHI_CONFIG_VALIDATE_H
#define DWHI_CONFIG_VALIDATE_H

#include <json-c/json.h>

#include "config_report.h"
#include "dwsdk.h"
#include "log/secrets.h"

/* The longest string a config value may hold, literal or resolved from
 * a reference: a token or a password is sent in a header, and libcurl
 * refuses a request whose headers pass 1 MiB ("Out of memory"); servers
 * refuse far less.  The contents of a file upload may be as long as a
 * {"$file"} (DWHI_SECRET_FILE_MAX, 1 MiB). */
#define DWHI_CONFIG_STRING_MAX (64 * 1024)

/* The deepest nesting a config (or a file upload's JSON text) may have:
 * 32 levels of objects and arrays, the top-level object being the first.
 * json-c's tokener counts one more (json_tokener_new_ex(depth) accepts
 * depth - 1 levels). */
#define DWHI_CONFIG_MAX_DEPTH 32
#define DWHI_CONFIG_TOKENER_DEPTH (DWHI_CONFIG_MAX_DEPTH + 1)

typedef struct dwhi_config_options {
    /* Anchors relative {"$file": PATH} references; NULL: the working
     * directory.  Borrowed. */
    const char *base_dir;
    /* Every value a reference resolves to is added here (may be NULL).
     * Borrowed. */
    dwhi_secrets *resolved;
    /* Non-zero: references are reported as errors and nothing is read from
     * the environment or files. */
    int no_references;
} dwhi_config_options;

/* Validates `config` (borrowed; any JSON value, NULL means an empty config)
 * against `fields` (n_fields entries, host stride).  `opt` may be NULL.
 * Appends errors and warnings to `report` (initialised by the caller).
 * A key or string anywhere in `config` that is not UTF-8 is reported at
 * its path (no value shown) and nothing else is checked: json-c keeps
 * such bytes as they are, and they must not reach a plugin or a message.
 * Returns 0 and sets *validated to a new object (caller puts) when there is
 * no error; returns -1 and sets *validated to NULL otherwise. */
int dwhi_config_validate(const dw_field *fields, uint32_t n_fields, json_object *config,
                        const dwhi_config_options *opt, json_object **validated, dwhi_config_report *report);

/* Parses text the way number inputs and str_to_int accept it (the
 * reference's int(): surrounding whitespace, an optional sign, digits with
 * single underscores between them).  Returns 0 and *out; -1 when not a whole
 * number; -2 when it does not fit in 64 bits; -3 when blank. */
int dwhi_parse_int_text(const char *s, size_t len, int64_t *out);

#endif
