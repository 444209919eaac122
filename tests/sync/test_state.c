/* Job state: the record's JSON form, Redis keys, reconciliation of the
 * warehouse and Redis copies, and the Redis backend against a real
 * redis-server (healthy, read-only replica, stopped, dead). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "redis_child.h"
#include "log/secrets.h"
#include "state/state.h"
#include "state/state_redis.h"

static void record_roundtrip(void **s) {
    (void)s;
    dwhi_state_record r = {0}, back = {0};
    r.seq = 42;
    dwhi_state_set(&r.resume, "{\"next_url\":\"https://x/y?page=2\",\"n\":[1,2]}");
    dwhi_state_set(&r.write_mode, "full");
    dwhi_state_set(&r.last_value, "\"2024-05-01T00:00:00Z\"");
    dwhi_state_set(&r.earliest_value, "17");
    dwhi_state_set(&r.warehouse_id, "abc");
    r.rows_past_resume = 5;
    r.run_rows = 12000;
    json_object *o = dwhi_state_record_to_json(&r);
    const char *text = json_object_to_json_string(o);
    /* the plugin's state is embedded as JSON, not as an escaped string */
    assert_non_null(strstr(text, "\"resume\": { \"next_url\""));
    char *err = NULL;
    assert_int_equal(dwhi_state_record_from_json(text, &back, &err), 0);
    assert_int_equal(back.seq, 42);
    assert_string_equal(back.resume, "{\"next_url\":\"https://x/y?page=2\",\"n\":[1,2]}");
    assert_string_equal(back.write_mode, "full");
    assert_string_equal(back.last_value, "\"2024-05-01T00:00:00Z\"");
    assert_string_equal(back.earliest_value, "17");
    assert_null(back.pending_last_value);
    assert_int_equal(back.rows_past_resume, 5);
    assert_int_equal(back.run_rows, 12000);
    json_object_put(o);
    assert_int_equal(dwhi_state_record_from_json("[1]", &back, &err), -1);
    assert_non_null(strstr(err, "not a JSON object"));
    free(err);
    assert_int_equal(dwhi_state_record_from_json("{\"format\":99}", &back, &err), -1);
    assert_non_null(strstr(err, "upgrade dwhost"));
    free(err);
    dwhi_state_record_clear(&r);
    dwhi_state_record_clear(&back);
}

static void redis_keys(void **s) {
    (void)s;
    dwhi_state_key k = {"7", "files", "customers", NULL};
    char *key = dwhi_state_redis_key(&k);
    assert_string_equal(key, "dwhost:resumable:7:files/customers");
    free(key);
    dwhi_state_key k2 = {"a:b", "s/1", "x%y", "ns"};
    key = dwhi_state_redis_key(&k2);
    assert_string_equal(key, "dwhost:resumable:a%3Ab:s%2F1/x%25y:ns");
    free(key);
}

static void reconcile_prefers_the_warehouse(void **s) {
    (void)s;
    dwhi_state_record wh = {0}, mirror = {0};
    char *note = NULL;
    int repair = 0;
    /* equal: nothing to say */
    wh.seq = mirror.seq = 5;
    assert_ptr_equal(dwhi_state_reconcile(&wh, &mirror, 1, "id1", &note, &repair), &wh);
    assert_null(note);
    assert_false(repair);
    /* Redis ahead: its batch never committed; resuming from it would skip rows */
    mirror.seq = 6;
    assert_ptr_equal(dwhi_state_reconcile(&wh, &mirror, 1, "id1", &note, &repair), &wh);
    assert_non_null(strstr(note, "ahead"));
    assert_true(repair);
    free(note);
    /* Redis behind: a crash between commit and mirror write */
    mirror.seq = 4;
    assert_ptr_equal(dwhi_state_reconcile(&wh, &mirror, 1, "id1", &note, &repair), &wh);
    assert_non_null(strstr(note, "behind"));
    free(note);
    /* another warehouse's state */
    mirror.seq = 9;
    dwhi_state_set(&mirror.warehouse_id, "other");
    assert_ptr_equal(dwhi_state_reconcile(&wh, &mirror, 1, "id1", &note, &repair), &wh);
    assert_non_null(strstr(note, "another warehouse"));
    free(note);
    /* no warehouse (--output jsonl): Redis is the state */
    assert_ptr_equal(dwhi_state_reconcile(&wh, &mirror, 0, NULL, &note, &repair), &mirror);
    assert_null(note);
    dwhi_state_record_clear(&mirror);
}

static redis_child server;

static int start_server(void **s) {
    (void)s;
    return redis_child_start(&server, NULL);
}

static int stop_server(void **s) {
    (void)s;
    redis_child_stop(&server);
    return 0;
}

static char *url_of(int port) {
    static char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/2", port);
    return url;
}

