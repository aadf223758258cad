/*
 * test_text_list.c - the text encoder (src/codec/text_list.c): one value
 * per line, as given, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/text_list.h"

static void test_lines(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 16);
    text_list_line(&b, "evil.example");
    text_list_line(&b, "10.0.0.1|80");
    text_list_line(&b, "");
    text_list_line(&b, NULL);
    text_list_line(&b, "\"quoted\", kept");
    assert_int_equal(b.len, 42);
    assert_memory_equal(b.ptr, "evil.example\n10.0.0.1|80\n\n\n\"quoted\", kept\n", 42);
    buf_free(&b);
}

static void test_limit(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    text_list_line(&b, "12345678");
    assert_true(b.err != 0); /* the buffer's maximum holds: the caller sees the error */
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
