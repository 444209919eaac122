/*
 * plugin_file.h -- what a plugin's file name says: libsource_<name>.so
 * holds source <name>.  Shared by the registry (which loads the file) and
 * the CLI (which names a rejected file's source in its lines).
 */
#ifndef DWHI_PLUGIN_FILE_H
#define DWHI_PLUGIN_FILE_H

/* Extracts <name> from a path ending in libsource_<name>.so into a
 * malloc'd string (caller frees); NULL when the base name does not have
 * that form. */
char *dwhi_plugin_name_from_path(const char *path);

#endif
