/* version.c -- dwh_version() and dwh_version_num() (dwhost.h "version"):
 * the release of the libdwhost that is linked, not the header's. */
#include "dwhost.h"

const char *dwh_version(void) { return DWH_VERSION; }

unsigned dwh_version_num(void) { return DWH_VERSION_NUM; }
