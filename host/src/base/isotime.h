/*
 * isotime.h -- ISO-8601 timestamps as the sync pipeline meets them in rows:
 * incremental watermarks compare them, datetime partitions bucket them.
 */
#ifndef DWHI_ISOTIME_H
#define DWHI_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses `len` bytes of an ISO-8601 date or date-time into UTC seconds since
 * the epoch and nanoseconds.  Accepted: YYYY-MM-DD, then optionally 'T' or
 * ' ' and HH:MM[:SS[.fraction]], then optionally Z, +HH, +HHMM or +HH:MM
 * (no offset means UTC).  Returns 0, or -1 when the text is not such a
 * value (out-of-range fields included). */
int dwhi_isotime_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec);

/* Formats UTC seconds with a strftime format (%G, %V and friends) into
 * buf.  Returns 0, or -1 when the time is out of range or buf too small. */
int dwhi_isotime_format(int64_t sec, const char *fmt, char *buf, size_t cap);

/* Writes the current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (buf >= 32). */
void dwhi_isotime_now(char *buf, size_t cap);

#endif
