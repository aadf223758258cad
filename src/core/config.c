/*
 * config.c - the configuration table and its parsers.
 */
#include "core/config.h"

#include "core/jobs.h"

#include "util/alloc.h"
#include "util/limits.h"
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

enum config_type { CT_STRING, CT_INT, CT_BOOL };

struct config_entry {
    const char *name;
    enum config_type type;
    size_t offset;
    int64_t min, max;
    const char *def;
    const char *env;
    const char *help;
};

#define OFF(field) offsetof(struct config, field)

static const struct config_entry entries[] = {
    {"listen", CT_STRING, OFF(listen), 0, 0, "127.0.0.1:8080", "LIAISON_LISTEN",
     "address and port to serve HTTP on (host:port)"},
    {"db", CT_STRING, OFF(db), 0, 0, "./var/liaison.db", "LIAISON_DB",
     "database: a SQLite file (PATH or sqlite:PATH) or a PostgreSQL connection string "
     "(postgresql://... or 'host=... dbname=...'; docs/postgresql.md)"},
    {"admin_key_file", CT_STRING, OFF(admin_key_file), 0, 0, "", "LIAISON_ADMIN_KEY_FILE",
     "where first start writes the admin API key (default: admin.key beside a SQLite file, "
     "./var/admin.key for PostgreSQL)"},
    {"read_only", CT_BOOL, OFF(read_only), 0, 1, "false", "LIAISON_READ_ONLY",
     "serve reads only, as on a hot-standby replica: writes answer 503, no background jobs, "
     "no schema changes"},
    {"threads", CT_INT, OFF(threads), 1, 256, "4", "LIAISON_THREADS", "HTTP worker threads"},
    {"max_body", CT_INT, OFF(max_body), 1024, LIMIT_BODY_MAX, "52428800", "LIAISON_MAX_BODY",
     "largest accepted request body in bytes (larger: 413)"},
    {"lookup_max_body", CT_INT, OFF(lookup_max_body), 1024, LIMIT_BODY_MAX, "1073741824",
     "LIAISON_LOOKUP_MAX_BODY", "largest POST /lookup body in bytes (larger: 413)"},
    {"correlation_threshold", CT_INT, OFF(correlation_threshold), 1, 1000000000, "1000",
     "LIAISON_CORRELATION_THRESHOLD",
     "a value held by more events than this is marked over-correlating, not listed"},
    {"log_level", CT_STRING, OFF(log_level), 0, 0, "info", "LIAISON_LOG_LEVEL",
     "error, warn, info or debug"},
    {"unpublished_private", CT_BOOL, OFF(unpublished_private), 0, 1, "false",
     "LIAISON_UNPUBLISHED_PRIVATE", "other organisations see only published events"},
    {"base_url", CT_STRING, OFF(base_url), 0, 0, "", "LIAISON_BASE_URL",
     "public URL of this node (default http://<listen>)"},
    {"org_name", CT_STRING, OFF(org_name), 0, 0, "ORGNAME", "LIAISON_ORG_NAME",
     "name of the host organisation created on first start"},
    {"sync_worker", CT_BOOL, OFF(sync_worker), 0, 1, "true", "LIAISON_SYNC_WORKER",
     "pull from and push to sync links in the background (see docs/federation.md)"},
    {"job_workers", CT_INT, OFF(job_workers), 1, JOBS_WORKERS_MAX, "4", "LIAISON_JOB_WORKERS",
     "background jobs (sync pulls and pushes) run at once; more wait for the next tick"},
    {"admin_email", CT_STRING, OFF(admin_email), 0, 0, "admin@admin.test", "LIAISON_ADMIN_EMAIL",
     "e-mail of the admin user created on first start"},
    {"body_memory_max", CT_INT, OFF(body_memory_max), 1024 * 1024, LIMIT_BODY_MEMORY_MAX,
     "1073741824", "LIAISON_BODY_MEMORY_MAX",
     "bytes of request bodies in memory at once, all connections (more: 503)"},
    {"response_memory_max", CT_INT, OFF(response_memory_max), 1024 * 1024, LIMIT_BODY_MEMORY_MAX,
     "2147483648", "LIAISON_RESPONSE_MEMORY_MAX",
     "bytes of built answers waiting for their clients, all connections (more: 503)"},
    {"max_connections", CT_INT, OFF(max_connections), 16, 1000000, "4096",
     "LIAISON_MAX_CONNECTIONS", "most HTTP connections at once (needs as many file descriptors)"},
    {"max_connections_per_ip", CT_INT, OFF(max_connections_per_ip), 0, 1000000, "128",
     "LIAISON_MAX_CONNECTIONS_PER_IP",
     "most connections at once from one client address; 0: no limit (behind a proxy)"},
    {"header_timeout", CT_INT, OFF(header_timeout), 1, 3600, "10", "LIAISON_HEADER_TIMEOUT",
     "seconds to send a request's headers, from connect or the last answer"},
    {"idle_timeout", CT_INT, OFF(idle_timeout), 1, 86400, "30", "LIAISON_IDLE_TIMEOUT",
     "seconds without any traffic after which a connection is closed"},
    {"auth_cache", CT_BOOL, OFF(auth_cache), 0, 1, "true", "LIAISON_AUTH_CACHE",
     "keep verified API keys in memory for 2 s (false: every request asks the database)"},
};

