#!/usr/bin/python3
"""restSearch latency by value: p50/p99 of single-value look-ups.

    latency.py URL KEY VALUES_FILE [N]

Sends N (default 2000) sequential POST /attributes/restSearch {"value": v,
"limit": 10} with values drawn (seeded) from VALUES_FILE (one per line) over one
keep-alive connection, and prints "p50_ms P p99_ms Q hits H".
"""
import http.client
import json
import random
import sys
import time
import urllib.parse


def main():
    url, key, path = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    with open(path, encoding="utf-8", errors="replace") as f:
        values = [line.strip() for line in f if line.strip()]
    rng = random.Random(7)
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {"Authorization": key, "Accept": "application/json",
               "Content-Type": "application/json"}
    lat, hits = [], 0
    for i in range(n + 50):
        body = json.dumps({"value": rng.choice(values), "limit": 10})
        t0 = time.perf_counter()
        conn.request("POST", "/attributes/restSearch", body, headers)
        r = conn.getresponse()
        data = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            sys.exit("restSearch answered %d: %s" % (r.status, data[:300]))
        if i >= 50:  # warm-up
            lat.append(dt)
            hits += len(json.loads(data)["response"]["Attribute"]) > 0
    lat.sort()
    print("p50_ms %.3f p99_ms %.3f hits %d" % (lat[len(lat) // 2] * 1e3,
                                                lat[int(len(lat) * 0.99)] * 1e3, hits))


if __name__ == "__main__":
    main()
