/* dc_states.c — operation states and movement statuses with their transition tables
 * (site.h, "States"). */
#include <string.h>

#include "domain/site.h"

static const char *const OP_NAMES[] = {
#define TR_OP_STATE_NAME(e, s) [e] = s,
    TR_OPERATION_STATE_MAP(TR_OP_STATE_NAME)
#undef TR_OP_STATE_NAME
};

static const char *const MOV_NAMES[] = {
#define TR_MOV_STATUS_NAME(e, s) [e] = s,
    TR_MOVEMENT_STATUS_MAP(TR_MOV_STATUS_NAME)
#undef TR_MOV_STATUS_NAME
};

/* allowed[from]: the bit set of the states `from` may go to. */
static const unsigned OP_ALLOWED[OP_STATE_COUNT] = {
    [OP_PLANNED] = 1u << OP_ACTIVE | 1u << OP_CANCELLED,
    [OP_ACTIVE] = 1u << OP_ENDED | 1u << OP_CANCELLED,
};

#define MOV_ANY_BUT(s)                                                                                       \
    ((1u << MOV_NOTIFIED | 1u << MOV_EN_ROUTE | 1u << MOV_ARRIVED | 1u << MOV_ABORTED |                      \
      1u << MOV_INCIDENT) &                                                                                  \
     ~(1u << (s)))
static const unsigned MOV_ALLOWED[MOV_STATUS_COUNT] = {
    [MOV_PLANNED] = MOV_ANY_BUT(MOV_PLANNED),
    [MOV_NOTIFIED] = MOV_ANY_BUT(MOV_NOTIFIED),
    [MOV_EN_ROUTE] = MOV_ANY_BUT(MOV_EN_ROUTE),
    [MOV_INCIDENT] = MOV_ANY_BUT(MOV_INCIDENT),
};

static int parse_name(const char *s, const char *const *names, int n) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

const char *tr_operation_state_name(tr_operation_state s) {
    return (unsigned)s < OP_STATE_COUNT ? OP_NAMES[s] : "unknown";
}

int tr_operation_state_parse(const char *s, tr_operation_state *out) {
    int i = parse_name(s, OP_NAMES, OP_STATE_COUNT);
    if (i < 0) return -1;
    *out = (tr_operation_state)i;
    return 0;
}

bool tr_operation_state_may(tr_operation_state from, tr_operation_state to) {
    return (unsigned)from < OP_STATE_COUNT && (unsigned)to < OP_STATE_COUNT &&
           (OP_ALLOWED[from] & (1u << to));
}

bool tr_operation_state_final(tr_operation_state s) {
    return (unsigned)s < OP_STATE_COUNT && OP_ALLOWED[s] == 0;
}

const char *tr_movement_status_name(tr_movement_status s) {
    return (unsigned)s < MOV_STATUS_COUNT ? MOV_NAMES[s] : "unknown";
}

int tr_movement_status_parse(const char *s, tr_movement_status *out) {
    int i = parse_name(s, MOV_NAMES, MOV_STATUS_COUNT);
    if (i < 0) return -1;
    *out = (tr_movement_status)i;
    return 0;
}

bool tr_movement_status_may(tr_movement_status from, tr_movement_status to) {
    return (unsigned)from < MOV_STATUS_COUNT && (unsigned)to < MOV_STATUS_COUNT &&
           (MOV_ALLOWED[from] & (1u << to));
}

bool tr_movement_status_final(tr_movement_status s) {
    return (unsigned)s < MOV_STATUS_COUNT && MOV_ALLOWED[s] == 0;
}
