/*
 * plugin_api_http.h -- the seam between the function table (plugin_api_table.c) and the
 * tracked HTTP transport.
 *
 * The transport module (plugin_api_http.c) defines dwhi_api_fill_http(), which
 * sets the HTTP and REST members of the table (http_request ... http_free,
 * rest_run, rest_schema_add).  The reference is strong: a weak one would
 * not pull api_http.o out of the static libdwhost, and the table would
 * silently report ABI 1.1.  plugin_api_table.c still checks every member before
 * it reports 1.2.
 */
#ifndef DWHI_API_HTTP_H
#define DWHI_API_HTTP_H

#include "dwsdk.h"

/* Fills the 1.2 transport members of `t` (everything else is set already;
 * leave it alone). */
void dwhi_api_fill_http(dw_host_api *t);

#endif
