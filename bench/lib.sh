# bench/lib.sh - shell helpers shared by bench/*/run (sourced, not run).
#
# bench_init            a temp dir in $BENCH_TMP, removed on exit together with
#                       every process started through these helpers
# liaison_start DB ARGS starts ./liaison serve on an ephemeral 127.0.0.1 port;
#                       sets LIAISON_PID and LIAISON_URL
# liaison_stop          SIGTERM, then SIGKILL after 10 s
# bench_spawn CMD...    starts a background process that cleanup will stop
# now_ns, secs START END, rate N START END
#
# Backends (issue 20: every benchmark measures SQLite and PostgreSQL in one run):
# bench_backends        the backends BENCH_DB names - sqlite, postgresql or both
#                       (the default) - in the order they run
# pg_bench_start [DIR]  a private PostgreSQL server (scripts/pg-server) in a temp
#                       dir of its own, or in DIR kept between runs (a cache),
#                       with durable settings (BENCH_PG_OPTS, default fsync,
#                       synchronous_commit and full_page_writes on: the test
#                       server turns them off); sets BENCH_PG_DIR and
#                       BENCH_PG_SETTINGS; stopped on exit, the temp dir removed
# bench_db BACKEND NAME prints a new database's --db: $BENCH_TMP/NAME/liaison.db,
#                       or the URL of a new PostgreSQL database NAME; either way
#                       $BENCH_TMP/NAME is made and holds its admin.key
# bench_psql DB ARGS    psql on database DB (a name, or a PostgreSQL --db URL)
# bench_load            the load average (1, 5, 15 min) as "load 1.2 1.5 1.1"
#
# Expects to run from the repository root with ./liaison built.

BENCH_PIDS=""

bench_cleanup()
{
    for pid in $BENCH_PIDS; do
        bench_stop_pid "$pid"
    done
    if [ -n "${BENCH_PG_DIR:-}" ]; then
        scripts/pg-server stop "$BENCH_PG_DIR" >/dev/null 2>&1 || true
        [ -n "${BENCH_PG_KEEP:-}" ] || rm -rf "$BENCH_PG_DIR"
    fi
    [ -n "${BENCH_TMP:-}" ] && rm -rf "$BENCH_TMP"
}

bench_init()
{
    BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/liaison-bench.XXXXXX")
    trap 'bench_cleanup' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

bench_forget()
{
    rest=""
    for pid in $BENCH_PIDS; do
        [ "$pid" = "$1" ] || rest="$rest $pid"
    done
    BENCH_PIDS=$rest
}

# Stops process $1 with SIGTERM, escalating to SIGKILL after 10 s.
bench_stop_pid()
{
    kill -TERM "$1" 2>/dev/null || true
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    bench_forget "$1"
}

bench_spawn()
{
    "$@" &
    BENCH_SPAWNED=$!
    BENCH_PIDS="$BENCH_PIDS $BENCH_SPAWNED"
}

# liaison_start DB [serve options...]: waits up to 120 s (the index is built
# before the server listens); the database directory must be private
# to this run (admin.key is written beside the database on first start; on
# PostgreSQL pass --admin-key-file).  The server's stderr goes to LIAISON_LOG:
# DB.serve.log for a SQLite file, $BENCH_TMP/NAME.serve.log for database NAME.
liaison_start()
{
    bench_start_db=$1
    shift
    case $bench_start_db in
    postgresql:* | postgres:*)
        out=${bench_start_db#*:///}
        out="$BENCH_TMP/${out%%\?*}.serve.out"
        ;;
    *) out="$bench_start_db.serve.out" ;;
    esac
    LIAISON_LOG="${out%.out}.log"
    bench_spawn ./liaison serve --listen 127.0.0.1:0 --db "$bench_start_db" --log-level warn "$@" \
        >"$out" 2>"$LIAISON_LOG"
    LIAISON_PID=$BENCH_SPAWNED
    i=0
    LIAISON_URL=""
    while [ -z "$LIAISON_URL" ]; do
        LIAISON_URL=$(sed -n 's/^Liaison is serving on \(http:[^ ]*\).*/\1/p' "$out")
        if [ -z "$LIAISON_URL" ]; then
            if ! kill -0 "$LIAISON_PID" 2>/dev/null || [ $i -ge 1200 ]; then
                echo "bench: liaison did not start:" >&2
                cat "$out" "$LIAISON_LOG" >&2
                exit 1
            fi
            sleep 0.1
            i=$((i + 1))
        fi
    done
    LIAISON_URL=${LIAISON_URL%/}
}

liaison_stop()
{
    bench_stop_pid "$LIAISON_PID"
}

now_ns()
{
    date +%s%N
}

# secs START_NS END_NS: elapsed seconds, one decimal.
secs()
{
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# rate N START_NS END_NS: N per second, rounded.
rate()
{
    awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }'
}

# ratio A B: A / B, two decimals.
ratio()
{
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

bench_backends()
{
    case "${BENCH_DB:-both}" in
    sqlite) echo sqlite ;;
    postgresql) echo postgresql ;;
    both) echo sqlite postgresql ;;
    *)
        echo "bench: BENCH_DB must be sqlite, postgresql or both" >&2
        exit 2
        ;;
    esac
}

# PostgreSQL refuses to run as root: scripts/pg-server runs it as "postgres",
# which must reach the folder, hence a folder of its own outside $BENCH_TMP.
pg_bench_start()
{
    if [ $# -gt 0 ]; then
        mkdir -p "$1"
        BENCH_PG_DIR=$(cd "$1" && pwd) BENCH_PG_KEEP=1
        scripts/pg-server stop "$BENCH_PG_DIR" >/dev/null 2>&1 || true # a killed run's
    else
        BENCH_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/liaison-bench-pg.XXXXXX")
    fi
    chmod 755 "$BENCH_PG_DIR"
    PG_SERVER_OPTS="${BENCH_PG_OPTS:--c fsync=on -c synchronous_commit=on -c full_page_writes=on}" \
        scripts/pg-server start "$BENCH_PG_DIR" postgres >/dev/null
    BENCH_PG_SETTINGS=$(psql -h "$BENCH_PG_DIR" -U liaison -d postgres -tA -F ' ' -c \
        "SELECT 'PostgreSQL ' || split_part(current_setting('server_version'), ' ', 1) || ', ' ||
         string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
         FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
         'shared_buffers', 'wal_level')")
}

bench_db()
{
    mkdir "$BENCH_TMP/$2"
    if [ "$1" = postgresql ]; then
        scripts/pg-server createdb "$BENCH_PG_DIR" "$2"
    else
        echo "$BENCH_TMP/$2/liaison.db"
    fi
}

bench_psql()
{
    bench_psql_db=${1#*:///}
    shift
    psql -X -q -h "$BENCH_PG_DIR" -U liaison -d "${bench_psql_db%%\?*}" -v ON_ERROR_STOP=1 "$@"
}

bench_load()
{
    awk '{ print "load " $1 " " $2 " " $3 }' /proc/loadavg
}
