/*
 * secrets.h -- the set of secret values of one operation, and scrubbing.
 *
 * Every message the host prints, logs or returns passes through
 * dwh_secrets_scrub() first.  Values come from the config fields the form
 * marks secret (config_secrets.c) and from plugins (api->secret_add).
 */
#ifndef DWH_SECRETS_H
#define DWH_SECRETS_H

#include <stddef.h>

typedef struct dwh_secrets dwh_secrets;

/* Returns a new empty set (NULL on OOM); free with dwh_secrets_free(). */
dwh_secrets *dwh_secrets_new(void);
void dwh_secrets_free(dwh_secrets *s);
/* Adds a copy of `value`, with the forms it takes inside a URL (percent-
 * encoded) and inside JSON text (escaped), so a secret is masked wherever a
 * message embeds it.  Values shorter than 4 bytes are ignored: masking
 * them would shred ordinary text and they are not secrets worth the name. */
void dwh_secrets_add(dwh_secrets *s, const char *value);
size_t dwh_secrets_count(const dwh_secrets *s);
/* Returns a malloc'd copy of `text` with every occurrence of every secret
 * (and its URL-encoded form) replaced by "***", and the credentials of
 * every URL in it masked (userinfo passwords, secret-named query values:
 * url_scrub.h) -- the latter also when s is NULL.  The caller frees it.
 * Returns NULL only on OOM. */
char *dwh_secrets_scrub(const dwh_secrets *s, const char *text);

#endif
