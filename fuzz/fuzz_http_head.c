/* fuzz_http_head.c — fuzzes the edge's own reading of a request head (http_head.c): no
 * crash on any bytes; a head accepted is within the limits and ends with a blank line; a
 * refusal is one of the statuses the door answers, and its problem response is well
 * formed. The target check runs on the same bytes too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edges/http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    size_t head_len = 0;
    tr_err err = {0};
    http_head_verdict v = http_head_check(buf, size, &head_len, &err);
    if (v == HEAD_OK &&
        (head_len > size || head_len > HTTP_MAX_HEAD || head_len < 2 || buf[head_len - 1] != '\n'))
        abort();
    if (v == HEAD_BAD) {
        int st = tr_code_http_status(err.code);
        if (st != 400 && st != 413 && st != 414 && st != 431 && st != 505) abort();
        size_t len = 0;
        char *resp = http_problem_response(&err, NULL, &len);
        if (!resp || len < 12 || memcmp(resp, "HTTP/1.1 ", 9) != 0) abort();
        free(resp);
    }
    tr_err e2 = {0};
    if (http_target_check(buf, size, &e2) != TR_OK && e2.code != TR_EINVAL) abort();
    return 0;
}
