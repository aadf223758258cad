#!/usr/bin/python3
"""Events and query files for the end-to-end look-up benchmark.

    mkstore.py INDICATORS OUT_DIR [PER_EVENT] [QUERIES]

INDICATORS is gen_index.py's "type<TAB>value" file.  Writes under OUT_DIR:

    events/NNNNN.json  PER_EVENT (default 10,000) attributes per MISP event, for
                       `liaison import`
    queries.txt        QUERIES (default 10 M) observables, one per line: 10 % hits
                       (a stored value; a host name below a stored domain; an
                       address inside a stored network; a hash in upper case)
                       and 90 % misses (198.18.0.0/15, 2001:db8::/32, names under
                       .invalid, random hashes: nothing is generated there)
    patterns.txt       every stored value and composite part, lower-cased, one
                       per line: the pattern list of the grep and python baselines
    values.txt         100,000 stored values, for the restSearch latency probe
"""
import ipaddress
import json
import os
import random
import sys


def hit_for(r, typ, value):
    """A query that should match the stored (typ, value)."""
    if typ in ("domain", "hostname") and r.random() < 0.5:
        return "www." + value
    if "/" in value and typ.startswith("ip-"):
        net = ipaddress.ip_network(value, strict=False)
        if net.num_addresses > 2:
            return str(net.network_address + 1 + r.randrange(net.num_addresses - 2))
        return str(net.network_address)
    if typ in ("sha256", "md5") and r.random() < 0.3:
        return value.upper()
    if "|" in typ:
        return value.split("|")[0]
    return value


def miss(r):
    k = r.random()
    if k < 0.35:
        return "198.%d.%d.%d" % (18 + r.randrange(2), r.randrange(256), r.randrange(256))
    if k < 0.45:
        return "2001:db8:%x::%x" % (r.randrange(65536), r.randrange(65536))
    if k < 0.75:
        return "%s.%s.invalid" % ("".join(r.choice("abcdefghijklmnop") for _ in range(8)),
                                  r.choice(["www", "mail", "cdn", "api"]))
    if k < 0.95:
        return "%064x" % r.getrandbits(256)
    return "http://%x.invalid/%x" % (r.getrandbits(40), r.getrandbits(32))


def main():
    src, out = sys.argv[1], sys.argv[2]
    per_event = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    n_queries = int(sys.argv[4]) if len(sys.argv) > 4 else 10000000
    os.makedirs(os.path.join(out, "events"), exist_ok=True)
    r = random.Random(11)
    rows = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            typ, _, value = line.rstrip("\n").partition("\t")
            rows.append((typ, value))
    with open(os.path.join(out, "patterns.txt"), "w", encoding="utf-8") as p:
        for typ, value in rows:
            v = value.lower()
            p.write(v + "\n")
            if "|" in typ:
                a, _, b = v.partition("|")
                p.write(a + "\n" + b + "\n")
    for i in range(0, len(rows), per_event):
        attrs = [{"type": t, "value": v, "to_ids": True} for t, v in rows[i:i + per_event]]
        ev = {"Event": {"info": "lookup bench %d" % (i // per_event), "distribution": 1,
                        "published": True, "Attribute": attrs}}
        with open(os.path.join(out, "events", "%05d.json" % (i // per_event)), "w") as f:
            json.dump(ev, f)
    with open(os.path.join(out, "values.txt"), "w", encoding="utf-8") as f:
        for typ, value in r.sample(rows, min(100000, len(rows))):
            f.write(value + "\n")
    with open(os.path.join(out, "queries.txt"), "w", encoding="utf-8") as f:
        chunk = []
        for i in range(n_queries):
            if r.random() < 0.10:
                typ, value = rows[r.randrange(len(rows))]
                chunk.append(hit_for(r, typ, value))
            else:
                chunk.append(miss(r))
            if len(chunk) == 100000:
                f.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            f.write("\n".join(chunk) + "\n")


if __name__ == "__main__":
    main()
