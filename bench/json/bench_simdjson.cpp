/*
 * bench_simdjson.cpp - simdjson's DOM parser (Debian's libsimdjson) for bench.c,
 * the state-of-the-art baseline.  The only C++ in the bench.
 *
 * simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, so a
 * caller either hands it a padded buffer or lets it copy the text into one.
 * Two entries:
 *   simdjson       the input is already padded (bench.c reads the file into a
 *                  buffer with BENCH_PADDING zero bytes after it), parsed in
 *                  place: no copy is timed.  The strongest figure, the headline.
 *   simdjson+copy  a simdjson::padded_string is made from the text inside the
 *                  timed region (allocation and copy), then parsed: what a
 *                  caller with an unpadded buffer pays.
 * Each entry reuses one dom::parser across its rounds, as simdjson intends (its
 * tape and string buffers are allocated on the first parse and kept: the first
 * round pays for them, later ones do not); a document lives in its parser until
 * the next parse, so release() frees nothing of it.
 */
#include "bench.h"

#include <simdjson.h>

#include <new>

static_assert(simdjson::SIMDJSON_PADDING <= BENCH_PADDING, "bench.c pads too little");

namespace {

simdjson::dom::parser padded_parser, copy_parser;

struct doc {
    simdjson::dom::element root;
    simdjson::padded_string copy; /* simdjson+copy only */
};

void *parse_padded(const char *text, size_t len)
{
    doc *d = new (std::nothrow) doc();
    if (d == nullptr)
        return nullptr;
    /* realloc_if_needed = false: parse the caller's (padded) buffer in place */
    if (padded_parser.parse(text, len, false).get(d->root) != simdjson::SUCCESS) {
        delete d;
        return nullptr;
    }
    return d;
}

void *parse_copy(const char *text, size_t len)
{
    doc *d = new (std::nothrow) doc();
    if (d == nullptr)
        return nullptr;
    d->copy = simdjson::padded_string(text, len);
    if (copy_parser.parse(d->copy).get(d->root) != simdjson::SUCCESS) {
        delete d;
        return nullptr;
    }
    return d;
}

/* Compact serialisation (simdjson::minify builds the same text and then copies
 * it into a std::string; the builder alone is used so that no extra copy is
 * charged to simdjson). */
size_t write_doc(void *p)
{
    doc *d = static_cast<doc *>(p);
    simdjson::internal::string_builder<> sb;
    sb.append(d->root);
    return sb.str().size();
}

void release(void *p)
{
    delete static_cast<doc *>(p);
}

} // namespace

extern "C" {

const struct bench_parser bench_simdjson = {"simdjson", parse_padded, write_doc, release};
const struct bench_parser bench_simdjson_copy = {"simdjson+copy", parse_copy, nullptr, release};

const char *bench_simdjson_kernel(void)
{
    return simdjson::get_active_implementation()->name().c_str();
}
}
