/*
 * http_ssrf.h -- the SSRF guard: which addresses a plugin may reach.
 *
 * A connector's URLs come from user config (a base URL, a GitHub Enterprise
 * host) and from servers (Link headers, redirects), so without a guard a
 * source could be pointed at the cloud metadata service or an internal
 * admin port.  The transport refuses every address this module classifies
 * as internal unless the operation allows internal hosts
 * (ctx->allow_internal_hosts) or the exact "ip:port" is on an allow-list.
 * Cloud metadata services (which hand out the machine's own cloud
 * credentials) are refused always: by address, also IPv4-mapped or NAT64,
 * and by their well-known names (dwhi_ssrf_name_is_metadata).
 *
 * The check runs on the address curl is about to connect to (its
 * open-socket callback) and again on the connected peer before the request
 * is sent, so a DNS answer that changes between a check and the connect
 * (rebinding) cannot get through; IP-literal URLs and redirect targets are
 * also checked before any connection is attempted.
 */
#ifndef DWHI_HTTP_SSRF_H
#define DWHI_HTTP_SSRF_H

#include <stddef.h>
#include <sys/socket.h>

typedef enum dwhi_addr_class {
    DWHI_ADDR_PUBLIC = 0,
    DWHI_ADDR_LOOPBACK,    /* 127.0.0.0/8, ::1 */
    DWHI_ADDR_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
    DWHI_ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
    DWHI_ADDR_CGNAT,       /* 100.64/10 (shared address space) */
    DWHI_ADDR_MULTICAST,   /* 224/4, ff00::/8, 255.255.255.255 */
    DWHI_ADDR_UNSPECIFIED, /* 0.0.0.0/8, :: */
    DWHI_ADDR_METADATA,    /* cloud metadata: 169.254.169.254, 169.254.170.2, 169.254.170.23,
                             100.100.100.200, 192.0.0.192, fd00:ec2::254, fd00:ec2::23 */
    DWHI_ADDR_RESERVED     /* 192.0.0/24, 198.18/15, 240/4, documentation ranges */
} dwhi_addr_class;

/* Short name ("loopback", "metadata", ...) for messages; static storage. */
const char *dwhi_addr_class_name(dwhi_addr_class c);

/* Classifies an AF_INET or AF_INET6 address.  IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible and NAT64 (64:ff9b::/96) IPv6 addresses are classified
 * by their embedded IPv4 address.  Other families are RESERVED. */
dwhi_addr_class dwhi_addr_classify(const struct sockaddr *sa);

/* Parses a numeric IPv4/IPv6 literal (brackets allowed) into *out (port 0).
 * Returns 1 when `text` is an IP literal, 0 otherwise. */
int dwhi_addr_parse(const char *text, struct sockaddr_storage *out);

/* Sets the port of an AF_INET/AF_INET6 address. */
void dwhi_addr_set_port(struct sockaddr_storage *ss, unsigned port);

/* Formats "ip:port" ("[v6]:port" for IPv6) into buf.  Returns buf. */
char *dwhi_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* The guard's policy for one operation. */
typedef struct dwhi_ssrf_policy {
    int allow_internal;               /* every address allowed */
    const char *const *allow_list;    /* NULL-terminated "ip:port" entries allowed even
                                         when internal ("[::1]:8080" for IPv6); borrowed */
} dwhi_ssrf_policy;

/* Returns 1 when the policy lets the transport connect to `sa`, 0 when it
 * refuses; on refusal writes a one-line reason into why (may be NULL),
 * e.g. "10.0.0.1:80 is a private address".  A cloud metadata address is
 * refused whatever the policy says (allow_internal, allow_list). */
int dwhi_ssrf_allowed(const dwhi_ssrf_policy *p, const struct sockaddr *sa, char *why, size_t why_len);

/* 1 when `host` (a URL's host name, any case, a trailing dot allowed) is a
 * well-known name of a cloud metadata service: metadata.google.internal,
 * metadata.goog, metadata, instance-data, instance-data.ec2.internal. */
int dwhi_ssrf_name_is_metadata(const char *host);

#endif
