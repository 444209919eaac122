/* lease.c -- lease owners: identity, liveness, JSON (see lease.h). */
#include "lease.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/isotime.h"

/* Field 22 of /proc/<pid>/stat (clock ticks after boot): tells a process
 * apart from a later one that reuses its pid.  0 when unreadable. */
static long long pid_start(long long pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return 0;
    p++;
    for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
    return p ? strtoll(p + 1, NULL, 10) : 0;
}

int64_t dwhi_lease_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int dwhi_lease_owner_self(dwhi_lease_owner *me, const char *job_id) {
    memset(me, 0, sizeof *me);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "unknown");
    char now[40];
    dwhi_isotime_now(now, sizeof now);
    me->pid = (long long)getpid();
    me->pid_start = pid_start(me->pid);
    me->heartbeat_ms = dwhi_lease_now_ms();
    me->job_id = strdup(job_id ? job_id : "");
    me->host = strdup(host);
    me->started_at = strdup(now);
    if (!me->job_id || !me->host || !me->started_at) {
        dwhi_lease_owner_clear(me);
        return -1;
    }
    return 0;
}

void dwhi_lease_owner_clear(dwhi_lease_owner *o) {
    free(o->job_id);
    free(o->host);
    free(o->started_at);
    memset(o, 0, sizeof *o);
}

int dwhi_lease_owner_dead(const dwhi_lease_owner *o) {
    if (!o->job_id || !o->host || o->pid <= 0) return 0;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || strcmp(host, o->host) != 0) return 0;
    if (kill((pid_t)o->pid, 0) != 0 && errno == ESRCH) return 1;
    long long start = pid_start(o->pid);
    return o->pid_start && start && start != o->pid_start; /* the pid was reused */
}

char *dwhi_lease_owner_json(const dwhi_lease_owner *o) {
    json_object *j = json_object_new_object();
    if (!j) return NULL;
    json_object_object_add(j, "job_id", o->job_id ? json_object_new_string(o->job_id) : NULL);
    json_object_object_add(j, "host", o->host ? json_object_new_string(o->host) : NULL);
    json_object_object_add(j, "pid", json_object_new_int64(o->pid));
    json_object_object_add(j, "pid_start", json_object_new_int64(o->pid_start));
    json_object_object_add(j, "started_at", o->started_at ? json_object_new_string(o->started_at) : NULL);
    const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    char *out = s ? strdup(s) : NULL;
    json_object_put(j);
    return out;
}

static char *str_member(json_object *o, const char *k) {
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
               ? strdup(json_object_get_string(v))
               : NULL;
}

int dwhi_lease_owner_parse(const char *text, dwhi_lease_owner *o) {
    dwhi_lease_owner_clear(o);
    json_object *j = text ? json_tokener_parse(text) : NULL, *v;
    if (!j || !json_object_is_type(j, json_type_object)) {
        json_object_put(j);
        return -1;
    }
    o->job_id = str_member(j, "job_id");
    o->host = str_member(j, "host");
    o->started_at = str_member(j, "started_at");
    if (json_object_object_get_ex(j, "pid", &v)) o->pid = json_object_get_int64(v);
    if (json_object_object_get_ex(j, "pid_start", &v)) o->pid_start = json_object_get_int64(v);
    json_object_put(j);
    if (!o->job_id) {
        dwhi_lease_owner_clear(o);
        return -1;
    }
    return 0;
}
