/*
 * fuzz_sighting_params.c - libFuzzer target for the sightings request
 * decoders (src/codec/misp_sighting.c): sightings/add, listSightings,
 * restSearch, filterSightingUuidsForPush and bulkSaveSightings.
 *
 * Input: any bytes.  The first byte chooses the path segments the decoders
 * get (none, or an id, a context and an organisation); the rest is parsed as
 * JSON and given to every decoder.  Besides "no crash, no leak, no sanitizer
 * report", it checks and aborts when one fails:
 * - on failure, the diag says why (and names a field unless the body as a
 *   whole is wrong);
 * - on success, what was decoded keeps the documented bounds: at most
 *   LIMIT_FILTER_VALUES values per filter, types 0-2, ids above 0, canonical
 *   uuids, ids and uuids only with a context, at most
 *   LIMIT_SIGHTINGS_PER_REQUEST sightings or uuids.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer, and by `make test-fuzz-replay`
 * with fuzz/replay.c as a plain program over fuzz/corpus/fuzz_sighting_params/.
 */
#include "codec/json.h"
#include "codec/misp_sighting.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_sighting_params: %s\n", what);
        abort();
    }
}

static void check_failure(const struct diag *d)
{
    check(d->msg[0] != '\0', "a failure without a message");
}

static bool canonical(const char *u)
{
    if (strlen(u) != UUID_STR_LEN)
        return false;
    for (size_t i = 0; i < UUID_STR_LEN; i++) {
        char c = u[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static void check_org(const struct sighting_org_ref *o)
{
    check(o->id >= 0, "a negative organisation id");
    check(o->uuid[0] == '\0' || canonical(o->uuid), "an organisation uuid is not canonical");
}

static void check_search(const struct misp_sighting_search *p)
{
    const struct sighting_filter *f = &p->f;
    check(f->n_ids <= LIMIT_FILTER_VALUES && f->n_uuids <= LIMIT_FILTER_VALUES &&
              f->n_types <= LIMIT_FILTER_VALUES && f->n_sources <= LIMIT_FILTER_VALUES &&
              f->n_orgs <= LIMIT_FILTER_VALUES,
          "a filter holds too many values");
    check(f->context != SIGHTING_CONTEXT_NONE || (f->n_ids == 0 && f->n_uuids == 0),
          "ids or uuids without a context");
    check(f->context == SIGHTING_CONTEXT_NONE || f->n_ids + f->n_uuids > 0,
          "a context without an id or uuid");
    for (size_t i = 0; i < f->n_ids; i++)
        check(f->ids[i] > 0, "an id below 1");
    for (size_t i = 0; i < f->n_uuids; i++)
        check(canonical(f->uuids[i]), "a uuid is not canonical");
    for (size_t i = 0; i < f->n_types; i++)
        check(f->types[i] >= 0 && f->types[i] <= 2, "a type out of range");
    for (size_t i = 0; i < f->n_sources; i++)
        check(f->sources[i] != NULL, "a NULL source");
    for (size_t i = 0; i < f->n_orgs; i++)
        check_org(&f->orgs[i]);
}

static void run(struct arena *a, const struct json_value *root, unsigned mode)
{
    const char *id = mode & 1 ? "12" : NULL;
    const char *context = mode & 2 ? (mode & 4 ? "event" : "attribute") : NULL;
    const char *org = mode & 8 ? "b0000000-0000-4000-8000-000000000002" : NULL;
    struct diag d;

    struct sighting_add add;
    diag_clear(&d);
    if (misp_sighting_add_decode(a, root, id, &add, &d) < 0) {
        check_failure(&d);
    } else {
        check(add.type >= -1 && add.type <= 2, "add: type out of range");
        check(add.date_sighting >= 0, "add: a negative date");
        check(add.n_values <= LIMIT_FILTER_VALUES, "add: too many values");
        for (size_t i = 0; i < add.n_values; i++)
            check(add.values[i] != NULL, "add: a NULL value");
    }

    struct misp_sighting_list_params list;
    diag_clear(&d);
    if (misp_sighting_list_decode(a, root, id, context, org, &list, &d) < 0) {
        check_failure(&d);
        check(d.field[0] != '\0', "list: a failure without a field");
    } else {
        check(list.id != NULL && list.id[0] != '\0', "list: no id");
        check(!list.org.negate, "list: a negated organisation");
        if (list.by_org)
            check_org(&list.org);
    }

    struct misp_sighting_search search;
    diag_clear(&d);
    if (misp_sighting_search_decode(a, root, context, NOW, &search, &d) < 0)
        check_failure(&d);
    else
        check_search(&search);

    char(*uuids)[UUID_STR_LEN + 1];
    size_t n;
    diag_clear(&d);
    if (misp_sighting_uuids_decode(a, root, &uuids, &n, &d) < 0) {
        check_failure(&d);
    } else {
        check(n <= LIMIT_SIGHTINGS_PER_REQUEST, "uuids: too many");
        for (size_t i = 0; i < n; i++)
            check(canonical(uuids[i]), "uuids: not canonical");
    }

    struct sighting *in;
    diag_clear(&d);
    if (misp_sighting_push_decode(a, root, &in, &n, &d) < 0)
        check_failure(&d);
    else
        check(n <= LIMIT_SIGHTINGS_PER_REQUEST, "push: too many");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0];
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    if (json_parse(a, (const char *)data + 1, size - 1, LIMIT_JSON_DEPTH, &root, &d) == 0)
        run(a, root, mode);
    run(a, NULL, mode); /* no body at all */
    arena_free(a);
    return 0;
}
