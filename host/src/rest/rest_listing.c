/* rest_listing.c -- a listing's position and a page's values (see
 * rest_listing.h). */
#include "rest_listing.h"

#include <stdlib.h>
#include <string.h>

#include "base/json_path.h"

void rest_pos_free(rest_pos *p) {
    if (!p) return;
    free(p->url);
    free(p->cursor);
    free(p->auto_path);
    memset(p, 0, sizeof *p);
}

int rest_pos_copy(rest_pos *dst, const rest_pos *src) {
    *dst = *src;
    dst->url = src->url ? strdup(src->url) : NULL;
    dst->cursor = src->cursor ? strdup(src->cursor) : NULL;
    dst->auto_path = src->auto_path ? strdup(src->auto_path) : NULL;
    if ((src->url && !dst->url) || (src->cursor && !dst->cursor) || (src->auto_path && !dst->auto_path)) {
        rest_pos_free(dst);
        return -1;
    }
    return 0;
}

json_object *rest_pos_to_json(const rest_pos *p) {
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    if (p->url) json_object_object_add(o, "url", json_object_new_string(p->url));
    if (p->cursor) json_object_object_add(o, "cursor", json_object_new_string(p->cursor));
    if (p->offset) json_object_object_add(o, "offset", json_object_new_int64(p->offset));
    if (p->page) json_object_object_add(o, "page", json_object_new_int64(p->page));
    if (p->pages) json_object_object_add(o, "pages", json_object_new_int64(p->pages));
    if (p->auto_known) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "kind", json_object_new_string(rest_auto_kind_name(p->auto_kind)));
        if (p->auto_path) json_object_object_add(a, "path", json_object_new_string(p->auto_path));
        json_object_object_add(o, "auto", a);
    }
    return o;
}

int rest_pos_from_json(rest_pos *p, json_object *o) {
    memset(p, 0, sizeof *p);
    if (!o || !json_object_is_type(o, json_type_object)) return -1;
    json_object *v;
    if (json_object_object_get_ex(o, "url", &v) && json_object_is_type(v, json_type_string))
        p->url = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "cursor", &v) && json_object_is_type(v, json_type_string))
        p->cursor = strdup(json_object_get_string(v));
    if (json_object_object_get_ex(o, "offset", &v)) p->offset = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "page", &v)) p->page = json_object_get_int64(v);
    if (json_object_object_get_ex(o, "pages", &v)) p->pages = json_object_get_int64(v);
    int bad_auto = 0;
    json_object *a;
    if (json_object_object_get_ex(o, "auto", &a)) {
        /* The decision of an AUTO listing: without it a resumed listing
         * could page differently than it started. */
        bad_auto = !json_object_object_get_ex(a, "kind", &v) ||
                   rest_auto_kind_parse(json_object_get_string(v), &p->auto_kind) != 0;
        if (!bad_auto && json_object_object_get_ex(a, "path", &v) && json_object_is_type(v, json_type_string))
            p->auto_path = strdup(json_object_get_string(v));
        bad_auto = bad_auto || ((p->auto_kind == DW_PAGINATE_JSON_NEXT_URL || p->auto_kind == DW_PAGINATE_CURSOR) &&
                                !p->auto_path);
        p->auto_known = !bad_auto;
    }
    if (p->offset < 0 || p->page < 0 || p->pages < 0 || bad_auto) {
        rest_pos_free(p);
        return -1;
    }
    return 0;
}

json_object *rest_page_value(const rest_page *pg, const char *path) {
    if (!path) return NULL;
    if (pg->root) return dwhi_json_path(pg->root, path);
    json_object *v = NULL;
    return pg->vals && json_object_object_get_ex(pg->vals, path, &v) ? v : NULL;
}

void rest_page_free(rest_page *pg) {
    json_object_put(pg->root);
    json_object_put(pg->vals);
    pg->root = pg->vals = NULL;
}

const char *rest_auto_kind_name(uint32_t kind) {
    switch (kind) {
    case DW_PAGINATE_SINGLE: return "single";
    case DW_PAGINATE_LINK_HEADER: return "link_header";
    case DW_PAGINATE_JSON_NEXT_URL: return "json_next_url";
    case DW_PAGINATE_CURSOR: return "cursor";
    default: return NULL;
    }
}

int rest_auto_kind_parse(const char *name, uint32_t *kind) {
    static const uint32_t kinds[] = {DW_PAGINATE_SINGLE, DW_PAGINATE_LINK_HEADER, DW_PAGINATE_JSON_NEXT_URL,
                                     DW_PAGINATE_CURSOR};
    for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(name, rest_auto_kind_name(kinds[i]))) {
            *kind = kinds[i];
            return 0;
        }
    return -1;
}
