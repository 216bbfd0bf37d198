/*
 * test_monitor_i18n.c — the bulletin's catalogue (src/engines/monitor_i18n.c): every
 * English text has an Arabic and a Russian one, valid UTF-8, with the same printf
 * conversions in the same order (the renderer formats with the translation), each
 * English text once; mon_tr falls back to the text itself; the language codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engines/monitor.h"

/* The conversions of a printf format, e.g. "%s%s%02d%s%s" for the window sentence. */
static void conversions(const char *fmt, char *out, size_t cap) {
    size_t n = 0;
    for (const char *p = fmt; *p && n + 8 < cap; p++) {
        if (*p != '%') continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        out[n++] = '%';
        while (*++p && !strchr("sdizulfgc", *p))
            out[n++] = *p;
        if (*p) out[n++] = *p;
        if (!*p) break;
    }
    out[n] = '\0';
}

static int utf8_ok(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ? 2 : (*p >> 3) == 30 ? 3 : -1;
        if (n < 0) return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p >> 6) != 2) return 0;
    }
    return 1;
}

static void test_catalogue(void **state) {
    (void)state;
    size_t n;
    const mon_msg *m = mon_catalogue(&n);
    assert_true(n > 100);
    for (size_t i = 0; i < n; i++) {
        char ce[64], ca[64], cr[64];
        assert_non_null(m[i].ar);
        assert_non_null(m[i].ru);
        assert_true(m[i].ar[0] && m[i].ru[0]);
        assert_true(utf8_ok(m[i].en) && utf8_ok(m[i].ar) && utf8_ok(m[i].ru));
        conversions(m[i].en, ce, sizeof ce);
        conversions(m[i].ar, ca, sizeof ca);
        conversions(m[i].ru, cr, sizeof cr);
        if (strcmp(ce, ca) || strcmp(ce, cr))
            fail_msg("'%s': conversions %s / %s / %s differ", m[i].en, ce, ca, cr);
        for (size_t k = 0; k < i; k++)
            if (strcmp(m[i].en, m[k].en) == 0) fail_msg("'%s' is in the catalogue twice", m[i].en);
    }
}

static void test_lookup(void **state) {
    (void)state;
    assert_string_equal(mon_tr(MON_LANG_AR, "Summary"), "الملخص");
    assert_string_equal(mon_tr(MON_LANG_RU, "Summary"), "Сводка");
    assert_string_equal(mon_tr(MON_LANG_EN, "Summary"), "Summary");
    assert_string_equal(mon_tr(MON_LANG_AR, "SAA"), "SAA"); /* a name: as it is */
    for (int e = 0; e < EV_COUNT; e++)                      /* every ACLED type is translated */
        assert_string_not_equal(mon_tr(MON_LANG_RU, tr_event_type_name((tr_event_type)e)),
                                tr_event_type_name((tr_event_type)e));
    for (int s = SUB_NONE + 1; s < SUB_COUNT; s++)
        assert_string_not_equal(mon_tr(MON_LANG_AR, tr_sub_event_type_name((tr_sub_event_type)s)),
                                tr_sub_event_type_name((tr_sub_event_type)s));
    mon_lang l;
    assert_int_equal(mon_lang_parse("ar", &l), 0);
    assert_int_equal(l, MON_LANG_AR);
    assert_true(mon_lang_rtl(l));
    assert_int_equal(mon_lang_parse("ru", &l), 0);
    assert_false(mon_lang_rtl(l));
    assert_string_equal(mon_lang_code(MON_LANG_RU), "ru");
    assert_int_equal(mon_lang_parse("fr", &l), -1);
    assert_int_equal(mon_lang_parse(NULL, &l), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests_name("monitor_i18n", tests, NULL, NULL);
}
