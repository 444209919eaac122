/* plugin_file.c -- a plugin file's source name (see plugin_file.h). */
#include "plugin_file.h"

#include <stdlib.h>
#include <string.h>

char *dwhi_plugin_name_from_path(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    static const char pre[] = "libsource_", suf[] = ".so";
    if (len <= strlen(pre) + strlen(suf)) return NULL;
    if (strncmp(base, pre, strlen(pre)) != 0 || strcmp(base + len - strlen(suf), suf) != 0) return NULL;
    return strndup(base + strlen(pre), len - strlen(pre) - strlen(suf));
}