static void redis_roundtrip_with_ttl(void **s) {
    (void)s;
    char *err = NULL, *v = NULL;
    dwhi_redis *r = dwhi_redis_open(url_of(server.port), 120, 0, NULL, &err);
    if (!r) fail_msg("%s", err);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%d/2", server.port);
    assert_string_equal(dwhi_redis_where(r), where);
    assert_int_equal(dwhi_redis_get(r, "dwhost:resumable:t:s/x", &v, &err), 0);
    assert_null(v);
    assert_int_equal(dwhi_redis_put(r, "dwhost:resumable:t:s/x", "{\"seq\":1}", &err), 0);
    assert_int_equal(dwhi_redis_get(r, "dwhost:resumable:t:s/x", &v, &err), 0);
    assert_string_equal(v, "{\"seq\":1}");
    free(v);
    /* the key lives in db 2 with the TTL asked for */
    redisContext *c = redisConnect("127.0.0.1", server.port);
    redisReply *rep = redisCommand(c, "SELECT 2");
    freeReplyObject(rep);
    rep = redisCommand(c, "TTL dwhost:resumable:t:s/x");
    assert_true(rep->integer > 100 && rep->integer <= 120);
    freeReplyObject(rep);
    redisFree(c);
    assert_int_equal(dwhi_redis_del(r, "dwhost:resumable:t:s/x", &err), 0);
    assert_int_equal(dwhi_redis_get(r, "dwhost:resumable:t:s/x", &v, &err), 0);
    assert_null(v);
    dwhi_redis_close(r);
}

static void redis_stopped_server_times_out(void **s) {
    (void)s;
    char *err = NULL, *v = NULL;
    dwhi_redis *r = dwhi_redis_open(url_of(server.port), 0, 300, NULL, &err);
    assert_non_null(r);
    kill(server.pid, SIGSTOP);
    assert_int_equal(dwhi_redis_put(r, "k", "v", &err), -1);
    kill(server.pid, SIGCONT);
    assert_non_null(strstr(err, "did not answer within 300 ms"));
    assert_non_null(strstr(err, "nothing was committed"));
    free(err);
    /* the next command reconnects */
    assert_int_equal(dwhi_redis_get(r, "k", &v, &err), 0);
    free(v);
    dwhi_redis_close(r);
}

static void redis_read_only_replica(void **s) {
    (void)s;
    /* a replica of a primary that does not exist is read-only */
    char port[16];
    snprintf(port, sizeof port, "%d", free_loopback_port());
    const char *extra[] = {"--replicaof", "127.0.0.1", port, NULL};
    redis_child replica;
    assert_int_equal(redis_child_start(&replica, extra), 0);
    char *err = NULL;
    dwhi_redis *r = dwhi_redis_open(url_of(replica.port), 0, 0, NULL, &err);
    assert_non_null(r);
    assert_int_equal(dwhi_redis_put(r, "k", "v", &err), -1);
    assert_non_null(strstr(err, "is read-only"));
    assert_non_null(strstr(err, "point --state at the primary"));
    free(err);
    dwhi_redis_close(r);
    redis_child_stop(&replica);
}

static void redis_dead_server(void **s) {
    (void)s;
    redis_child rc;
    assert_int_equal(redis_child_start(&rc, NULL), 0);
    char *err = NULL;
    dwhi_redis *r = dwhi_redis_open(url_of(rc.port), 0, 0, NULL, &err);
    assert_non_null(r);
    redis_child_stop(&rc);
    assert_int_equal(dwhi_redis_put(r, "k", "v", &err), -1);
    assert_non_null(strstr(err, "unreachable"));
    free(err);
    dwhi_redis_close(r);
    assert_null(dwhi_redis_open(url_of(rc.port), 0, 0, NULL, &err));
    assert_non_null(strstr(err, "is unreachable"));
    assert_non_null(strstr(err, "connecting"));
    free(err);
}

static void redis_urls(void **s) {
    (void)s;
    char *err = NULL;
    dwhi_secrets *sec = dwhi_secrets_new();
    /* a bad URL never echoes what was given (it may hold a password) */
    assert_null(dwhi_redis_open("redis://:hunter22@", 0, 0, sec, &err));
    assert_null(strstr(err, "hunter22"));
    assert_non_null(strstr(err, "expected redis://"));
    free(err);
    assert_null(dwhi_redis_open("http://x", 0, 0, sec, &err));
    free(err);
    /* a password is registered as a secret and absent from messages */
    char url[96];
    snprintf(url, sizeof url, "redis://:s3cretpw@127.0.0.1:%d", server.port);
    dwhi_redis *r = dwhi_redis_open(url, 0, 0, sec, &err);
    assert_null(r); /* the server has no password: AUTH is refused */
    assert_null(strstr(err, "s3cretpw"));
    assert_int_equal(dwhi_secrets_count(sec), 1);
    free(err);
    dwhi_secrets_free(sec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_roundtrip),
        cmocka_unit_test(redis_keys),
        cmocka_unit_test(reconcile_prefers_the_warehouse),
        cmocka_unit_test(redis_roundtrip_with_ttl),
        cmocka_unit_test(redis_stopped_server_times_out),
        cmocka_unit_test(redis_read_only_replica),
        cmocka_unit_test(redis_dead_server),
        cmocka_unit_test(redis_urls),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
