/*
 * cmd_lookup.c - `liaison lookup`: which of these observables have we seen?
 *
 * Reads one observable per line (or, with --extract, every IP, domain, URL,
 * e-mail and hash found in free text such as log files) from FILE or standard
 * input and prints the matches: tab-separated lines by default, or the JSON
 * document of POST /lookup with --json.  It reads the local database directly
 * (building the index first) or asks a server with --url and --key.  Lines
 * that hold no observable are counted and the first few reported on standard
 * error with their line numbers; they are not fatal.
 *
 * Exit status as grep's: 0 if something matched, 1 if nothing did, 2 on error.
 */
#include "cli/cli.h"

#include "codec/extract.h"
#include "codec/json.h"
#include "codec/lookup_answer.h"
#include "core/indexer.h"
#include "core/lookup.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/banned.h"

#define INVALID_SHOWN 10
#define READ_BLOCK (8u << 20)

struct opts {
    const char *file; /* NULL or "-": standard input */
    bool json;
    bool extract;
    const char *url;
    const char *key;
};

/* The values of one batch with the input line each came from. */
struct batch {
    struct arena *a;
    struct str v[LOOKUP_BATCH];
    size_t line[LOOKUP_BATCH];
    size_t n;
};

struct run {
    struct opts o;
    FILE *out;
    /* local */
    struct svc svc;
    bool svc_open;
    struct acl_filter acl;
    struct lookup_session *session;
    /* remote: every value, one per line, and the input line of each */
    struct buf body;
    size_t *lines;
    size_t n_lines, cap_lines;
    /* output */
    struct buf ob;
    struct json_writer w;
    struct lookup_stats st;
    struct batch *b;
};

static void help(FILE *f)
{
    fprintf(f, "usage: liaison lookup [-f FILE] [--extract] [--json] [--url URL --key KEY] "
               "[options]\n"
               "\n"
               "Looks observables up in the indicator index: exact values, IP addresses inside\n"
               "stored networks, host names below stored domains.\n"
               "\n"
               "  -f, --file FILE   read FILE (default: standard input, also '-')\n"
               "  --extract         pull IPs, domains, URLs, e-mail addresses and hashes out of\n"
               "                    free text (log files, mails) instead of one value per line\n"
               "  --json            print the JSON document of POST /lookup instead of lines\n"
               "  --url URL         ask the server at URL (e.g. http://127.0.0.1:8080) instead\n"
               "                    of reading the local database (--db)\n"
               "  --key KEY         API key for --url; '@PATH' reads it from a file\n"
               "                    (default: $LIAISON_KEY)\n"
               "\n"
               "Output: one line per match, tab-separated:\n"
               "  LINE VALUE KIND INDEXED TYPE EVENT_UUID EVENT_INFO TAGS\n"
               "KIND is exact, network or subdomain; INDEXED the stored value that matched.\n"
               "A summary and the first lines that hold no observable go to standard error.\n"
               "Exit status: 0 if something matched, 1 if nothing did, 2 on error.\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    o->key = getenv("LIAISON_KEY");
    for (int i = 1; i < argc && argv[i] != NULL; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(stdout);
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--extract") == 0) {
            o->extract = true;
        } else if ((strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0) && next) {
            o->file = next;
            i++;
        } else if (strcmp(a, "--url") == 0 && next) {
            o->url = next;
            i++;
        } else if (strcmp(a, "--key") == 0 && next) {
            o->key = next;
            i++;
        } else if (a[0] != '-' && o->file == NULL) {
            o->file = a;
        } else {
            fprintf(stderr,
                    "liaison lookup: unknown or incomplete option '%s' (see liaison "
                    "lookup --help)\n",
                    a);
            return -1;
        }
    }
    if (o->url && (o->key == NULL || *o->key == '\0')) {
        fprintf(stderr, "liaison lookup: --url needs --key KEY (or $LIAISON_KEY)\n");
        return -1;
    }
    return 0;
}

static void flush_out(struct run *r)
{
    if (r->ob.len) {
        fwrite(r->ob.ptr, 1, r->ob.len, r->out);
        buf_reset(&r->ob);
    }
}

/* One matched value, as a JSON result or as tab-separated lines. */
static void print_result(struct run *r, struct str value, size_t line, const struct lookup_match *m,
                         size_t n_m)
{
    r->st.matched++;
    r->st.matches += n_m;
    if (r->o.json)
        lookup_answer_result(&r->w, value, line, m, n_m);
    else
        lookup_answer_tsv(&r->ob, value, line, m, n_m);
    if (r->ob.len > (1u << 20))
        flush_out(r);
}

