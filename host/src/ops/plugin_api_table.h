/*
 * plugin_api_table.h -- the dw_host_api function table handed to every plugin
 * (its init) and set on every operation's ctx (ctx->api).
 */
#ifndef DWHI_API_TABLE_H
#define DWHI_API_TABLE_H

#include "dwsdk.h"

/* The function table (static, host lifetime; never freed).  ABI 1.2 when
 * the transport module is linked in, else 1.1 (see plugin_api_http.h). */
const dw_host_api *dwhi_api_table(void);

#endif
