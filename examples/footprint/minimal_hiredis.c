/* examples/minimal.cpp written against hiredis, for the footprint comparison
 * in scripts/measure_footprint.sh: SET and GET one at a time, then the same
 * pipelined batch. Reads ConnectionStrings__cache in its simplest form,
 * "host:port[,password=P]", like the respcache version (which parses the full
 * syntax). Not built by examples/CMakeLists.txt.
 *
 *   cc -O2 minimal_hiredis.c -lhiredis -o minimal_hiredis
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, const char* message) {
    fprintf(stderr, "minimal_hiredis: %s failed: %s\n", what, message);
    return EXIT_FAILURE;
}

int main(void) {
    char host[256] = "localhost";
    int port = 6379;
    const char* password = NULL;
    const char* from_environment = getenv("ConnectionStrings__cache");
    if (from_environment) {
        const char* colon = strchr(from_environment, ':');
        const char* comma = strchr(from_environment, ',');
        size_t host_length =
            colon ? (size_t)(colon - from_environment) : strcspn(from_environment, ",");
        if (host_length >= sizeof host)
            return fail("reading ConnectionStrings__cache", "host too long");
        memcpy(host, from_environment, host_length);
        host[host_length] = '\0';
        if (colon && (!comma || colon < comma)) port = atoi(colon + 1);
        if (comma && strncmp(comma + 1, "password=", 9) == 0) password = comma + 10;
    }
    printf("connecting to %s:%d%s\n", host, port, password ? ",password=*****" : "");

    struct timeval timeout = {5, 0};
    redisContext* c = redisConnectWithTimeout(host, port, timeout);
    if (!c || c->err) return fail("connecting", c ? c->errstr : "out of memory");
    redisSetTimeout(c, timeout);
    redisReply* r;
    if (password) {
        r = redisCommand(c, "AUTH %s", password);
        if (!r || r->type == REDIS_REPLY_ERROR) return fail("AUTH", r ? r->str : c->errstr);
        freeReplyObject(r);
    }

    const char* key = "examples:minimal:greeting";
    r = redisCommand(c, "SET %s %s", key, "hello from respcache");
    if (!r || r->type == REDIS_REPLY_ERROR) return fail("SET", r ? r->str : c->errstr);
    freeReplyObject(r);
    r = redisCommand(c, "GET %s", key);
    if (!r || r->type == REDIS_REPLY_ERROR) return fail("GET", r ? r->str : c->errstr);
    printf("SET then GET %s -> \"%s\"\n", key, r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);

    const char* counter = "examples:minimal:counter";
    int sent = 0;
    redisAppendCommand(c, "DEL %s", counter), ++sent;
    for (int i = 0; i < 10; ++i) redisAppendCommand(c, "INCRBY %s %d", counter, i + 1), ++sent;
    redisAppendCommand(c, "GET %s", counter), ++sent;
    redisAppendCommand(c, "DEL %s %s", key, counter), ++sent;
    char total[32] = "";
    for (int i = 0; i < sent; ++i) {
        if (redisGetReply(c, (void**)&r) != REDIS_OK) return fail("the pipelined batch", c->errstr);
        if (r->type == REDIS_REPLY_ERROR) return fail("a pipelined command", r->str);
        if (i == sent - 2 && r->type == REDIS_REPLY_STRING)
            snprintf(total, sizeof total, "%s", r->str);
        freeReplyObject(r);
    }
    printf("pipelined %d commands in one write, %d replies; 1+2+...+10 = %s\n", sent, sent, total);
    redisFree(c);
    if (strcmp(total, "55") != 0) return fail("the pipelined batch", "expected 55");
    printf("ok\n");
    return EXIT_SUCCESS;
}
