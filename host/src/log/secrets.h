/*
 * secrets.h -- the set of secret values of one operation, and scrubbing.
 *
 * Every message the host prints, logs or returns passes through
 * dwhi_secrets_scrub() first.  Values come from the config fields the form
 * marks secret (config_secrets.c) and from plugins (api->secret_add).
 */
#ifndef DWHI_SECRETS_H
#define DWHI_SECRETS_H

#include <stddef.h>

typedef struct dwhi_secrets dwhi_secrets;

/* Returns a new empty set (NULL on OOM); free with dwhi_secrets_free(). */
dwhi_secrets *dwhi_secrets_new(void);
void dwhi_secrets_free(dwhi_secrets *s);
/* Adds a copy of `value` (once: a value already in the set is ignored).
 * Values shorter than 4 bytes are ignored: masking them would shred
 * ordinary text and they are not secrets worth the name. */
void dwhi_secrets_add(dwhi_secrets *s, const char *value);
/* Number of values, and the i-th one in the order they were added
 * (borrowed from the set; NULL past the end). */
size_t dwhi_secrets_count(const dwhi_secrets *s);
const char *dwhi_secrets_value(const dwhi_secrets *s, size_t i);
/* Returns a malloc'd copy of `text` with every spelling of every secret
 * replaced by `mask`: the value itself, JSON-escaped ("\/" for '/',
 * "\u003c" for '<', any \uXXXX, surrogate pairs), percent-encoded (either
 * hex case, '+' for a space) or any mix of these, as servers echo a secret
 * into an error body, a URL or JSON.  *hits (may be NULL) receives the
 * number of replacements.  No URL scrubbing (see dwhi_secrets_scrub): the
 * state module masks with this.  NULL only on OOM (or a NULL text). */
char *dwhi_secrets_mask(const dwhi_secrets *s, const char *text, const char *mask, size_t *hits);
/* The length of the text at `text` that spells `secret` in one of the
 * ways dwhi_secrets_mask recognises, 0 when it does not start there. */
size_t dwhi_secrets_match_at(const char *text, const char *secret);
/* Returns a malloc'd copy of `text` with every secret masked as by
 * dwhi_secrets_mask(s, text, "***"), and the credentials of every URL in it
 * masked (userinfo passwords, secret-named query values: url_scrub.h) --
 * the latter also when s is NULL.  The caller frees it.  Returns NULL only
 * on OOM. */
char *dwhi_secrets_scrub(const dwhi_secrets *s, const char *text);

#endif
