#!/usr/bin/python3
"""Indicators for the index benchmark: "type<TAB>value" lines, canonical form.

    gen_index.py MALTRAIL_DIR COUNT > indicators.tsv

First every trail of Maltrail's static lists that Liaison would accept, typed and
filtered by bench/ingest/gen.py's rules (ip-dst, ip-dst|port, url, domain; ~1.76 M),
brought to the canonical form the type table gives (ip|port with '|', lower-case
IDNA domains without the trailing dot, /32 written as the address).  Then
generated indicators, from a fixed seed, until COUNT lines: IPv4 addresses,
IPv4 networks (mostly /24, some /16-/23 and /25-/31, a few /8-/15), IPv6 addresses
and networks, domains and host names, sha256, md5 and URLs.  Nothing is generated
inside 198.18.0.0/15 or 2001:db8::/32, or under the ".invalid" TLD, so the
benchmark can draw misses from there.
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ingest"))
import gen  # noqa: E402  (bench/ingest/gen.py: trail parsing and validation rules)

TLDS = ["com", "net", "org", "ru", "cn", "info", "xyz", "top", "de", "io", "co.uk", "com.br",
        "biz", "online", "site", "club", "fr", "nl", "in", "tk"]
WORDS = ["mail", "secure", "login", "update", "cdn", "api", "bank", "pay", "account", "web",
         "portal", "static", "app", "cloud", "verify", "support", "shop", "news", "host", "srv"]
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"


def canonical(kind, value):
    if kind == "ip-dst|port":
        ip, port = value.rsplit(":", 1)
        return ip + "|" + port
    if kind == "ip-dst" and value.endswith("/32"):
        return value[:-3]
    if kind == "domain":
        name = value.strip(".").lower()
        if not name.isascii():
            name = name.encode("idna").decode("ascii")
        return name
    return value


def maltrail(root):
    for rel in gen.trail_files(root):
        for trail in gen.trails(os.path.join(root, rel)):
            kind, reason = gen.classify(trail)
            if reason is None:
                yield kind, canonical(kind, trail)


def ipv4(r):
    while True:
        a = r.getrandbits(32)
        top = a >> 24
        if top in (0, 10, 127) or top >= 224 or (a >> 17) == (198 << 7 | 18 >> 1):
            continue
        return a


def dotted(a):
    return "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)


BENCH_NET = (198 << 24 | 18 << 16, 15)  # 198.18.0.0/15: where misses are drawn


def cidr4(r):
    while True:
        x = r.random()
        if x < 0.65:
            n = 24
        elif x < 0.897:
            n = r.randint(16, 23)
        elif x < 0.9:
            n = r.randint(8, 15)
        else:
            n = r.randint(25, 31)
        a = ipv4(r) & ~((1 << (32 - n)) - 1) & 0xffffffff
        shorter = min(n, BENCH_NET[1])
        if a >> (32 - shorter) != BENCH_NET[0] >> (32 - shorter):
            return "%s/%d" % (dotted(a), n)


def ipv6(r):
    prefix = r.choice([0x2001, 0x2a00, 0x2a01, 0x2a02, 0x2400, 0x2600, 0x2804, 0x2c0f])
    while True:
        rest = r.getrandbits(112)
        if not (prefix == 0x2001 and rest >> 96 == 0x0db8):
            break
    groups = [prefix] + [(rest >> (16 * i)) & 0xffff for i in range(6, -1, -1)]
    if r.random() < 0.5:  # many real addresses end in zeros and ::1
        groups[4:7] = [0, 0, 0]
    return groups


def v6text(groups):
    # RFC 5952 (what inet_ntop gives): longest run of >= 2 zero groups as "::"
    best, best_len, i = -1, 1, 0
    while i < 8:
        if groups[i] == 0:
            j = i
            while j < 8 and groups[j] == 0:
                j += 1
            if j - i > best_len:
                best, best_len = i, j - i
            i = j
        else:
            i += 1
    if best < 0:
        return ":".join("%x" % g for g in groups)
    left = ":".join("%x" % g for g in groups[:best])
    right = ":".join("%x" % g for g in groups[best + best_len:])
    return left + "::" + right


def cidr6(r):
    n = r.choice([32, 48, 48, 56, 64, 64, 64])
    g = ipv6(r)
    bits = 0
    for x in g:
        bits = bits << 16 | x
    bits &= ~((1 << (128 - n)) - 1)
    return "%s/%d" % (v6text([(bits >> (16 * i)) & 0xffff for i in range(7, -1, -1)]), n)


def label(r, lo=4, hi=14):
    return "".join(r.choices(ALNUM, k=r.randint(lo, hi)))


def domain(r):
    x = r.random()
    base = label(r) + "." + r.choice(TLDS)
    if x < 0.6:
        return base
    if x < 0.9:
        return r.choice(WORDS) + "." + base
    return label(r, 3, 8) + "." + r.choice(WORDS) + "." + base


def url(r):
    path = "/".join(label(r, 2, 10) for _ in range(r.randint(1, 3)))
    if r.random() < 0.3:
        path += "/" + label(r, 4, 8).capitalize() + ".php?id=" + str(r.getrandbits(20))
    return r.choice(["http", "https"]) + "://" + domain(r) + "/" + path


def main():
    root, count = sys.argv[1], int(sys.argv[2])
    out = sys.stdout
    n = 0
    for kind, value in maltrail(root):
        if n == count:
            return
        out.write("%s\t%s\n" % (kind, value))
        n += 1
    r = random.Random(20240611)
    mix = [("ip-dst", lambda: dotted(ipv4(r)), 0.32),
           ("ip-dst", lambda: cidr4(r), 0.03),
           ("ip-dst", lambda: v6text(ipv6(r)), 0.05),
           ("ip-src", lambda: cidr6(r), 0.005),
           ("domain", lambda: domain(r), 0.225),
           ("hostname", lambda: domain(r), 0.075),
           ("sha256", lambda: "%064x" % r.getrandbits(256), 0.17),
           ("md5", lambda: "%032x" % r.getrandbits(128), 0.04),
           ("url", lambda: url(r), 0.085)]
    kinds = [m[0] for m in mix]
    makers = [m[1] for m in mix]
    weights = [m[2] for m in mix]
    while n < count:
        picks = r.choices(range(len(mix)), weights, k=min(100000, count - n))
        out.write("".join("%s\t%s\n" % (kinds[i], makers[i]()) for i in picks))
        n += len(picks)


if __name__ == "__main__":
    main()
