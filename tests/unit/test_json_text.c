/*
 * test_json_text.c — the shortest round-trip encoder of reals and the JSON dump that
 * uses it (src/base/json_text.c).
 *
 * Known values are what Python's repr() prints (its shortest mode is David Gay's); over
 * random bit patterns, every output reads back as the same double, has no shorter
 * decimal that does, and every dump parses back to an equal JSON value.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json_text.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_known_values(void **state) {
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {37.16, "37.16"},
        {38.27, "38.27"},
        {36.2, "36.2"},
        {40.15, "40.15"},
        {0.1, "0.1"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1.0 / 3, "0.3333333333333333"},
        {-2.0 / 3, "-0.6666666666666666"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1e-4, "0.0001"},
        {1e-5, "1e-05"},
        {0.00012345, "0.00012345"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {36.0, "36.0"},
        {-1.0, "-1.0"},
        {100.0, "100.0"},
        {1e21, "1e+21"},
        {1e22, "1e+22"},
        {9007199254740992.0, "9007199254740992.0"},
        {36.123456789012344, "36.123456789012344"},
        /* powers of two whose shortest 16-digit decimal lies above the nearest one */
        {0x1p60, "1.152921504606847e+18"},
        {0x1p-1017, "7.120236347223045e-307"},
        {0x1p-1007, "7.291122019556398e-304"},
    };
    char buf[TR_REAL_BUFSZ];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tr_real_format(cases[i].v, buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("%.17g printed as %s, expected %s", cases[i].v, buf, cases[i].want);
    }
    assert_string_equal(tr_real_format(INFINITY, buf), "null");
    assert_string_equal(tr_real_format(NAN, buf), "null");
}

/* The number of significant digits of a printed real. */
static int significant(const char *s) {
    int n = 0, lead = 1, trail = 0;
    for (const char *p = s; *p && *p != 'e'; p++) {
        if (*p < '0' || *p > '9') continue;
        if (lead && *p == '0') continue;
        lead = 0;
        n++;
        trail = *p == '0' ? trail + 1 : 0;
    }
    return n - trail;
}

static void check_one(double v) {
    char buf[TR_REAL_BUFSZ], shorter[40];
    tr_real_format(v, buf);
    if (strtod(buf, NULL) != v || signbit(strtod(buf, NULL)) != signbit(v))
        fail_msg("%.17g printed as %s, which reads back as %.17g", v, buf, strtod(buf, NULL));
    int k = significant(buf);
    if (k > 1) {
        snprintf(shorter, sizeof shorter, "%.*e", k - 2, v);
        if (strtod(shorter, NULL) == v) fail_msg("%.17g printed as %s, but %s is shorter", v, buf, shorter);
    }
}

static void test_random_doubles(void **state) {
    (void)state;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng();
        if (i % 8 == 0) bits &= 0x800FFFFFFFFFFFFFULL; /* subnormals too */
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v)) check_one(v);
        check_one((double)(rng() % 3600000) / 10000 - 180); /* coordinates with 4 decimals */
    }
    for (int e = -1074; e < 1024; e++)
        check_one(ldexp(1.0, e));
}

static void test_dump(void **state) {
    (void)state;
    json_t *j = json_pack("{s:[f,f,f], s:s, s:i, s:f, s:{s:f}}", "coordinates", 38.27, 34.56, -0.5, "name",
                          "1.25 \"36.200000000000003\" \\", "n", 12, "radius_m", 200.0, "x", "e", 1e-7);
    char *s = tr_json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    assert_non_null(s);
    assert_string_equal(
        s, "{\"coordinates\":[38.27,34.56,-0.5],\"n\":12,\"name\":\"1.25 \\\"36.200000000000003\\\" "
           "\\\\\",\"radius_m\":200.0,\"x\":{\"e\":1e-07}}");
    json_t *back = json_loads(s, 0, NULL);
    assert_true(json_equal(j, back));
    json_decref(back);
    free(s);
    /* a text without reals comes back as jansson made it */
    json_t *plain = json_pack("{s:i, s:s}", "a", -3, "b", "1.5");
    s = tr_json_dumps(plain, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"a\":-3,\"b\":\"1.5\"}");
    free(s);
    json_decref(plain);
    /* indentation and a bare real */
    s = tr_json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    assert_non_null(strstr(s, "  \"radius_m\": 200.0,\n"));
    free(s);
    json_t *r = json_real(36.2);
    s = tr_json_dumps(r, JSON_ENCODE_ANY);
    assert_string_equal(s, "36.2");
    free(s);
    json_decref(r);
    json_decref(j);
}

