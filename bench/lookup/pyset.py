#!/usr/bin/python3
"""Baseline for `liaison lookup`: the same look-up done with a python set.

    pyset.py INDICATORS QUERIES

INDICATORS holds "type<TAB>value" lines, QUERIES one value per line.  Loads
the values (and the parts of composite values) into a set, and the domains
and host names into another, then counts the query lines that are in the first
exactly or, for names, in the second by a parent domain, lower-cased, as
`liaison lookup` does for exact and subdomain matches (network matches are left
out: a set cannot do them).  Prints "matched N of M" and the seconds of
the load and of the look-up on stderr.
"""
import sys
import time


def main():
    t0 = time.monotonic()
    seen, domains = set(), set()
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            typ, _, value = line.rstrip("\n").partition("\t")
            value = value.lower()
            seen.add(value)
            if "|" in typ:
                a, _, b = value.partition("|")
                seen.add(a)
                seen.add(b)
                if typ.startswith(("domain|", "hostname|")):
                    domains.add(a)
            elif typ in ("domain", "hostname"):
                domains.add(value)
    t1 = time.monotonic()
    matched = total = 0
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        for line in f:
            q = line.strip().lower()
            if not q:
                continue
            total += 1
            if q in seen:
                matched += 1
                continue
            if ":" in q or "/" in q or q.replace(".", "").isdigit():
                continue  # addresses and URLs have no parent domains
            dot = q.find(".")
            while dot >= 0:
                if q[dot + 1:] in domains:
                    matched += 1
                    break
                dot = q.find(".", dot + 1)
    t2 = time.monotonic()
    print("matched %d of %d" % (matched, total))
    print("load %.2f s, lookup %.2f s" % (t1 - t0, t2 - t1), file=sys.stderr)


if __name__ == "__main__":
    main()