#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static const struct config_entry *entry_find(const char *name)
{
    for (size_t i = 0; i < N_ENTRIES; i++)
        if (strcmp(entries[i].name, name) == 0)
            return &entries[i];
    return NULL;
}

static int entry_set(struct config *c, const struct config_entry *e, const char *value,
                     struct diag *d)
{
    char *base = (char *)c + e->offset;
    switch (e->type) {
    case CT_STRING: {
        char **p = (char **)(void *)base;
        if (strcmp(e->name, "log_level") == 0 && strcmp(value, "error") != 0 &&
            strcmp(value, "warn") != 0 && strcmp(value, "info") != 0 && strcmp(value, "debug") != 0)
            return diag_set(d, ERR_INVAL, e->name, "%s must be error, warn, info or debug",
                            e->name);
        if (strcmp(e->name, "listen") == 0 && strrchr(value, ':') == NULL)
            return diag_set(d, ERR_INVAL, e->name, "listen must be host:port, got '%s'", value);
        free(*p);
        *p = xstrdup(value);
        return 0;
    }
    case CT_INT: {
        int64_t v;
        if (parse_i64_all(str_from_cstr(value), e->min, e->max, &v) < 0)
            return diag_set(d, ERR_INVAL, e->name, "%s must be an integer from %lld to %lld",
                            e->name, (long long)e->min, (long long)e->max);
        *(int64_t *)(void *)base = v;
        return 0;
    }
    case CT_BOOL: {
        bool v;
        if (!config_parse_bool(value, &v))
            return diag_set(d, ERR_INVAL, e->name, "%s must be true or false", e->name);
        *(bool *)(void *)base = v;
        return 0;
    }
    }
    return ERR_INVAL;
}

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < N_ENTRIES; i++)
        entry_set(c, &entries[i], entries[i].def, NULL);
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < N_ENTRIES; i++)
        if (entries[i].type == CT_STRING) {
            char **p = (char **)(void *)((char *)c + entries[i].offset);
            free(*p);
            *p = NULL;
        }
}

bool config_parse_bool(const char *s, bool *v)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcmp(s, "yes") == 0)
        *v = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcmp(s, "no") == 0)
        *v = false;
    else
        return false;
    return true;
}

bool config_is_bool(const char *name)
{
    const struct config_entry *e = entry_find(name);
    return e != NULL && e->type == CT_BOOL;
}

int config_set(struct config *c, const char *name, const char *value, struct diag *d)
{
    const struct config_entry *e = entry_find(name);
    if (e == NULL)
        return diag_set(d, ERR_NOTFOUND, name, "unknown setting '%s'", name);
    return entry_set(c, e, value, d);
}

