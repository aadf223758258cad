/*
 * fuzz_search_params.c - libFuzzer target for the restSearch parameter decoder
 * (misp_search_params_decode in src/codec/misp_search_params.c).
 *
 * Input: any bytes, parsed as JSON and decoded as restSearch parameters.
 * Besides "no crash, no leak, no sanitizer report", it checks and aborts when
 * one fails:
 * - on success, the filters hold at most LIMIT_FILTER_VALUES values and
 *   LIMIT_FILTER_BYTES bytes in all, none longer than LIMIT_FILTER_VALUE_LEN;
 * - CSV columns are unique and at most LIMIT_CSV_COLUMNS plus the context ones;
 * - on failure, the diag names a field and says why;
 * - the decoder's memory is linear in the input (the quadratic list growth of
 *   issue 10 would trip this).
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_search_params/.
 */
#include "codec/json.h"
#include "codec/misp_search_params.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_search_params: %s\n", what);
        abort();
    }
}

static void count(const char **v, size_t n, size_t *values, size_t *bytes)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        check(len <= LIMIT_FILTER_VALUE_LEN, "a filter value is too long");
        *values += 1;
        *bytes += len;
    }
}

static void check_filter(const struct filter *f, size_t *values, size_t *bytes)
{
    count(f->any, f->n_any, values, bytes);
    count(f->all, f->n_all, values, bytes);
    count(f->none, f->n_none, values, bytes);
}

static void check_params(const struct search_params *p)
{
    const struct query *q = &p->q;
    size_t values = 0, bytes = 0;
    const struct filter *all[] = {&q->value,    &q->type, &q->category, &q->tags,
                                  &q->event_id, &q->uuid, &q->org,      &q->info};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        check_filter(all[i], &values, &bytes);
    check(values <= LIMIT_FILTER_VALUES, "more filter values than the limit");
    check(bytes <= LIMIT_FILTER_BYTES, "more filter bytes than the limit");
    check(p->format == SEARCH_FORMAT_CSV || p->n_columns == 0, "columns outside CSV");
    check(p->n_columns <= LIMIT_CSV_COLUMNS + 9, "too many CSV columns");
    for (size_t i = 0; i < p->n_columns; i++) {
        check(strlen(p->columns[i]) <= LIMIT_CSV_COLUMN_NAME, "CSV column name too long");
        for (size_t j = 0; j < i; j++)
            check(strcmp(p->columns[i], p->columns[j]) != 0, "duplicate CSV column");
    }
    check(q->limit >= 0 && q->limit <= LIMIT_SEARCH_PAGE, "limit out of range");
    check(q->deleted >= 0 && q->deleted <= 2, "deleted out of range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    if (json_parse(a, (const char *)data, size, LIMIT_JSON_DEPTH, &root, &d) == 0) {
        size_t before = arena_size(a);
        struct search_params p;
        diag_clear(&d);
        int rc = misp_search_params_decode(a, root, 1700000000, &p, &d);
        if (rc == 0)
            check_params(&p);
        else
            check((rc == ERR_INVAL || rc == ERR_TOOBIG) && d.field[0] && d.msg[0],
                  "an error without a field or message");
        /* a few blocks of slack, then bytes proportional to the input */
        check(arena_size(a) - before <= 4u * 1024 * 1024 + 16 * size,
              "decoder memory not linear in the input");
    }
    arena_free(a);
    return 0;
}