static int on_local(void *ctx, size_t qi, const struct lookup_match *m, size_t n_m)
{
    struct run *r = ctx;
    print_result(r, r->b->v[qi], r->b->line[qi], m, n_m);
    return 0;
}

/* Looks the batch up (local) or queues it for the server (remote). */
static int batch_flush(struct run *r)
{
    struct batch *b = r->b;
    int rc = 0;
    if (b->n == 0)
        return 0;
    r->st.values += b->n;
    if (r->o.url) {
        for (size_t i = 0; i < b->n; i++) {
            buf_append(&r->body, b->v[i].ptr, b->v[i].len);
            buf_putc(&r->body, '\n');
            if (r->n_lines == r->cap_lines) {
                r->cap_lines = r->cap_lines ? r->cap_lines * 2 : 65536;
                r->lines = xreallocarray(r->lines, r->cap_lines, sizeof(*r->lines));
            }
            r->lines[r->n_lines++] = b->line[i];
        }
        if (r->body.err)
            rc = ERR_TOOBIG;
    } else {
        if (r->session == NULL)
            r->session = lookup_session_new(&r->svc, &r->acl);
        rc = lookup_values(r->session, b->a, b->v, b->n, on_local, r);
    }
    arena_free(b->a);
    b->a = arena_new();
    b->n = 0;
    return rc;
}

static int batch_push(struct run *r, const char *v, size_t len, size_t line)
{
    struct batch *b = r->b;
    b->v[b->n] = (struct str){arena_strndup(b->a, v, len), len};
    b->line[b->n] = line;
    if (++b->n == LOOKUP_BATCH)
        return batch_flush(r);
    return 0;
}

static void note_invalid(struct run *r, size_t line, const char *s, size_t len)
{
    if (r->st.invalid < INVALID_SHOWN) {
        fprintf(stderr, "liaison lookup: line %zu: not an observable: '", line);
        for (size_t i = 0; i < len && i < 80; i++) {
            unsigned char c = (unsigned char)s[i];
            fputc(c < 0x20 || c >= 0x7f ? '?' : c, stderr);
        }
        fprintf(stderr, "%s'\n", len > 80 ? "..." : "");
    }
    r->st.invalid++;
}

struct extract_ctx {
    struct run *r;
    size_t line;
    int rc;
};

static int on_observable(void *ctx, const struct observable *o)
{
    struct extract_ctx *x = ctx;
    x->rc = batch_push(x->r, o->text, o->len, x->line);
    return x->rc;
}

static int do_line(struct run *r, const char *s, size_t len, size_t line)
{
    if (len && s[len - 1] == '\r')
        len--;
    if (r->o.extract) {
        struct extract_ctx x = {r, line, 0};
        obs_extract(s, len, on_observable, &x);
        return x.rc;
    }
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return 0; /* blank */
    char clean[LIMIT_OBSERVABLE_LEN + 1];
    size_t clen = 0;
    if (len > LIMIT_OBSERVABLE_LEN ||
        obs_classify(s, len, clean, sizeof(clean), &clen) == OBS_INVALID) {
        note_invalid(r, line, s, len);
        return 0;
    }
    return batch_push(r, clean, clen, line);
}

/* Reads the input in blocks and hands over whole lines. */
static int read_input(struct run *r, FILE *in)
{
    char *block = xmalloc(READ_BLOCK + 1);
    size_t have = 0, line = 0;
    int rc = 0;
    for (;;) {
        size_t n = fread(block + have, 1, READ_BLOCK - have, in);
        have += n;
        bool eof = n == 0;
        size_t start = 0;
        for (;;) {
            char *nl = memchr(block + start, '\n', have - start);
            if (nl == NULL)
                break;
            if ((rc = do_line(r, block + start, (size_t)(nl - (block + start)), ++line)) < 0)
                goto out;
            start = (size_t)(nl - block) + 1;
        }
        if (start == 0 && have == READ_BLOCK) {
            /* a line longer than the block: take it as it is (invalid or extracted) */
            if ((rc = do_line(r, block, have, ++line)) < 0)
                goto out;
            start = have;
        }
        memmove(block, block + start, have - start);
        have -= start;
        if (eof) {
            if (have && (rc = do_line(r, block, have, ++line)) < 0)
                goto out;
            break;
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "liaison lookup: read error: %s\n", strerror(errno));
        rc = ERR_IO;
    }
out:
    free(block);
    if (rc == 0)
        rc = batch_flush(r);
    return rc;
}