/* Records a parse error at line/col of the config text named name. */
static int config_error(struct diag *d, const char *field, const char *name, unsigned line,
                        unsigned col, const char *msg)
{
    int rc = diag_set(d, ERR_INVAL, field, "%s:%u:%u: %s", name, line, col, msg);
    if (d) {
        d->line = line;
        d->col = col;
    }
    return rc;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

int config_parse_text(struct config *c, const char *text, size_t len, const char *name,
                      struct diag *d)
{
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        lineno++;
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (memchr(line, '\0', n) != NULL)
            return config_error(d, "config", name, lineno, 1, "NUL byte in the line");
        size_t b = 0, e = n;
        while (b < e && is_blank(line[b]))
            b++;
        while (e > b && is_blank(line[e - 1]))
            e--;
        if (b == e || line[b] == '#')
            continue;
        const char *eq = memchr(line + b, '=', e - b);
        if (eq == NULL)
            return config_error(d, "config", name, lineno, (unsigned)b + 1,
                                "expected 'name = value'");
        size_t ne = (size_t)(eq - line);
        while (ne > b && is_blank(line[ne - 1]))
            ne--;
        size_t vb = (size_t)(eq - line) + 1;
        while (vb < e && is_blank(line[vb]))
            vb++;
        size_t ve = e;
        if (ve - vb >= 2 && line[vb] == '"' && line[ve - 1] == '"') {
            vb++;
            ve--;
        }
        char key[64], value[4096];
        if (ne - b >= sizeof(key) || ne == b)
            return config_error(d, "config", name, lineno, (unsigned)b + 1,
                                "expected a setting name before '='");
        if (ve - vb >= sizeof(value))
            return config_error(d, "config", name, lineno, (unsigned)vb + 1, "value too long");
        memcpy(key, line + b, ne - b);
        key[ne - b] = '\0';
        memcpy(value, line + vb, ve - vb);
        value[ve - vb] = '\0';
        struct diag inner;
        diag_clear(&inner);
        if (config_set(c, key, value, &inner) < 0) {
            bool unknown = entry_find(key) == NULL;
            char field[sizeof(key)];
            snprintf(field, sizeof(field), "%s", key);
            return config_error(d, field, name, lineno, (unsigned)(unknown ? b : vb) + 1,
                                inner.msg);
        }
    }
    return 0;
}

int config_load_file(struct config *c, const char *path, struct diag *d)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return diag_set(d, ERR_IO, "--config", "cannot open %s: %s", path, strerror(errno));
    static const size_t max = 1024 * 1024;
    char *text = xmalloc(max);
    size_t len = fread(text, 1, max, f);
    int rc = 0;
    if (ferror(f))
        rc = diag_set(d, ERR_IO, "--config", "cannot read %s: %s", path, strerror(errno));
    else if (len == max)
        rc = diag_set(d, ERR_TOOBIG, "--config", "%s is larger than 1 MiB", path);
    fclose(f);
    if (rc == 0)
        rc = config_parse_text(c, text, len, path, d);
    free(text);
    return rc;
}

int config_load_env(struct config *c, struct diag *d)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        const char *v = getenv(entries[i].env);
        if (v == NULL)
            continue;
        struct diag inner;
        diag_clear(&inner);
        if (entry_set(c, &entries[i], v, &inner) < 0)
            return diag_set(d, ERR_INVAL, entries[i].env, "%s: %s", entries[i].env, inner.msg);
    }
    return 0;
}

void config_print_help(FILE *f)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s", entries[i].name);
        for (char *p = flag; *p; p++)
            if (*p == '_')
                *p = '-';
        fprintf(f, "  %-24s %s\n  %-24s   env %s, default \"%s\"\n", flag, entries[i].help, "",
                entries[i].env, entries[i].def);
    }
}

void config_print(FILE *f, const struct config *c)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        const char *base = (const char *)c + entries[i].offset;
        switch (entries[i].type) {
        case CT_STRING:
            fprintf(f, "%s = %s\n", entries[i].name, *(char *const *)(const void *)base);
            break;
        case CT_INT:
            fprintf(f, "%s = %lld\n", entries[i].name,
                    (long long)*(const int64_t *)(const void *)base);
            break;
        case CT_BOOL:
            fprintf(f, "%s = %s\n", entries[i].name,
                    *(const bool *)(const void *)base ? "true" : "false");
            break;
        }
    }
}
