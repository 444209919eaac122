/*
 * json_path.h -- looks a value up in a json-c tree by a dotted path with
 * array indices: "auth.private_key", "tables[2].name", "[0].id", "a[1][0]".
 * Shared by the config accessors, the SDK's json_get and the REST toolkit.
 */
#ifndef DWHI_JSON_PATH_H
#define DWHI_JSON_PATH_H

#include <json-c/json.h>

/* Returns the value at `path` inside `root` (borrowed from root), or NULL
 * when the path is NULL, malformed, or leads nowhere.  "" is the root
 * itself.  A JSON null at the path is also NULL (json-c represents null
 * as NULL); use dwhi_json_path_exists() to tell them apart. */
json_object *dwhi_json_path(json_object *root, const char *path);

/* 1 when `path` names a member or element that exists (even if null),
 * 0 when absent or malformed. */
int dwhi_json_path_exists(json_object *root, const char *path);

#endif
