/* config_fields.c -- the JSON shape of each field kind (see config_fields.h). */
#include "config_fields.h"

#include <string.h>

int dwhi_field_is_secret(const dw_field *f) {
    return f && f->kind == DW_FIELD_INPUT && (f->input_type == DW_INPUT_PASSWORD || f->secret);
}

int dwhi_select_has_subfields(const dw_field *f) {
    if (!f || f->kind != DW_FIELD_SELECT || !f->options) return 0;
    for (uint32_t i = 0; i < f->n_options; i++)
        if (f->options[i].n_fields > 0 && f->options[i].fields) return 1;
    return 0;
}

int dwhi_file_keys_any(const dw_field *f) {
    if (!f->file_keys || !f->file_keys[0]) return 1;
    for (const char *const *k = f->file_keys; *k; k++)
        if (!strcmp(*k, "*")) return 1;
    return 0;
}

int dwhi_file_key_allowed(const dw_field *f, const char *key) {
    if (dwhi_file_keys_any(f)) return 1;
    for (const char *const *k = f->file_keys; *k; k++)
        if (!strcmp(*k, key)) return 1;
    return 0;
}

static const dwhi_ssh_key ssh_keys[] = {
    {"enabled", "Use SSH tunnel?", DWHI_SSH_BOOL, 0, 0, NULL},
    {"host", "Tunnel host", DWHI_SSH_STRING, 0, 1, NULL},
    {"port", "Tunnel port", DWHI_SSH_PORT, 0, 1, NULL},
    {"username", "Tunnel username", DWHI_SSH_STRING, 0, 1, NULL},
    {"auth_type", "Authentication type", DWHI_SSH_AUTH, 0, 1, NULL},
    {"password", "Tunnel password", DWHI_SSH_STRING, 1, 1, "password"},
    {"private_key", "Tunnel private key", DWHI_SSH_STRING, 1, 1, "keypair"},
    {"passphrase", "Tunnel passphrase", DWHI_SSH_STRING, 1, 0, "keypair"},
};

const dwhi_ssh_key *dwhi_ssh_keys(size_t *n) {
    *n = sizeof ssh_keys / sizeof ssh_keys[0];
    return ssh_keys;
}

static const dwhi_oauth_key oauth_keys[] = {
    {"access_token", 1, 1, 0},
    {"refresh_token", 1, 0, 0},
    {"token_type", 0, 0, 0},
    {"scope", 0, 0, 0},
    {"expires_at", 0, 0, 1},
};

const dwhi_oauth_key *dwhi_oauth_keys(size_t *n) {
    *n = sizeof oauth_keys / sizeof oauth_keys[0];
    return oauth_keys;
}
