#!/usr/bin/python3
"""Writes a JSON array of MISP attribute objects, about SIZE MiB, to stdout.

Deterministic (fixed seed), so runs are comparable.  The shape follows what
MISP's /attributes/restSearch returns: ids and timestamps as strings, booleans,
nulls, a Tag list.  Values vary by type; about one comment in five holds
non-ASCII text, some written raw and some as \\u escapes, and some strings
carry quotes, backslashes, newlines and PHP-style escaped slashes, so the
parsers leave their fast paths now and then as they would on real feeds.
"""
import json
import random
import sys
import uuid

size = int(sys.argv[1]) if len(sys.argv) > 1 else 50
target = size * 1024 * 1024
rnd = random.Random(20240229)

CATEGORIES = {
    "ip-dst": "Network activity", "ip-src": "Network activity", "domain": "Network activity",
    "hostname": "Network activity", "url": "Network activity", "md5": "Payload delivery",
    "sha1": "Payload delivery", "sha256": "Payload delivery", "filename": "Payload delivery",
    "email-src": "Payload delivery", "email-subject": "Payload delivery",
    "regkey": "Persistence mechanism", "text": "Other", "AS": "Network activity",
}
TYPES = list(CATEGORIES)
WEIGHTS = [20, 6, 14, 6, 12, 8, 3, 10, 5, 4, 3, 2, 4, 2]
TAGS = ["tlp:green", "tlp:amber", "tlp:white", "tlp:red", "osint:source-type=\"blog-post\"",
        "misp-galaxy:threat-actor=\"APT28\"", "admiralty-scale:source-reliability=\"b\""]
WORDS = ["phishing", "campaign", "botnet", "c2", "dropper", "loader", "observed", "sinkhole",
         "reported", "by", "partner", "CERT", "via", "feed", "infected", "customer", "ISP"]
UNICODE = ["caf\u00e9", "\u00fcber", "\u00e9t\u00e9", "\u0437\u043b\u043e\u0443\u043c\u044b\u0448\u043b\u0435\u043d\u043d\u0438\u043a",
           "\u653b\u51fb\u8005", "\u60aa\u610f\u306e\u3042\u308b", "\U0001F6A8 alert", "na\u00efve",
           "\u0645\u0647\u0627\u062c\u0645"]
TLDS = ["com", "net", "org", "ru", "cn", "info", "xyz", "de", "fr", "io"]


def hexstr(n):
    return "%0*x" % (n, rnd.getrandbits(4 * n))


def domain():
    return "%s%d.%s" % (rnd.choice(WORDS), rnd.randrange(10000), rnd.choice(TLDS))


def value(t):
    if t in ("ip-dst", "ip-src"):
        return "%d.%d.%d.%d" % tuple(rnd.randrange(1, 255) for _ in range(4))
    if t == "domain":
        return domain()
    if t == "hostname":
        return "%s.%s" % (rnd.choice(["mail", "www", "cdn", "update", "api"]), domain())
    if t == "url":
        return "https://%s/%s/%s.php?id=%d" % (domain(), rnd.choice(WORDS), hexstr(8),
                                               rnd.randrange(100000))
    if t == "md5":
        return hexstr(32)
    if t == "sha1":
        return hexstr(40)
    if t == "sha256":
        return hexstr(64)
    if t == "filename":
        return "%s_%s.%s" % (rnd.choice(WORDS), hexstr(6), rnd.choice(["exe", "dll", "doc", "js"]))
    if t == "email-src":
        return "%s@%s" % (rnd.choice(WORDS), domain())
    if t == "email-subject":
        return "Re: %s %s \"%s\"" % (rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice(UNICODE))
    if t == "regkey":
        return "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\%s" % hexstr(6)
    if t == "AS":
        return "AS%d" % rnd.randrange(1, 400000)
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randrange(3, 30)))


def comment():
    r = rnd.random()
    if r < 0.45:
        return ""
    words = [rnd.choice(WORDS) for _ in range(rnd.randrange(2, 14))]
    if r < 0.65:
        words.insert(rnd.randrange(len(words)), rnd.choice(UNICODE))
    elif r < 0.72:
        words.append("\"quoted\"\n\tline")
    return " ".join(words)


def dumps(v, ascii_only):
    s = json.dumps(v, ensure_ascii=ascii_only, separators=(",", ":"))
    return s


out = sys.stdout
out.write("[\n")
written = 2
i = 0
while written < target:
    t = rnd.choices(TYPES, WEIGHTS)[0]
    ts = 1600000000 + rnd.randrange(100000000)
    attr = {
        "id": str(1000 + i), "event_id": str(1 + i // 200), "object_id": "0",
        "object_relation": None, "category": CATEGORIES[t], "type": t,
        "to_ids": rnd.random() < 0.7, "uuid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
        "timestamp": str(ts), "distribution": str(rnd.choice([0, 1, 2, 3, 5])),
        "sharing_group_id": "0", "comment": comment(), "deleted": False,
        "disable_correlation": rnd.random() < 0.05,
        "first_seen": None, "last_seen": None, "value": value(t),
        "Tag": [{"name": rnd.choice(TAGS)} for _ in range(rnd.choice([1, 1, 1, 2, 3]))],
    }
    if rnd.random() < 0.2:
        attr["first_seen"] = "2023-%02d-%02dT10:00:00.000000+00:00" % (rnd.randrange(1, 13),
                                                                       rnd.randrange(1, 29))
    # Some items as PHP's json_encode writes them by default: \uXXXX and \/.
    php = rnd.random() < 0.25
    s = dumps(attr, php)
    if php:
        s = s.replace("/", "\\/")
    if i:
        s = ",\n" + s
    out.write(s)
    written += len(s.encode("utf-8"))
    i += 1
out.write("\n]\n")