/* ---- remote ---- */

/* The input as it is, for the server to classify (its line numbers are ours). */
static int read_raw(struct run *r, FILE *in)
{
    char block[1 << 16];
    size_t n;
    while ((n = fread(block, 1, sizeof(block), in)) > 0)
        buf_append(&r->body, block, n);
    if (ferror(in)) {
        fprintf(stderr, "liaison lookup: read error: %s\n", strerror(errno));
        return ERR_IO;
    }
    if (r->body.err) {
        fprintf(stderr, "liaison lookup: the input is larger than %u bytes\n", LIMIT_BODY_MAX);
        return ERR_TOOBIG;
    }
    return 0;
}

static char *read_key(const char *key)
{
    if (key[0] != '@')
        return xstrdup(key);
    FILE *f = fopen(key + 1, "r");
    if (f == NULL) {
        fprintf(stderr, "liaison lookup: cannot read the key file %s: %s\n", key + 1,
                strerror(errno));
        return NULL;
    }
    char line[256] = "";
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return xstrdup(line);
}

/*
 * The server's answer, as it arrives.  Tab-separated (the default): match
 * lines go to the output, with the input's own line numbers when the values
 * sent were extracted; "# stats" and "# invalid" lines become the summary.
 * JSON: passed through, or, for extracted values, collected and re-emitted
 * with the input's line numbers.
 */
struct remote {
    struct run *r;
    struct buf part; /* an incomplete line, or the whole JSON answer */
    char tail[512];  /* the JSON answer's end, for its stats */
    size_t tail_len;
    bool failed;
};

/* The number after the first occurrence of name in text ("values=", "\"values\":"). */
static bool field_size(const char *text, const char *name, size_t *out)
{
    const char *p = strstr(text, name);
    if (p == NULL)
        return false;
    char *end;
    unsigned long long v = strtoull(p + strlen(name), &end, 10);
    if (end == p + strlen(name))
        return false;
    *out = (size_t)v;
    return true;
}

static size_t map_line(const struct run *r, size_t sent)
{
    if (!r->o.extract)
        return sent; /* the input was sent as it is */
    return sent >= 1 && sent <= r->n_lines ? r->lines[sent - 1] : sent;
}

static void remote_tsv_line(struct remote *rm, const char *s, size_t n)
{
    struct run *r = rm->r;
    if (n && s[0] == '#') {
        char text[600];
        snprintf(text, sizeof(text), "%.*s", (int)(n < 590 ? n : 590), s);
        size_t line;
        const char *value = strstr(text, " value=");
        if (strncmp(text, "# stats ", 8) == 0) {
            field_size(text, "values=", &r->st.values);
            field_size(text, "matched=", &r->st.matched);
            field_size(text, "matches=", &r->st.matches);
            field_size(text, "invalid=", &r->st.invalid);
        } else if (strncmp(text, "# invalid ", 10) == 0 && value != NULL &&
                   field_size(text, "line=", &line)) {
            fprintf(stderr, "liaison lookup: line %zu: not an observable: '%s'\n",
                    map_line(r, line), value + 7);
        } else if (strncmp(text, "# error ", 8) == 0) {
            fprintf(stderr, "liaison lookup: the server stopped early: %s\n", text + 8);
            rm->failed = true;
        }
        return;
    }
    const char *tab = memchr(s, '\t', n);
    if (r->o.extract && tab != NULL) {
        buf_printf(&r->ob, "%zu", map_line(r, (size_t)strtoull(s, NULL, 10)));
        buf_append(&r->ob, tab, n - (size_t)(tab - s));
    } else {
        buf_append(&r->ob, s, n);
    }
    buf_putc(&r->ob, '\n');
    if (r->ob.len > (1u << 20))
        flush_out(r);
}

