/*
 * http_url.h -- URL text for the whole library: resolving, host and origin
 * extraction, redaction, percent-encoding, "is this a web URL?" (building
 * a URL from base, path and params is core/url_build.h).
 *
 * Built on libcurl's URL API (curl_url, curl_easy_escape), so encoding and
 * relative resolution follow RFC 3986 instead of string pasting.  Outside
 * transport/, this is the only place libcurl is called
 * (tools/check_layers.py).
 */
#ifndef DWHI_HTTP_URL_H
#define DWHI_HTTP_URL_H

#include <stddef.h>

/* Resolves `ref` (absolute, or relative like a Location or Link target)
 * against `base`.  Returns a malloc'd absolute URL (caller frees) or NULL. */
char *dwhi_url_resolve(const char *base, const char *ref);

/* Host name of `url` (lower case, no brackets for IPv6), malloc'd; NULL when
 * it has none.  *port (may be NULL) receives the explicit or default port;
 * *scheme (may be NULL) a malloc'd scheme the caller frees. */
char *dwhi_url_host(const char *url, long *port, char **scheme);

/* The origin of `url` (RFC 6454: scheme, host, port) as
 * "scheme://host:port": scheme and host in lower case, an IPv6 host in
 * brackets, the port always written (the scheme's default when the URL has
 * none), so "HTTPS://API.x.com/a" and "https://api.x.com:443/b" give the
 * same text.  Malloc'd (caller frees); NULL when `url` is not an absolute
 * URL with a host. */
char *dwhi_url_origin(const char *url);

/* 1 when `a` and `b` have the same origin, 0 otherwise (also when either
 * has none). */
int dwhi_url_same_origin(const char *a, const char *b);

/* 1 when the origin of `url` is `origin` (an origin as dwhi_url_origin
 * writes it) or the origin of one of `trusted` (URLs or "scheme://host[:port]"
 * texts, NULL-terminated; may be NULL); 0 otherwise. */
int dwhi_url_origin_in(const char *url, const char *origin, const char *const *trusted);

/* Returns a malloc'd copy of `url` safe to log: user:password is dropped and
 * the values of query parameters whose name looks secret (token, key,
 * secret, password, signature, auth, credential, session, ...) become
 * "***".  The caller frees it; returns a copy of "<invalid url>" for text
 * that is not a URL.  Scrubbing of the operation's secret values happens
 * on top of this, in log.c. */
char *dwhi_url_redact(const char *url);

/* Non-zero when a query parameter name looks like it carries a secret. */
int dwhi_url_param_is_secret(const char *name, size_t len);

/* `s` percent-encoded as one URL component: every byte but RFC 3986's
 * unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX, a space
 * included ("%20").  Returns a malloc'd string the caller frees; NULL when
 * out of memory. */
char *dwhi_url_escape(const char *s);

/* 1 when `s` is an absolute http or https URL with a host and no spaces or
 * control characters (a config field of input kind URL), 0 otherwise. */
int dwhi_url_is_web(const char *s);

#endif
