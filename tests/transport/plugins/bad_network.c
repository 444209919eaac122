/*
 * bad_network.c -- a deliberately bad plugin for the plugin-audit test: it
 * resolves and connects on its own and links libcurl, bypassing the
 * tracked transport.  Never loaded; only audited.
 */
#include <curl/curl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dwsdk.h"

static dw_status run(dw_ctx *ctx, const dw_run_inputs *in) {
    (void)ctx;
    (void)in;
    struct addrinfo *ai = NULL;
    if (getaddrinfo("api.example.com", "443", NULL, &ai) == 0) {
        int fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) send(fd, "x", 1, 0);
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
    }
    CURL *c = curl_easy_init();
    if (c) curl_easy_cleanup(c);
    return DW_OK;
}

DW_EXPORT const dw_source dwhost_source = {
    DW_SOURCE_HEADER,
    .name = "bad_network",
    .icon_path = "/static/services/bad.svg",
    .run = run,
};
