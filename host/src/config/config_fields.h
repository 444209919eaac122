/*
 * config_fields.h -- what each field kind of the config form means for the
 * JSON a user writes: which keys a composite field holds, which values are
 * secret.  Shared by the validator, secret derivation, masking, the form
 * renderer and tools/gen-config, so that all agree.
 *
 * Config shapes (documented for users in docs/concepts/config-and-secrets.md):
 *   input            a string; number inputs: a whole number or a numeric string
 *   switch group     {"enabled": bool, <sub-fields>} (or just true / false)
 *   select           the option's value; multiple: an array of values; when an
 *                    option has sub-fields: {"selection": value, <sub-fields>}
 *   oauth            {"access_token", "refresh_token"?, "token_type"?,
 *                    "scope"?, "expires_at"?} (or just the access token)
 *   oauth account    an account id string; multiple: an array of them
 *   file upload      the file's JSON object (inline, as JSON text, or
 *                    {"$file": path}); always secret
 *   ssh tunnel       {"enabled", "host", "port", "username",
 *                    "auth_type": "password" | "keypair", "password",
 *                    "private_key", "passphrase"}
 *
 * Fields are read from normalised (host-stride) arrays: index them directly.
 */
#ifndef DWHI_CONFIG_FIELDS_H
#define DWHI_CONFIG_FIELDS_H

#include <stddef.h>

#include "dwsdk.h"

/* Non-zero when an input's value is secret: password inputs and inputs
 * marked `secret`.  Other kinds: 0 (their secret keys are listed below). */
int dwhi_field_is_secret(const dw_field *f);

/* Non-zero when any option of a select has sub-fields (its value is then an
 * object with "selection"). */
int dwhi_select_has_subfields(const dw_field *f);

/* Non-zero when a file upload accepts any key (file_keys NULL or {"*"}). */
int dwhi_file_keys_any(const dw_field *f);
/* Non-zero when `key` is in the file upload's allow-list. */
int dwhi_file_key_allowed(const dw_field *f, const char *key);

/* Keys of an SSH tunnel's object, in form order, with their meaning.  The
 * table is static (host lifetime). */
typedef enum dwhi_ssh_key_type {
    DWHI_SSH_BOOL,   /* enabled */
    DWHI_SSH_STRING, /* host, username, password, private_key, passphrase */
    DWHI_SSH_PORT,   /* port: 1..65535, default 22 */
    DWHI_SSH_AUTH    /* auth_type: "password" | "keypair" */
} dwhi_ssh_key_type;

typedef struct dwhi_ssh_key {
    const char *name;
    const char *label;
    dwhi_ssh_key_type type;
    int secret;
    /* When the key is required once the tunnel is enabled: always (NULL) or
     * only for this auth_type; optional keys have required == 0. */
    int required;
    const char *only_for_auth; /* NULL, "password" or "keypair" */
} dwhi_ssh_key;

const dwhi_ssh_key *dwhi_ssh_keys(size_t *n);

/* Keys of an OAuth field's object. */
typedef struct dwhi_oauth_key {
    const char *name;
    int secret;
    int required;
    int is_number_or_string; /* expires_at: seconds since the epoch or an ISO-8601 string */
} dwhi_oauth_key;

const dwhi_oauth_key *dwhi_oauth_keys(size_t *n);

#endif
