/* formats.c -- the file formats the files source reads (by extension). */
#include <string.h>
#include <strings.h>

#include "files.h"

static const files_format_info formats[] = {
    {".csv", FILES_CSV, "CSV (header row, RFC 4180 quoting)"},
    {".jsonl", FILES_JSONL, "JSON Lines"},
    {".ndjson", FILES_JSONL, "JSON Lines"},
    {".json", FILES_JSON, "JSON array of objects"},
};

const char files_known_patterns[] = "*.csv, *.jsonl, *.ndjson, *.json";

const files_format_info *files_format_of(const char *filename) {
    const char *dot = strrchr(filename, '.');
    if (!dot) return NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (!strcasecmp(dot, formats[i].ext)) return &formats[i];
    return NULL;
}
