/* fuzz_time.c — fuzzes the RFC 3339 parser: no crash, and every accepted time formats
 * back to a string that parses to the same instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char buf[64];
    if (size >= sizeof buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    int64_t t, u;
    if (tr_time_parse(buf, &t) == 0) {
        char out[TR_TIME_BUFSZ];
        if (tr_time_parse(tr_time_format(t, out), &u) != 0 || u != t) abort();
    }
    return 0;
}
