/* http_ssrf.c -- address classification for the SSRF guard (see http_ssrf.h). */
#include "http_ssrf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *dwhi_addr_class_name(dwhi_addr_class c) {
    switch (c) {
    case DWHI_ADDR_PUBLIC: return "public";
    case DWHI_ADDR_LOOPBACK: return "loopback";
    case DWHI_ADDR_PRIVATE: return "private";
    case DWHI_ADDR_LINK_LOCAL: return "link-local";
    case DWHI_ADDR_CGNAT: return "shared (CGNAT)";
    case DWHI_ADDR_MULTICAST: return "multicast/broadcast";
    case DWHI_ADDR_UNSPECIFIED: return "unspecified";
    case DWHI_ADDR_METADATA: return "cloud metadata";
    case DWHI_ADDR_RESERVED: return "reserved";
    }
    return "unknown";
}

/* Cloud instance metadata services (they hand out the machine's cloud
 * credentials): refused even when internal hosts are allowed. */
static int metadata_v4(uint32_t v) {
    switch (v) {
    case 0xA9FEA9FEu: /* 169.254.169.254: AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle */
    case 0xA9FEAA02u: /* 169.254.170.2: AWS ECS task credentials */
    case 0xA9FEAA17u: /* 169.254.170.23: AWS EKS pod identity agent */
    case 0x646464C8u: /* 100.100.100.200: Alibaba Cloud */
    case 0xC00000C0u: /* 192.0.0.192: Oracle Cloud (legacy) */
        return 1;
    default:
        return 0;
    }
}

/* a, b: the first two octets etc.; v is the address in host order. */
static dwhi_addr_class classify_v4(uint32_t v) {
    uint8_t a = (uint8_t)(v >> 24), b = (uint8_t)(v >> 16), c = (uint8_t)(v >> 8);
    if (metadata_v4(v)) return DWHI_ADDR_METADATA;
    if (a == 0) return DWHI_ADDR_UNSPECIFIED;
    if (a == 127) return DWHI_ADDR_LOOPBACK;
    if (a == 10) return DWHI_ADDR_PRIVATE;
    if (a == 172 && (b & 0xF0) == 16) return DWHI_ADDR_PRIVATE;
    if (a == 192 && b == 168) return DWHI_ADDR_PRIVATE;
    if (a == 169 && b == 254) return DWHI_ADDR_LINK_LOCAL;
    if (a == 100 && (b & 0xC0) == 64) return DWHI_ADDR_CGNAT;
    if (v == 0xFFFFFFFFu) return DWHI_ADDR_MULTICAST;
    if (a >= 224 && a <= 239) return DWHI_ADDR_MULTICAST;
    if (a >= 240) return DWHI_ADDR_RESERVED;
    if (a == 192 && b == 0 && c == 0) return DWHI_ADDR_RESERVED;   /* IETF protocol assignments */
    if (a == 192 && b == 0 && c == 2) return DWHI_ADDR_RESERVED;   /* TEST-NET-1 */
    if (a == 198 && (b & 0xFE) == 18) return DWHI_ADDR_RESERVED;   /* benchmarking */
    if (a == 198 && b == 51 && c == 100) return DWHI_ADDR_RESERVED; /* TEST-NET-2 */
    if (a == 203 && b == 0 && c == 113) return DWHI_ADDR_RESERVED;  /* TEST-NET-3 */
    return DWHI_ADDR_PUBLIC;
}

