/*
 * rest_page.h -- one paginated walk ("listing") over an endpoint path, one
 * page at a time: builds the page's URL, fetches it through the tracked
 * transport, selects the rows and works out the next page and whether the
 * walk ends.  Internal to the REST toolkit (rest_run.c).
 *
 * Termination rules, per paginator kind:
 *   SINGLE        one page.
 *   LINK_HEADER   until the Link header has no rel="next".
 *   JSON_NEXT_URL until next_url_path is absent, null or "".
 *   CURSOR        until has_more_path is false, the cursor (cursor_path, else
 *                 the last row's cursor_row_field) is absent, or a page is empty.
 *   OFFSET        until a page is empty, shorter than page_size,
 *                 has_more_path is false, or offset reaches total_path (items).
 *   PAGE_NUMBER   until a page is empty, shorter than page_size,
 *                 has_more_path is false, or the page reaches total_path (pages).
 *   AUTO          (1.5) as the kind decided from the first response
 *                 (rest_auto.h), which the position records.
 * Any kind also stops at max_pages (a "rest.page_cap" log line) and when a
 * server hands back the page it just served (a loop; logged).
 * A followed next URL (Link header, JSON next URL) is requested exactly as
 * given: the endpoint's params are not appended again.  It must be on the
 * origin of the client's base URL or a trusted origin (ABI 1.6): one on
 * any other origin ends the walk with `refused` set, and the caller fails
 * the run after emitting the page's rows, without saving a position past
 * it (rest_run.c).
 */
#ifndef DWHI_REST_PAGE_H
#define DWHI_REST_PAGE_H

#include <json-c/json.h>

#include "dwsdk.h"
#include "rest_listing.h"

/* Fetches the page at l->pos: its rows, as cells, replace what l->store
 * held (parsed as the body arrives: json_rows.h, unless a path needs the
 * whole body), and *pg gets the rest (rest_page_free it).  l->pos becomes
 * the next page and l->done / l->capped say whether the walk ended.  A
 * response an IGNORE response action matches ends the walk with no rows.
 * On error (FAIL response actions included) the store is empty and the
 * error is recorded on ctx. */
dw_status rest_fetch_page(rest_listing *l, rest_page *pg);

#endif
