/*
 * dwhost.h -- embed the dwhost plugin host (libdwhost).
 *
 * A service creates one dwh_host, points it at plugin directories, and
 * runs operations (describe, check, read, sync) on sources by name.
 * Plugins can be added, replaced and retired while operations run: each
 * operation holds a reference on the plugin it runs.
 *
 * Ownership: functions returning `char *` return malloc'd text the caller
 * frees with free(); handles are freed with their *_free function.
 * Every function is safe to call from one thread per dwh_host.
 */
#ifndef DWHOST_H
#define DWHOST_H

#include <stddef.h>
#include <stdint.h>

#include "dwsdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/* == host and registry ================================================== */

/* == config ============================================================= */

/* == sync =============================================================== */

/* == transport ========================================================== */

#ifdef __cplusplus
}
#endif
#endif