static uint32_t v4_at(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static dwhi_addr_class classify_v6(const uint8_t *a) {
    static const uint8_t zero[16] = {0};
    /* fd00:ec2::254 (AWS instance metadata), fd00:ec2::23 (EKS pod identity) */
    static const uint8_t ec2[14] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, ec2, 14) && ((a[14] == 0x02 && a[15] == 0x54) || (a[14] == 0 && a[15] == 0x23)))
        return DWHI_ADDR_METADATA;
    if (!memcmp(a, zero, 16)) return DWHI_ADDR_UNSPECIFIED;
    if (!memcmp(a, zero, 15) && a[15] == 1) return DWHI_ADDR_LOOPBACK;
    /* ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible). */
    if (!memcmp(a, zero, 10) && ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0)))
        return classify_v4(v4_at(a + 12));
    /* 64:ff9b::/96 NAT64 well-known prefix: the embedded IPv4 is the target. */
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (!memcmp(a, nat64, 12)) return classify_v4(v4_at(a + 12));
    if ((a[0] & 0xFE) == 0xFC) return DWHI_ADDR_PRIVATE;                 /* fc00::/7 ULA */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return DWHI_ADDR_LINK_LOCAL; /* fe80::/10 */
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return DWHI_ADDR_PRIVATE; /* fec0::/10 site-local */
    if (a[0] == 0xFF) return DWHI_ADDR_MULTICAST;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) return DWHI_ADDR_RESERVED; /* docs */
    if (a[0] == 0x01 && a[1] == 0x00 && !memcmp(a + 2, zero, 6)) return DWHI_ADDR_RESERVED; /* discard */
    return DWHI_ADDR_PUBLIC;
}

dwhi_addr_class dwhi_addr_classify(const struct sockaddr *sa) {
    if (!sa) return DWHI_ADDR_RESERVED;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return classify_v4(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return classify_v6(in6->sin6_addr.s6_addr);
    }
    return DWHI_ADDR_RESERVED;
}

int dwhi_addr_parse(const char *text, struct sockaddr_storage *out) {
    if (!text || !out) return 0;
    memset(out, 0, sizeof *out);
    char buf[INET6_ADDRSTRLEN + 8];
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        if (n - 2 >= sizeof buf) return 0;
        memcpy(buf, text + 1, n - 2);
        buf[n - 2] = 0;
    } else {
        if (n >= sizeof buf) return 0;
        memcpy(buf, text, n + 1);
    }
    /* A zone id ("fe80::1%eth0") does not change the class. */
    char *pct = strchr(buf, '%');
    if (pct) *pct = 0;
    struct sockaddr_in *in = (struct sockaddr_in *)out;
    if (inet_pton(AF_INET, buf, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return 1;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET6, buf, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        return 1;
    }
    return 0;
}

void dwhi_addr_set_port(struct sockaddr_storage *ss, unsigned port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

char *dwhi_addr_format(const struct sockaddr *sa, char *buf, size_t len) {
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        port = ntohs(in->sin_port);
        snprintf(buf, len, "%s:%u", ip, port);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        port = ntohs(in6->sin6_port);
        snprintf(buf, len, "[%s]:%u", ip, port);
    } else {
        snprintf(buf, len, "?");
    }
    return buf;
}

int dwhi_ssrf_name_is_metadata(const char *host) {
    static const char *const names[] = {"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
                                        "instance-data.ec2.internal", NULL};
    if (!host) return 0;
    size_t n = strlen(host);
    while (n && host[n - 1] == '.') n--; /* "metadata.google.internal." is the same name */
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == n && !strncasecmp(host, names[i], n)) return 1;
    return 0;
}

int dwhi_ssrf_allowed(const dwhi_ssrf_policy *p, const struct sockaddr *sa, char *why, size_t why_len) {
    dwhi_addr_class c = dwhi_addr_classify(sa);
    if (c == DWHI_ADDR_PUBLIC) return 1;
    char addr[INET6_ADDRSTRLEN + 16];
    dwhi_addr_format(sa, addr, sizeof addr);
    if (c == DWHI_ADDR_METADATA) {
        if (why && why_len)
            snprintf(why, why_len, "%s is a cloud metadata address (refused even when internal hosts are allowed)",
                     addr);
        return 0;
    }
    if (p && p->allow_internal) return 1;
    if (p && p->allow_list) {
        for (const char *const *e = p->allow_list; *e; e++)
            if (!strcmp(*e, addr)) return 1;
    }
    if (why && why_len)
        snprintf(why, why_len, "%s is a%s %s address", addr,
                 c == DWHI_ADDR_UNSPECIFIED ? "n" : "", dwhi_addr_class_name(c));
    return 0;
}
