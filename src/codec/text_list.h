/*
 * text_list.h - values one per line, the way MISP's restSearch writes
 * returnFormat "text".  A pure encoder: no I/O, no globals.
 */
#ifndef LIAISON_TEXT_LIST_H
#define LIAISON_TEXT_LIST_H

#include "util/buf.h"

/* Appends value (NULL: nothing) and "\n". */
void text_list_line(struct buf *b, const char *value);

#endif
