/* fuzz_bodies.c — fuzzes the parsers of API request bodies: any bytes are read as JSON
 * and handed to the area, agreement and visibility parsers. They must never crash,
 * leak or accept an invalid value (every accepted area has a shape). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "domain/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!j) return 0;
    geo_limits lim = {1000, 100000.0};
    tr_err err;
    tr_area a;
    if (tr_area_parse(j, 0, &lim, &a, &err) == TR_OK) {
        if (!a.shape || !a.geometry) abort();
        json_decref(tr_area_to_feature(&a));
        tr_area_clear(&a);
    }
    tr_agreement g;
    if (tr_agreement_parse(j, &g, &err) == TR_OK) {
        if (g.end <= g.start) abort();
        json_decref(tr_agreement_to_json(&g));
        tr_agreement_clear(&g);
    }
    tr_vis v;
    if (tr_vis_parse(j, "visibility", &v, &err) == TR_OK) tr_vis_clear(&v);
    json_decref(j);
    return 0;
}
