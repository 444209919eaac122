/*
 * webhook_signature.h -- a provider's signature on a webhook request,
 * checked with the signing secret (ABI 1.9 dw_source.webhook_signature;
 * docs/concepts/webhooks.md "Signatures"): Stripe's Stripe-Signature and
 * GitHub's X-Hub-Signature-256, HMAC-SHA256 through OpenSSL, compared in
 * constant time.
 */
#ifndef DWHI_WEBHOOK_SIGNATURE_H
#define DWHI_WEBHOOK_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "dwsdk.h"

/* How far a Stripe timestamp may be from now, either way (seconds). */
#define DWHI_STRIPE_TOLERANCE_S 300

/* The request header that carries the scheme's signature
 * ("Stripe-Signature", "X-Hub-Signature-256"); NULL for NONE or an
 * unknown scheme.  Static. */
const char *dwhi_webhook_signature_header(uint32_t scheme);

/* The scheme's stable word ("stripe", "github_sha256", "none"). Static. */
const char *dwhi_webhook_signature_name(uint32_t scheme);

/* Splits "Name: value" (a --signature-header argument, an embedder's
 * option) at its first colon: *name_len is the length of the name (spaces
 * before the colon dropped), *value where the value starts (spaces
 * skipped).  Returns 0, or -1 when there is no colon or no name. */
int dwhi_webhook_header_split(const char *line, size_t *name_len, const char **value);

/* Verifies `value` (the header's value, borrowed) for `payload` (`len`
 * bytes) with `secret` under `scheme`, at `now` (Unix seconds).  Stripe:
 * "t=TIMESTAMP,v1=HEX[,v1=HEX...]" (other schemes' entries, such as v0,
 * are ignored), one v1 the HMAC-SHA256 of "TIMESTAMP.PAYLOAD", TIMESTAMP
 * within DWHI_STRIPE_TOLERANCE_S of now either way; *timestamp (may be
 * NULL) receives it.  GitHub: "sha256=HEX", the HMAC-SHA256 of the
 * payload.  Returns 0 when it matches, else -1 with a malloc'd one-line
 * *err that names what is wrong (never the secret or the expected
 * signature). */
int dwhi_webhook_verify(uint32_t scheme, const char *secret, const char *value, const char *payload, size_t len,
                        int64_t now, int64_t *timestamp, char **err);

/* The key that recognises a replay of a verified request: for Stripe,
 * "stripe:t=TIMESTAMP:sha256=HEX" (the signed timestamp and the payload's
 * SHA-256: the same pair again, whatever other entries the header
 * carries, is the same request).  Writes it into out (cap bytes; 96 are
 * enough) and returns 0; 1 for a scheme without one (GitHub signs no
 * timestamp, so a record of its signatures could never be bounded); -1
 * when the digest failed. */
int dwhi_webhook_replay_key(uint32_t scheme, int64_t timestamp, const char *payload, size_t len, char *out,
                            size_t cap);

#endif
