/*
 * config_load.h -- from a config file to a validated config and its secret
 * set: read, parse, collect literal secrets (so even error output is
 * scrubbed), resolve secret references, validate against the source's
 * form, collect the validated secrets.  Every command that takes --config
 * (check, read, sync, conformance) and the embedding API use this, so no
 * plugin code ever runs on an unvalidated config.
 */
#ifndef DWHI_CONFIG_LOAD_H
#define DWHI_CONFIG_LOAD_H

#include <json-c/json.h>

#include "config_report.h"
#include "dwsdk.h"
#include "log/secrets.h"

/* Largest config file accepted. */
#define DWHI_CONFIG_FILE_MAX (16 * 1024 * 1024)

/* Loads `path` ("-" is standard input) for the source described by `src`
 * (a normalised descriptor: dwh_plugin_source()).  Relative {"$file"}
 * references start at the config file's directory.
 *
 * Always appends every secret found (literal or resolved) to `secrets`
 * (borrowed, may be NULL), even when the config is invalid.  Problems with
 * the file itself are reported at path "(file)", with the whole document at
 * "(config)", otherwise at the JSON path of the value.
 *
 * Returns 0 with *validated set (a new object the caller puts) when the
 * config is valid; -1 with *validated NULL when `report` holds errors.
 * Logs the masked validated config at debug level (event config.loaded). */
int dwhi_config_load(const dw_source *src, const char *path, json_object **validated, dwhi_secrets *secrets,
                    dwhi_config_report *report);

/* The same for a config already parsed (`raw` borrowed; NULL is {}).
 * `base_dir` anchors relative {"$file"} references (NULL: the working
 * directory). */
int dwhi_config_load_json(const dw_source *src, json_object *raw, const char *base_dir, json_object **validated,
                         dwhi_secrets *secrets, dwhi_config_report *report);

/* dwhi_config_load_json that keeps nothing and logs nothing: whether `raw`
 * is valid (0) or not (-1), with `secrets` and `report` filled alike. */
int dwhi_config_check_json(const dw_source *src, json_object *raw, const char *base_dir, dwhi_secrets *secrets,
                          dwhi_config_report *report);

/* The first half of dwhi_config_load: reads and parses `path` ("-" is
 * standard input).  Returns 0 with *raw (caller puts; NULL for a JSON null)
 * and *base_dir (malloc'd directory of the file, NULL for stdin; caller
 * frees), or -1 with the problem reported at "(file)". */
int dwhi_config_read_file(const char *path, json_object **raw, char **base_dir, dwhi_config_report *report);
/* The same that also hands back the file's text: *text (may be NULL to
 * skip; malloc'd, NUL-terminated, holding any secrets in clear: wipe it
 * before freeing) on success; *raw may be NULL to skip the parse tree. */
int dwhi_config_read_file_text(const char *path, char **text, json_object **raw, char **base_dir,
                               dwhi_config_report *report);

/* Parses JSON text the way config files are read: one value, nothing but
 * whitespace after it.  `text` must be NUL-terminated at text[len].  Returns 0 and *out (caller puts; NULL for the JSON
 * null), or -1 with a description (line, column, what) in err. */
int dwhi_config_parse_text(const char *text, size_t len, json_object **out, char *err, size_t err_len);

#endif
