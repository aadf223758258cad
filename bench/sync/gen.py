#!/usr/bin/python3
"""Generates the sync benchmark's data: published MISP events for node A.

    gen.py OUT_DIR EVENTS ATTRIBUTES_PER_EVENT

Every event is published, distribution 3 (all communities), tagged tlp:clear
plus one of a few taxonomy tags, with fixed uuids, dates and timestamps (a
seeded generator: the same arguments give the same bytes).  Attributes mix the
types a CERT's events hold, in these shares:

    ip-dst 25 %, domain 15 %, url 15 %, sha256 10 %, md5 10 %, sha1 5 %,
    ip-src 5 %, hostname 5 %, email-src 5 %, filename 5 %

Every value is unique over the whole data set (each is built from the
attribute's global number), so nothing correlates and the index holds one
entry per attribute.  One attribute in twenty has a comment, one in ten
to_ids differs from the type's default.

Writes, under OUT_DIR:
    events/NNN.json   lists of 100 events each ({"Event": {...}}), for
                      liaison import (which reads a file whole)
    manifest.json     counts: events, attributes, attributes by type
"""
import hashlib
import json
import os
import random
import sys
import uuid

WORDS = ("update", "secure", "login", "cdn", "mail", "cloud", "portal", "account", "verify",
         "static", "files", "office", "bank", "pay", "track", "stats", "api", "sync")
TLDS = ("com", "net", "org", "info", "top", "xyz", "ru", "cn", "io", "biz")
TAGS = ('misp-galaxy:threat-actor="Sofacy"', 'circl:incident-classification="malware"',
        'kill-chain:Delivery', 'veris:action:hacking:variety="Brute force"')
SHARES = (("ip-dst", 25), ("domain", 15), ("url", 15), ("sha256", 10), ("md5", 10),
          ("sha1", 5), ("ip-src", 5), ("hostname", 5), ("email-src", 5), ("filename", 5))
TYPES = [t for t, share in SHARES for _ in range(share)]  # 100 slots
EPOCH = 1700000000


def ipv4(base, n):
    """A public address: base.0.0.0 + n (n < 2**24 keeps it unique per base)."""
    return "%d.%d.%d.%d" % (base, (n >> 16) & 255, (n >> 8) & 255, n & 255)


def name(rng, n):
    return "%s-%s%x" % (rng.choice(WORDS), rng.choice(WORDS), n)


def value(rng, kind, n):
    if kind == "ip-dst":
        return ipv4(45, n)
    if kind == "ip-src":
        return ipv4(91, n)
    if kind == "domain":
        return "%s.%s" % (name(rng, n), rng.choice(TLDS))
    if kind == "hostname":
        return "%s.%s.%s" % (rng.choice(WORDS), name(rng, n), rng.choice(TLDS))
    if kind == "url":
        return "http://%s.%s/%s/%x.php?id=%d" % (name(rng, n), rng.choice(TLDS),
                                                  rng.choice(WORDS), n, rng.randrange(1 << 20))
    if kind == "email-src":
        return "%s@%s.%s" % (rng.choice(WORDS), name(rng, n), rng.choice(TLDS))
    if kind == "filename":
        return "%s_%x.%s" % (rng.choice(WORDS), n, rng.choice(("exe", "dll", "js", "docm")))
    algo = {"sha256": hashlib.sha256, "md5": hashlib.md5, "sha1": hashlib.sha1}[kind]
    return algo(b"liaison-bench-sync-%d" % n).hexdigest()


def make_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def main():
    out, n_events, per_event = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(20240607)
    os.makedirs(os.path.join(out, "events"), exist_ok=True)
    by_type = {}
    n = 0
    batch = []
    for e in range(n_events):
        ts = EPOCH + e * 60
        attrs = []
        for _ in range(per_event):
            kind = TYPES[n % len(TYPES)]
            by_type[kind] = by_type.get(kind, 0) + 1
            at = {"type": kind, "value": value(rng, kind, n), "uuid": make_uuid(rng),
                  "timestamp": str(ts - rng.randrange(3600))}
            if n % 20 == 0:
                at["comment"] = "seen in %s campaign" % rng.choice(WORDS)
            if n % 10 == 0:
                at["to_ids"] = kind in ("filename", "email-src")
            attrs.append(at)
            n += 1
        batch.append({"Event": {
            "info": "Campaign %04d: %s infrastructure" % (e, rng.choice(WORDS)),
            "uuid": make_uuid(rng), "date": "2023-%02d-%02d" % (1 + e % 12, 1 + e % 28),
            "distribution": "3", "threat_level_id": str(1 + e % 4), "analysis": "2",
            "published": True, "timestamp": str(ts), "publish_timestamp": str(ts),
            "Tag": [{"name": "tlp:clear"}, {"name": TAGS[e % len(TAGS)]}],
            "Attribute": attrs}})
        if len(batch) == 100 or e == n_events - 1:
            path = os.path.join(out, "events", "%03d.json" % (e // 100))
            with open(path, "w", encoding="utf-8") as f:
                json.dump(batch, f, separators=(",", ":"))
            batch = []
    manifest = {"events": n_events, "attributes": n, "types": by_type}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
