/*
 * config_secrets.h -- which config values are secret, collecting them into a
 * dwhi_secrets set, masking them, and resolving secret references.
 *
 * The secret keys are derived from the field definitions only (nothing is
 * listed by hand): password inputs and inputs marked `secret`, an SSH
 * tunnel's password / private_key / passphrase, an OAuth field's
 * access_token / refresh_token, and the whole content of a file upload.
 *
 * Secret references.  Instead of a literal, a secret value may be
 *   {"$env": "NAME"}   the environment variable NAME (must be set), or
 *   {"$file": "PATH"}  the contents of the regular file PATH (at most 1 MiB,
 *                      no NUL bytes) with ONE trailing newline ("\n" or
 *                      "\r\n") stripped; a relative PATH starts at the
 *                      directory holding the config file.
 * A reference is an object with exactly that one key.  References are
 * accepted only where the form has a secret; the validator resolves them (so
 * plugins see plain values) and adds every resolved value to the secret set.
 */
#ifndef DWHI_CONFIG_SECRETS_H
#define DWHI_CONFIG_SECRETS_H

#include <json-c/json.h>
#include <stddef.h>

#include "dwsdk.h"
#include "log/secrets.h"

/* Largest file a {"$file"} reference may name. */
#define DWHI_SECRET_FILE_MAX (1024 * 1024)

typedef enum dwhi_secret_ref_kind {
    DWHI_REF_MALFORMED = -1, /* an object with a "$..." key that is not a valid reference */
    DWHI_REF_NONE = 0,       /* not a reference: a literal */
    DWHI_REF_ENV = 1,
    DWHI_REF_FILE = 2
} dwhi_secret_ref_kind;

/* Classifies `v` (borrowed; may be NULL). */
dwhi_secret_ref_kind dwhi_secret_ref_kind_of(json_object *v);

/* Resolves a reference.  On success returns 0 and sets *value (malloc'd,
 * NUL-terminated, caller frees) and *len.  On failure returns -1 and sets
 * *expected and *got (malloc'd, caller frees) to a description naming the
 * variable or file and what is wrong; never the value.  `base_dir` (may be
 * NULL: the working directory) anchors relative file paths. */
int dwhi_secret_ref_resolve(json_object *ref, const char *base_dir, char **value, size_t *len,
                           char **expected, char **got);

/* Adds every string (and number text) inside `v` (borrowed) to `s`, except
 * inside references (variable names and paths are not secret). */
void dwhi_config_secrets_add_all(dwhi_secrets *s, json_object *v);

/* Dotted paths of every secret key the form declares, e.g. "api_key",
 * "auth.private_key", "ssh_tunnel.password", "integration.access_token", and
 * a file upload's own name.  Returns a malloc'd NULL-terminated array of
 * malloc'd strings, without duplicates, in form order (NULL on OOM); free
 * with dwhi_config_secret_paths_free(). */
char **dwhi_config_secret_paths(const dw_field *fields, uint32_t n_fields);
void dwhi_config_secret_paths_free(char **paths);

/* Adds every secret value found in `config` (borrowed; raw or validated) to
 * `s`: strings (and the text of numbers) at the secret keys, every string of
 * a file upload.  Lenient: works on invalid configs too (it looks at every
 * option's sub-fields), so error output can be scrubbed. */
void dwhi_config_collect_secrets(const dw_field *fields, uint32_t n_fields, json_object *config,
                                dwhi_secrets *s);

/* Returns a deep copy of `config` (borrowed) with every secret value, and
 * every value under a key the form does not know, replaced by "***".  The
 * caller puts the result.  NULL only when config is NULL or on OOM. */
json_object *dwhi_config_mask(const dw_field *fields, uint32_t n_fields, json_object *config);

#endif