static size_t on_remote_data(char *p, size_t size, size_t n, void *ctx)
{
    struct remote *rm = ctx;
    struct run *r = rm->r;
    size_t len = size * n;
    if (r->o.json && !r->o.extract) {
        fwrite(p, 1, len, r->out);
        size_t keep = len < sizeof(rm->tail) ? len : sizeof(rm->tail);
        if (rm->tail_len + keep > sizeof(rm->tail)) {
            size_t drop = rm->tail_len + keep - sizeof(rm->tail);
            memmove(rm->tail, rm->tail + drop, rm->tail_len - drop);
            rm->tail_len -= drop;
        }
        memcpy(rm->tail + rm->tail_len, p + len - keep, keep);
        rm->tail_len += keep;
        return len;
    }
    if (r->o.json) { /* extracted values: rewritten at the end */
        buf_append(&rm->part, p, len);
        return rm->part.err ? 0 : len;
    }
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\n')
            continue;
        if (rm->part.len) {
            buf_append(&rm->part, p + start, i - start);
            remote_tsv_line(rm, rm->part.ptr, rm->part.len);
            buf_reset(&rm->part);
        } else {
            remote_tsv_line(rm, p + start, i - start);
        }
        start = i + 1;
    }
    buf_append(&rm->part, p + start, len - start);
    return rm->part.err ? 0 : len;
}

/* The stats of a passed-through JSON answer, from its last bytes. */
static void remote_json_stats(struct remote *rm)
{
    char text[sizeof(rm->tail) + 1];
    memcpy(text, rm->tail, rm->tail_len);
    text[rm->tail_len] = '\0';
    const char *st = strstr(text, "\"stats\":{");
    if (st != NULL) {
        field_size(st, "\"values\":", &rm->r->st.values);
        field_size(st, "\"matched\":", &rm->r->st.matched);
        field_size(st, "\"matches\":", &rm->r->st.matches);
        field_size(st, "\"invalid\":", &rm->r->st.invalid);
    }
    if (strstr(text, "\"error\":") != NULL) {
        fprintf(stderr, "liaison lookup: the server stopped early (see \"error\")\n");
        rm->failed = true;
    }
}

/* Re-emits a JSON answer for extracted values with the input's line numbers. */
static int remote_json_rewrite(struct remote *rm)
{
    struct run *r = rm->r;
    struct arena *a = arena_new();
    struct json_value *root;
    struct diag d;
    diag_clear(&d);
    int rc = json_parse(a, rm->part.ptr, rm->part.len, LIMIT_JSON_DEPTH, &root, &d);
    const struct json_value *results = rc == 0 ? json_get(root, "results") : NULL;
    if (results == NULL || results->type != JSON_ARRAY) {
        fprintf(stderr, "liaison lookup: the server's answer is not a lookup result\n");
        arena_free(a);
        return ERR_INVAL;
    }
    for (size_t i = 0; i < results->len; i++) {
        const struct json_value *res = &results->u.items[i];
        int64_t sent = 0;
        struct str value = {"", 0};
        json_as_i64(json_get(res, "line"), &sent);
        json_as_str(json_get(res, "value"), &value);
        const struct json_value *ms = json_get(res, "matches");
        r->st.matched++;
        r->st.matches += ms && ms->type == JSON_ARRAY ? ms->len : 0;
        lookup_answer_result_json(&r->w, value, map_line(r, sent > 0 ? (size_t)sent : 0), ms);
        if (r->ob.len > (1u << 20))
            flush_out(r);
    }
    arena_free(a);
    return 0;
}

static int ask_server(struct run *r)
{
    char *key = read_key(r->o.key);
    if (key == NULL)
        return ERR_INVAL;
    char url[2048];
    size_t ul = strlen(r->o.url);
    while (ul && r->o.url[ul - 1] == '/')
        ul--;
    snprintf(url, sizeof(url), "%.*s/lookup?format=%s", (int)ul, r->o.url,
             r->o.json ? "json" : "tsv");
    char auth[300];
    snprintf(auth, sizeof(auth), "Authorization: %s", key);
    free(key);
    CURL *h = curl_easy_init();
    if (h == NULL)
        return ERR_IO;
    struct curl_slist *hdr = curl_slist_append(NULL, auth);
    hdr = curl_slist_append(hdr, "Content-Type: text/plain");
    struct remote rm = {.r = r};
    buf_init(&rm.part, LIMIT_RESPONSE_MAX);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body.len ? r->body.ptr : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_remote_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &rm);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    int rc = 0;
    if (cc != CURLE_OK) {
        if (status >= 400)
            fprintf(stderr, "liaison lookup: %s answered %ld (%s)\n", url, status,
                    status == 403   ? "wrong or missing key"
                    : status == 413 ? "the input is larger than the server's lookup_max_body"
                                    : "see the server's log");
        else
            fprintf(stderr, "liaison lookup: %s: %s\n", url, curl_easy_strerror(cc));
        rc = ERR_IO;
    } else if (r->o.json && !r->o.extract) {
        remote_json_stats(&rm);
    } else if (r->o.json) {
        rc = remote_json_rewrite(&rm);
    } else if (rm.part.len) {
        remote_tsv_line(&rm, rm.part.ptr, rm.part.len);
    }
    if (rm.failed && rc == 0)
        rc = ERR_IO;
    buf_free(&rm.part);
    return rc;
}

