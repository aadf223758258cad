/*
 * test_config.c - the configuration table and its text parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/config.h"

#include <stdlib.h>
#include <string.h>

static int parse(struct config *c, const char *text, struct diag *d)
{
    diag_clear(d);
    return config_parse_text(c, text, strlen(text), "t.conf", d);
}

static void test_defaults_then_file_values_with_quotes_comments_and_crlf(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.max_body, 52428800);
    struct diag d;
    assert_int_equal(parse(&c, "# note\r\n  listen = \"0.0.0.0:9000\"\r\n\nthreads=3\r\n"
                               "unpublished_private = yes\n",
                           &d),
                     0);
    assert_string_equal(c.listen, "0.0.0.0:9000");
    assert_int_equal(c.threads, 3);
    assert_true(c.unpublished_private);
    config_free(&c);
}

static void test_errors_name_line_column_and_setting(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    struct diag d;
    assert_int_equal(parse(&c, "threads = 2\nthreads = lots\n", &d), ERR_INVAL);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 11);
    assert_string_equal(d.field, "threads");
    assert_non_null(strstr(d.msg, "t.conf:2:11"));
    assert_int_equal(parse(&c, "\n\n  nosuch = 1\n", &d), ERR_INVAL);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 3);
    assert_non_null(strstr(d.msg, "unknown setting"));
    assert_int_equal(parse(&c, "listen\n", &d), ERR_INVAL);
    assert_non_null(strstr(d.msg, "expected 'name = value'"));
    assert_int_equal(parse(&c, "listen = nocolon\n", &d), ERR_INVAL);
    assert_int_equal(parse(&c, "max_body = 10\n", &d), ERR_INVAL); /* below 1024 */
    assert_int_equal(parse(&c, "log_level = loud\n", &d), ERR_INVAL);
    assert_int_equal(c.threads, 2); /* the valid earlier line was applied */
    config_free(&c);
}

static void test_long_lines_are_not_split(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    char *text = malloc(10000);
    memset(text, 'a', 9999);
    memcpy(text, "org_name = ", 11);
    text[9999] = '\0';
    struct diag d;
    assert_int_equal(parse(&c, text, &d), ERR_INVAL); /* value too long, not two lines */
    assert_int_equal(d.line, 1);
    free(text);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_then_file_values_with_quotes_comments_and_crlf),
        cmocka_unit_test(test_errors_name_line_column_and_setting),
        cmocka_unit_test(test_long_lines_are_not_split),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
