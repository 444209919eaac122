/*
 * url_scrub.h -- masking credentials that URLs carry, wherever a URL
 * appears in a message: the userinfo password ("https://user:***@host")
 * and the values of query parameters whose name says they are secret
 * (token, key, api_key, secret, password, signature, ...: the rule of
 * dwhi_url_param_is_secret).  dwhi_secrets_scrub applies it to every message
 * and log line, so a URL in a config value ("api_base") or an error is
 * masked even though it is not a secret field.  Works on JSON text too
 * ("http:\/\/u:p@h" as json-c writes it).
 */
#ifndef DWHI_URL_SCRUB_H
#define DWHI_URL_SCRUB_H

/* Returns a malloc'd copy of `text` (NULL: NULL) with the credentials of
 * every http(s)-style URL in it replaced by "***": the password of a
 * userinfo (the whole userinfo when it has no ':' -- a bare token as user
 * name; not in postgres(ql):// URLs), and secret-named query values.  The
 * caller frees it.  NULL on OOM. */
char *dwhi_url_scrub(const char *text);

#endif
