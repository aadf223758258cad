/*
 * config.c - the configuration table and its parsers.
 */
#include "core/config.h"

#include "util/alloc.h"
#include "util/limits.h"
#include "util/parse.h"

#include <ctype.h>
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
     "database: a SQLite file path or sqlite:PATH"},
    {"threads", CT_INT, OFF(threads), 1, 256, "4", "LIAISON_THREADS",
     "HTTP worker threads"},
    {"max_body", CT_INT, OFF(max_body), 1024, LIMIT_BODY_MAX, "52428800", "LIAISON_MAX_BODY",
     "largest accepted request body in bytes (larger: 413)"},
    {"log_level", CT_STRING, OFF(log_level), 0, 0, "info", "LIAISON_LOG_LEVEL",
     "error, warn, info or debug"},
    {"unpublished_private", CT_BOOL, OFF(unpublished_private), 0, 1, "false",
     "LIAISON_UNPUBLISHED_PRIVATE", "other organisations see only published events"},
    {"base_url", CT_STRING, OFF(base_url), 0, 0, "", "LIAISON_BASE_URL",
     "public URL of this node (default http://<listen>)"},
    {"org_name", CT_STRING, OFF(org_name), 0, 0, "ORGNAME", "LIAISON_ORG_NAME",
     "name of the host organisation created on first start"},
    {"admin_email", CT_STRING, OFF(admin_email), 0, 0, "admin@admin.test", "LIAISON_ADMIN_EMAIL",
     "e-mail of the admin user created on first start"},
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
            strcmp(value, "warn") != 0 && strcmp(value, "info") != 0 &&
            strcmp(value, "debug") != 0)
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
        if (strcmp(value, "true") == 0 || strcmp(value, "1") == 0 || strcmp(value, "yes") == 0)
            v = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                 strcmp(value, "no") == 0)
            v = false;
        else
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

int config_set(struct config *c, const char *name, const char *value, struct diag *d)
{
    const struct config_entry *e = entry_find(name);
    if (e == NULL)
        return diag_set(d, ERR_NOTFOUND, name, "unknown setting '%s'", name);
    return entry_set(c, e, value, d);
}

int config_load_file(struct config *c, const char *path, struct diag *d)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return diag_set(d, ERR_IO, "--config", "cannot open %s", path);
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                       isspace((unsigned char)line[len - 1])))
            line[--len] = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (eq == NULL) {
            rc = diag_set(d, ERR_INVAL, "config", "%s:%u:%zu: expected 'name = value'", path,
                          lineno, (size_t)(p - line) + 1);
            if (d) {
                d->line = lineno;
                d->col = (unsigned)(p - line) + 1;
            }
            break;
        }
        char *name_end = eq;
        while (name_end > p && isspace((unsigned char)name_end[-1]))
            name_end--;
        *name_end = '\0';
        char *value = eq + 1;
        while (isspace((unsigned char)*value))
            value++;
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        struct diag inner;
        diag_clear(&inner);
        if (config_set(c, p, value, &inner) < 0) {
            unsigned col = (unsigned)((inner.msg[0] && strncmp(inner.msg, "unknown", 7) == 0
                                           ? p
                                           : value) -
                                      line) +
                           1;
            rc = diag_set(d, ERR_INVAL, p, "%s:%u:%u: %s", path, lineno, col, inner.msg);
            if (d) {
                d->line = lineno;
                d->col = col;
            }
        }
    }
    fclose(f);
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
