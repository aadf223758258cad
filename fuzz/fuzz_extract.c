/*
 * fuzz_extract.c - libFuzzer target for the observable extractor (codec/extract.h).
 *
 * Runs obs_extract() over the input and checks every report: a valid kind,
 * a NUL-terminated cleaned value of at most OBS_VALUE_MAX bytes, a raw span
 * [offset, offset + raw_len) inside the input, no shorter than the value
 * (refanging only shrinks), starting after the previous span ended (order of
 * appearance, no overlaps), and a value that obs_classify() gives back as the
 * same kind and text.  Then stops the scan after the first report to exercise
 * the early exit, and classifies the input itself (whole, and line by line),
 * checking obs_classify's output contract.  Built with -fsanitize=fuzzer by
 * scripts/build-fuzz, and as a plain replayer of fuzz/corpus/fuzz_extract/ by
 * `make test-fuzz-replay`.
 */
#include "codec/extract.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_extract: %s\n", what);
        abort();
    }
}

struct seen {
    size_t size;     /* input length */
    size_t next;     /* earliest offset the next report may start at */
    size_t count;
    size_t stop_at;  /* stop after this many reports (0: never) */
};

static int on_observable(void *ctx, const struct observable *o)
{
    struct seen *s = ctx;
    char out[OBS_VALUE_MAX + 1];
    size_t n = 0;

    check(o->kind > OBS_INVALID && o->kind < OBS_OTHER, "kind out of range");
    check(o->len > 0 && o->len <= OBS_VALUE_MAX, "value length");
    check(o->text[o->len] == '\0' && strlen(o->text) == o->len, "value not NUL-terminated");
    check(o->offset < s->size && o->raw_len <= s->size - o->offset, "span outside the input");
    check(o->raw_len >= o->len, "raw span shorter than the value");
    check(o->offset >= s->next, "spans out of order or overlapping");
    s->next = o->offset + o->raw_len;
    s->count++;

    enum obs_kind k = obs_classify(o->text, o->len, out, sizeof out, &n);
    if (k != o->kind || n != o->len || memcmp(out, o->text, n) != 0)
        fprintf(stderr, "fuzz_extract: extracted %s \"%s\", classified %s \"%s\"\n",
                obs_kind_name(o->kind), o->text, obs_kind_name(k), out);
    check(k == o->kind, "classify disagrees on the kind");
    check(n == o->len && memcmp(out, o->text, n) == 0, "classify disagrees on the value");
    return s->stop_at != 0 && s->count >= s->stop_at;
}

static void classify_line(const char *p, size_t len)
{
    char out[OBS_VALUE_MAX + 1];
    char tiny[16];
    size_t n = 1;
    enum obs_kind k = obs_classify(p, len, out, sizeof out, &n);
    check(k >= OBS_INVALID && k <= OBS_OTHER, "classify kind out of range");
    check(n <= OBS_VALUE_MAX && out[n] == '\0' && strlen(out) == n, "classify output");
    check(k != OBS_INVALID || n == 0, "invalid with a value");
    check(k == OBS_INVALID || n > 0, "valid without a value");
    if (len > OBS_VALUE_MAX && (unsigned char)p[0] > ' ' && (unsigned char)p[len - 1] > ' ')
        check(k == OBS_INVALID, "over-long line accepted");

    /* A buffer too small: the value fits or the answer is OBS_INVALID. */
    size_t m = 1;
    enum obs_kind t = obs_classify(p, len, tiny, sizeof tiny, &m);
    check(t == OBS_INVALID ? m == 0 && tiny[0] == '\0' : t == k && m == n && m < sizeof tiny,
          "classify with a small buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct seen s = {.size = size};

    size_t n = obs_extract(text, size, on_observable, &s);
    check(n == s.count, "return value differs from the number of reports");

    if (n > 0) {
        struct seen first = {.size = size, .stop_at = 1};
        check(obs_extract(text, size, on_observable, &first) == 1, "stop not honoured");
    }

    classify_line(text, size);
    for (size_t a = 0, i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n') {
            classify_line(text + a, i - a);
            a = i + 1;
        }
    }
    return 0;
}
