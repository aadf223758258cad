#!/usr/bin/python3
"""Peak memory of large restSearch answers (issue 10, defect 9).

    bench/search/rss.py [BIN] [EVENTS] [ATTRIBUTES_PER_EVENT]

Builds a fresh database with EVENTS x ATTRIBUTES_PER_EVENT attributes
(default 20 x 10,000 = 200,000; ip-dst and domain values, two tags per
event) with `liaison import`, starts `liaison serve` on it (127.0.0.1, an
ephemeral port) and runs each search below as an admin reading the whole
answer, on a freshly started server each time (malloc keeps what a request
freed, so one request's peak would hide the next one's); VmHWM after it is the
peak of that request.
Prints, per search: answer bytes, seconds, peak RSS, its growth over the
RSS before the request, and the answer's SHA-256 (to compare two builds on
one database).  BIN defaults to ./liaison.  RSS_DB=path keeps the database
there (built on the first run, reused after: the uuids are then the same).
"""
import hashlib
import json
import os
import pathlib
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

import requests

BIN = sys.argv[1] if len(sys.argv) > 1 else "./liaison"
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
PER_EVENT = int(sys.argv[3]) if len(sys.argv) > 3 else 10000

SEARCHES = [
    ("attributes json", "/attributes/restSearch", {}),
    ("attributes csv+context", "/attributes/restSearch",
     {"returnFormat": "csv", "includeContext": 1}),
    ("attributes text", "/attributes/restSearch", {"returnFormat": "text"}),
    ("events json", "/events/restSearch", {}),
    ("events index", "/events/index", None),
]


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    raise KeyError(key)


def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="liaison-rss-"))
    db = pathlib.Path(os.environ.get("RSS_DB", str(tmp / "liaison.db")))
    if db.exists():
        key_file = db.parent / "admin.key"
        print("reusing %s" % db)
        serve(db, key_file, tmp)
        return
    key_file = db.parent / "admin.key"
    subprocess.run([BIN, "init", "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
    files = []
    n = 0
    for e in range(EVENTS):
        attrs = []
        for i in range(PER_EVENT):
            n += 1
            if i % 2:
                attrs.append({"type": "ip-dst", "value": "10.%d.%d.%d" % (
                    n >> 16 & 255, n >> 8 & 255, n & 255), "to_ids": True})
            else:
                attrs.append({"type": "domain", "value": "host%d.rss.example" % n,
                              "comment": "generated"})
        ev = {"info": "rss %d" % e, "distribution": 1, "published": True,
              "Tag": [{"name": "tlp:green"}, {"name": "rss:bench"}], "Attribute": attrs}
        f = tmp / ("e%03d.json" % e)
        f.write_text(json.dumps(ev))
        files.append(str(f))
    t0 = time.time()
    subprocess.run([BIN, "import", "--db", str(db), *files], check=True,
                   stdout=subprocess.DEVNULL)
    print("imported %d attributes in %d events (%.1f s)" % (n, EVENTS, time.time() - t0))
    for f in files:
        os.unlink(f)
    serve(db, key_file, tmp)


def start(db):
    env = dict(os.environ, LIAISON_LOG_LEVEL="warn", LIAISON_SYNC_WORKER="0")
    proc = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--db", str(db),
                             "--threads", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    out = b""
    deadline = time.time() + 60
    while time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.5)
        if r:
            out += os.read(proc.stdout.fileno(), 4096)
            m = re.search(rb"serving on (http://[0-9.]+:[0-9]+)", out)
            if m:
                return proc, m.group(1).decode()
    proc.kill()
    raise RuntimeError("liaison serve did not start")


def serve(db, key_file, tmp):
    key = key_file.read_text().strip()
    s = requests.Session()
    s.headers.update({"Authorization": key, "Accept": "application/json",
                      "Content-Type": "application/json"})
    print("%s, %s" % (BIN, db))
    print("%-24s %12s %8s %9s %9s %9s  %s" % ("search", "bytes", "seconds", "idle MiB",
                                              "peak MiB", "+MiB", "status sha256"))
    try:
        for name, path, body in SEARCHES:
            proc, url = start(db)
            try:
                time.sleep(0.5)
                base = status(proc.pid, "VmRSS")
                t0 = time.time()
                if body is None:
                    r = s.get(url + path, stream=True, timeout=600)
                else:
                    r = s.post(url + path, json=body, stream=True, timeout=600)
                h = hashlib.sha256()
                size = 0
                for c in r.iter_content(1 << 16):
                    size += len(c)
                    h.update(c)
                dt = time.time() - t0
                peak = status(proc.pid, "VmHWM")
                print("%-24s %12d %8.2f %9d %9d %9d  %d %s" % (
                    name, size, dt, base, peak, peak - base, r.status_code,
                    h.hexdigest()[:16]))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
    finally:
        subprocess.run(["rm", "-rf", str(tmp)])  # the database too, unless RSS_DB


if __name__ == "__main__":
    main()
