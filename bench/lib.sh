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
# Expects to run from the repository root with ./liaison built.

BENCH_PIDS=""

bench_cleanup()
{
    for pid in $BENCH_PIDS; do
        bench_stop_pid "$pid"
    done
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
# to this run (admin.key is written beside the database on first start).
liaison_start()
{
    db=$1
    shift
    out="$db.serve.out"
    bench_spawn ./liaison serve --listen 127.0.0.1:0 --db "$db" --log-level warn "$@" \
        >"$out" 2>"$db.serve.log"
    LIAISON_PID=$BENCH_SPAWNED
    i=0
    LIAISON_URL=""
    while [ -z "$LIAISON_URL" ]; do
        LIAISON_URL=$(sed -n 's/^Liaison is serving on \(http:[^ ]*\).*/\1/p' "$out")
        if [ -z "$LIAISON_URL" ]; then
            if ! kill -0 "$LIAISON_PID" 2>/dev/null || [ $i -ge 1200 ]; then
                echo "bench: liaison did not start:" >&2
                cat "$out" "$db.serve.log" >&2
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
