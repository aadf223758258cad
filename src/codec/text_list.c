/*
 * text_list.c - values one per line.  See text_list.h.
 */
#include "codec/text_list.h"

#include "util/banned.h"

void text_list_line(struct buf *b, const char *value)
{
    if (value != NULL)
        buf_puts(b, value);
    buf_putc(b, '\n');
}
