/*
 * api_http.h -- the seam between the function table (api_table.c) and the
 * tracked HTTP transport.
 *
 * The transport module defines dwh_api_fill_http(), which sets the HTTP
 * and REST members of the table (http_request ... http_free, rest_run,
 * rest_schema_add).  Until it exists the reference is weak and NULL, and
 * the table stops before http_request (abi_minor 1), so no plugin can
 * reach a NULL member.
 *
 * Transport: when you add the strong definition, also drop the weak
 * attribute below.  With a static libdwhost a weak reference does not pull
 * an archive member in, so the CLI and tests would otherwise link without
 * your object and silently report ABI 1.1.
 */
#ifndef DWH_API_HTTP_H
#define DWH_API_HTTP_H

#include "dwsdk.h"

/* Fills the 1.2 transport members of `t` (everything else is set already;
 * leave it alone). */
void dwh_api_fill_http(dw_host_api *t) __attribute__((weak));

#endif
