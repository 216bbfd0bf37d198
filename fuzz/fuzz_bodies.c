/* fuzz_bodies.c — fuzzes the parsers of API request bodies: any bytes are read as JSON
 * and handed to the area, agreement, visibility, site, movement and operation parsers.
 * They must never crash, leak or accept an invalid value (every accepted area has a
 * shape; every accepted movement splits into legs in time order, each leg a part of its
 * route inside its window). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "domain/domain.h"
#include "domain/site.h"

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
    tr_site site;
    if (tr_site_parse(j, &lim, &site, &err) == TR_OK) {
        json_decref(tr_site_to_feature(&site));
        tr_site_clear(&site);
    }
    tr_movement m;
    if (tr_movement_parse(j, &lim, &m, &err) == TR_OK) {
        tr_movement_leg *legs;
        size_t n;
        if (tr_movement_legs(&m, &legs, &n, &err) != TR_OK || n == 0 || n > m.nsched + 1) abort();
        for (size_t i = 0; i < n; i++) {
            if (legs[i].t_start >= legs[i].t_end || legs[i].t_start < m.time_start || legs[i].t_end > m.time_end)
                abort();
            if (i > 0 && legs[i].t_start < legs[i - 1].t_end) abort();
            if (!json_object_get(legs[i].geometry, "coordinates")) abort();
        }
        tr_movement_legs_free(legs, n);
        json_decref(tr_movement_to_feature(&m));
        tr_movement_clear(&m);
    }
    tr_operation o;
    if (tr_operation_parse(j, 0, &o, &err) == TR_OK) {
        if (o.nvolumes == 0) abort();
        json_decref(tr_operation_to_json(&o));
        tr_operation_clear(&o);
    }
    json_decref(j);
    return 0;
}