/* ---- command ---- */

static int open_local(struct run *r, const struct config *cfg)
{
    const char *path = svc_db_file(cfg); /* NULL: PostgreSQL, which store_open checks */
    struct stat sb;
    if (path != NULL && stat(path, &sb) < 0) {
        fprintf(stderr,
                "liaison lookup: no database at %s (pass --db PATH, or --url to ask a "
                "server)\n",
                path);
        return -1;
    }
    if (cli_svc_open(cfg, &r->svc) != 0)
        return -1;
    r->svc_open = true;
    struct diag d;
    diag_clear(&d);
    if (indexer_open(r->svc.store, &r->svc.indexer, &d) < 0) {
        fprintf(stderr, "liaison lookup: %s\n", d.msg);
        return -1;
    }
    /* the local database's owner: the command line's principal sees all of it */
    struct principal owner = {.cli = true};
    acl_filter(&owner, &r->svc.policy, &r->acl);
    return 0;
}

int cmd_lookup(int argc, char **argv)
{
    struct config cfg;
    if (cli_config(&cfg, &argc, argv) != 0)
        return 2;
    struct run *r = xcalloc(1, sizeof(*r));
    int rc = parse_opts(argc, argv, &r->o);
    if (rc != 0) {
        config_free(&cfg);
        free(r);
        return rc > 0 ? 0 : 2;
    }
    FILE *in = stdin;
    if (r->o.file && strcmp(r->o.file, "-") != 0 && (in = fopen(r->o.file, "rb")) == NULL) {
        fprintf(stderr, "liaison lookup: cannot open %s: %s\n", r->o.file, strerror(errno));
        config_free(&cfg);
        free(r);
        return 2;
    }
    r->out = stdout;
    buf_init(&r->ob, LIMIT_RESPONSE_MAX);
    buf_init(&r->body, LIMIT_BODY_MAX);
    json_writer_init(&r->w, &r->ob, false);
    r->b = xcalloc(1, sizeof(*r->b));
    r->b->a = arena_new();
    if (r->o.url == NULL && open_local(r, &cfg) < 0) {
        rc = ERR_INVAL;
    } else {
        /* the server's JSON goes out as it comes, unless line numbers change */
        bool passthrough = r->o.url && r->o.json && !r->o.extract;
        if (r->o.json && !passthrough)
            lookup_answer_begin(&r->w);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = r->o.url && !r->o.extract ? read_raw(r, in) : read_input(r, in);
        if (rc == 0 && r->o.url)
            rc = ask_server(r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (rc < 0 && rc != ERR_INVAL && rc != ERR_IO)
            fprintf(stderr, "liaison lookup: %s\n", err_str(rc));
        if (r->o.json && !passthrough)
            lookup_answer_end(&r->w, &r->st, NULL, 0, NULL);
        flush_out(r);
        fprintf(stderr,
                "liaison lookup: %zu values, %zu matched (%zu matches), %zu lines "
                "without an observable; %.2f s",
                r->st.values, r->st.matched, r->st.matches, r->st.invalid, secs);
        if (r->svc.indexer) {
            struct indexer_stats st;
            indexer_stats(r->svc.indexer, &st);
            fprintf(stderr, " (index of %zu values built in %.2f s before)", st.values,
                    st.build_seconds);
        }
        fputc('\n', stderr);
    }
    fflush(stdout);
    if (in != stdin)
        fclose(in);
    arena_free(r->b->a);
    free(r->b);
    lookup_session_free(r->session);
    indexer_close(r->svc.indexer);
    if (r->svc_open)
        svc_close(&r->svc);
    buf_free(&r->ob);
    buf_free(&r->body);
    free(r->lines);
    config_free(&cfg);
    int status = rc < 0 ? 2 : r->st.matched ? 0 : 1;
    free(r);
    return status;
}