static void test_dump_random(void **state) {
    (void)state;
    for (int round = 0; round < 200; round++) {
        json_t *a = json_array();
        for (int i = 0; i < 50; i++) {
            uint64_t bits = rng();
            double v;
            memcpy(&v, &bits, sizeof v);
            if (isfinite(v)) json_array_append_new(a, json_real(v));
            json_array_append_new(a, json_integer((json_int_t)(rng() % 1000) - 500));
        }
        char *s = tr_json_dumps(a, JSON_COMPACT);
        json_t *back = s ? json_loads(s, 0, NULL) : NULL;
        if (!back || !json_equal(a, back))
            fail_msg("the dump does not parse back equal: %s", s ? s : "(null)");
        json_decref(back);
        json_decref(a);
        free(s);
    }
}

/* A random JSON value without reals (depth-limited): strings with quotes, backslashes,
 * slashes, UTF-8 and tabs, integers, true, false, null, arrays, objects. */
static json_t *random_value(int depth) {
    static const char *const words[] = {"a",   "key",    "\"q\"",     "back\\slash", "a/b",
                                        "حلب", "Алеппо", "tab\there", "line\nbreak", ""};
    int kind = (int)(rng() % (depth > 3 ? 5 : 7));
    switch (kind) {
    case 0:
        return json_string(words[rng() % 10]);
    case 1:
        return json_integer((json_int_t)(rng() % 2000000) - 1000000);
    case 2:
        return json_true();
    case 3:
        return json_false();
    case 4:
        return json_null();
    case 5: {
        json_t *a = json_array();
        for (int i = (int)(rng() % 4); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = (int)(rng() % 4); i > 0; i--)
            json_object_set_new(o, words[rng() % 10], random_value(depth + 1));
        return o;
    }
    }
}

/* Without reals, the dump is jansson's text byte for byte, whatever the layout flags. */
static void test_dump_layout_is_janssons(void **state) {
    (void)state;
    static const size_t flags[] = {0,
                                   JSON_COMPACT,
                                   JSON_INDENT(2),
                                   JSON_INDENT(2) | JSON_SORT_KEYS,
                                   JSON_COMPACT | JSON_SORT_KEYS,
                                   JSON_INDENT(1) | JSON_ESCAPE_SLASH,
                                   JSON_INDENT(4) | JSON_PRESERVE_ORDER};
    for (int round = 0; round < 500; round++) {
        json_t *v = random_value(0);
        for (size_t f = 0; f < sizeof flags / sizeof *flags; f++) {
            size_t fl = flags[f] | JSON_ENCODE_ANY;
            char *a = json_dumps(v, fl), *b = tr_json_dumps(v, fl);
            if (!a || !b || strcmp(a, b) != 0) fail_msg("flags %zx:\njansson %s\ntruce   %s", fl, a, b);
            free(a);
            free(b);
        }
        json_decref(v);
    }
    /* a bare value needs JSON_ENCODE_ANY, as with jansson */
    json_t *i = json_integer(3);
    assert_null(tr_json_dumps(i, 0));
    json_decref(i);
    /* control characters: \u00xx in lowercase, as Python's json module writes them */
    json_t *c = json_string("a\x01\x1f");
    char *s = tr_json_dumps(c, JSON_ENCODE_ANY);
    assert_string_equal(s, "\"a\\u0001\\u001f\"");
    free(s);
    json_decref(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_random_doubles),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_dump_random),
        cmocka_unit_test(test_dump_layout_is_janssons),
    };
    return cmocka_run_group_tests_name("json_text", tests, NULL, NULL);
}
