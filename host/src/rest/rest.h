/*
 * rest.h -- the REST toolkit behind api->rest_run and api->rest_schema_add:
 * declarative endpoints (dw_endpoint, declared in a plugin's settings.c)
 * run by one generic iterator.
 *
 * dwhi_rest_run pages through an endpoint with its paginator, applies the
 * server-side incremental filter of the field the user chose, fans out
 * from a parent endpoint, emits every row to ctx->sink and stages the
 * resume position after each page (state_save) so an interrupted run
 * continues from the next page.  Semantics in docs/writing-a-connector/rest-toolkit.md.
 */
#ifndef DWHI_REST_H
#define DWHI_REST_H

#include <json-c/json.h>

#include "dwsdk.h"

/* Runs `endpoint` of `client` for `inputs` (all borrowed for the call; read
 * only as far as each struct_size reaches).  Returns DW_OK when every page
 * was emitted, else the error recorded on ctx (HTTP errors via
 * dwhi_http_fail_status, DW_ERR_BAD_DATA for bodies that are not JSON or lack
 * the data selector / a parent field, DW_ERR_CONFIG for an endpoint that
 * cannot do what was asked: unknown parent, no server-side filter for the
 * chosen incremental field, unfilled path placeholder, an unknown paginator
 * kind or bad response actions -- rest_validate.h), DW_ERR_NON_RETRYABLE
 * from a FAIL response action (rest_actions.h). */
dw_status dwhi_rest_run(dw_ctx *ctx, const dw_rest_client *client, const dw_endpoint *endpoint,
                       const dw_run_inputs *inputs);

/* Adds the schema `endpoint` describes through ctx->api->schema_add. */
dw_status dwhi_rest_schema_add(dw_ctx *ctx, const dw_endpoint *endpoint);

/* ---- helpers shared by the rest_*.c files (and tested directly) ------- */

/* The URL of the rel="next" link in a Link header value (RFC 8288), or NULL.
 * Malloc'd; the caller frees it. */
char *dwhi_link_next(const char *link_header);

/* Parses ISO-8601 date/time text ("2024-01-31", "2024-01-31T10:00:00Z",
 * "...T10:00:00.123+02:00", a space instead of T) into epoch seconds.
 * Returns 0 on success. */
int dwhi_iso8601_parse(const char *text, double *epoch_s);

/* Formats an incremental watermark (JSON scalar text as in dw_run_inputs)
 * for a query parameter: format "unix" gives integer seconds, "iso8601"
 * gives YYYY-MM-DDTHH:MM:SSZ, anything else the scalar unquoted.  Returns
 * malloc'd text or NULL when the value cannot be converted. */
char *dwhi_incremental_format(const char *json_scalar, const char *format);

#endif
