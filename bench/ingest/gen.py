#!/usr/bin/python3
"""Turns Maltrail's static trail lists into MISP events for the ingest benchmark.

    gen.py MALTRAIL_DIR OUT_DIR [LIMIT]

One event per trail file (malicious/, malware/, suspicious/ and the top-level
*.txt files, in sorted path order; LIMIT keeps the first LIMIT files), one
attribute per trail.  A trail is a line with its '#' comment and surrounding
whitespace stripped; its type comes from its shape:

    192.0.2.1            ip-dst
    192.0.2.0/24         ip-dst
    192.0.2.1:8080       ip-dst|port
    anything with '/'    url
    anything else        domain

Liaison validates values strictly (src/core/types.c), so trails it would
refuse are dropped here by a deliberately simple check of the same rules, and
the drops are counted by reason: IPv4 with leading zeros or octets above 255,
ports outside 1-65535, URLs without a host ("/path/file.apk": Liaison takes a
url written without a scheme only as host/path), and names that are not DNS
names (labels of letters, digits, '-' and '_', at most 63 characters, a last
label of two or more characters without '_').  Non-ASCII names are kept when
they hold only letters, marks and digits beyond ASCII and Python's IDNA codec
can encode them; the server converts them itself.

Writes, under OUT_DIR:
    events/NNNNN.json  one bare MISP event each ({"info", "Attribute"}), the
                       body for POST /events/add and a file for liaison import
    attrs.sql          the same (event, type, value) rows as INSERT statements
                       in one transaction, for the sqlite3 baseline
    manifest.json      counts: files, events, attributes, drops by reason
"""
import json
import os
import re
import sys
import unicodedata

IPV4 = r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})"
RE_IPV4 = re.compile(r"^" + IPV4 + r"$")
RE_CIDR = re.compile(r"^" + IPV4 + r"/(\d{1,2})$")
RE_IP_PORT = re.compile(r"^" + IPV4 + r":(\d{1,5})$")
RE_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
RE_LABEL = re.compile(r"^[a-z0-9_\-]{1,63}$")
RE_LAST_LABEL = re.compile(r"^[a-z0-9\-]{2,63}$")
RE_BARE_HOST = re.compile(r"^[A-Za-z0-9_\-\x80-\U0010ffff]+(\.[A-Za-z0-9_\-\x80-\U0010ffff]+)+\.?$")
RE_HOST_PORT = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*\.[A-Za-z0-9+.\-]*:[0-9]+(?:[/?#]|$)")
RE_PORT = re.compile(r"^[0-9]+$")


def trail_files(root):
    """Trail files in a stable order: the top-level lists, then each folder."""
    files = sorted(f for f in os.listdir(root) if f.endswith(".txt"))
    for sub in ("malicious", "malware", "suspicious"):
        folder = os.path.join(root, sub)
        files += sorted(os.path.join(sub, f) for f in os.listdir(folder) if f.endswith(".txt"))
    return files


def trails(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                continue
            trail = line.split("#", 1)[0].strip()
            if trail:
                yield trail


def ipv4_ok(groups):
    return all(len(g) == 1 or g[0] != "0" for g in groups) and all(int(g) <= 255 for g in groups)


def domain_ok(name):
    name = name.strip(".").lower()
    if not name.isascii():
        if any(not ch.isascii() and unicodedata.category(ch)[0] not in "LMN" for ch in name):
            return False
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    if len(name) > 253:
        return False
    labels = name.split(".")
    return (len(labels) >= 2 and all(RE_LABEL.match(label) for label in labels)
            and RE_LAST_LABEL.match(labels[-1]) is not None)


def authority_ok(s, bare):
    """The "[userinfo@]host[:port]" that starts s, as url_authority() checks it."""
    authority = re.split(r"[/?#]", s, maxsplit=1)[0]
    if "@" in authority:
        if bare:
            return False
        authority = authority.rsplit("@", 1)[1]
    name, colon, port = authority.partition(":")
    if name.startswith("[") or " " in name or not name:
        return False
    if bare and not RE_BARE_HOST.match(name):
        return False
    return not colon or port == "" or (RE_PORT.match(port) is not None and int(port) <= 65535)


def url_ok(url):
    if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in url):
        return False
    m = RE_SCHEME.match(url)
    if m and not RE_HOST_PORT.match(url):
        rest = url[m.end():]
        if rest.startswith("//"):
            return authority_ok(rest[2:], False)
        return rest != ""
    return authority_ok(url[2:] if url.startswith("//") else url, True)


def classify(trail):
    """Returns (type, reason): reason is None when the trail is kept."""
    m = RE_IPV4.match(trail)
    if m:
        return "ip-dst", None if ipv4_ok(m.groups()) else "bad ipv4"
    m = RE_CIDR.match(trail)
    if m:
        ok = ipv4_ok(m.groups()[:4]) and int(m.group(5)) <= 32
        return "ip-dst", None if ok else "bad cidr"
    m = RE_IP_PORT.match(trail)
    if m:
        ok = ipv4_ok(m.groups()[:4]) and 1 <= int(m.group(5)) <= 65535 and \
            (len(m.group(5)) == 1 or m.group(5)[0] != "0")
        return "ip-dst|port", None if ok else "bad ip:port"
    if "/" in trail:
        if trail.startswith("/") and not trail.startswith("//"):
            return "url", "url without host"
        return "url", None if url_ok(trail) else "bad url"
    return "domain", None if domain_ok(trail) else "bad domain"


def sql_text(s):
    return "'" + s.replace("'", "''") + "'"


def main():
    root, out = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else 0
    files = trail_files(root)
    if limit > 0:
        files = files[:limit]
    os.makedirs(os.path.join(out, "events"), exist_ok=True)
    drops = {}
    n_events = n_attrs = 0
    with open(os.path.join(out, "attrs.sql"), "w", encoding="utf-8") as sql:
        sql.write("CREATE TABLE attr(id INTEGER PRIMARY KEY, event INTEGER, type TEXT, "
                  "value TEXT);\nCREATE INDEX attr_value ON attr(value);\nBEGIN;\n")
        for rel in files:
            attrs = []
            for trail in trails(os.path.join(root, rel)):
                kind, reason = classify(trail)
                if reason is None:
                    attrs.append({"type": kind, "value": trail})
                else:
                    drops[reason] = drops.get(reason, 0) + 1
            if not attrs:
                drops["empty file"] = drops.get("empty file", 0) + 1
                continue
            n_events += 1
            n_attrs += len(attrs)
            event = {"info": "Maltrail " + rel[:-4], "Attribute": attrs}
            path = os.path.join(out, "events", "%05d.json" % n_events)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(event, f, ensure_ascii=False, separators=(",", ":"))
            for a in attrs:
                sql.write("INSERT INTO attr(event,type,value) VALUES(%d,%s,%s);\n"
                          % (n_events, sql_text(a["type"]), sql_text(a["value"])))
        sql.write("COMMIT;\n")
    manifest = {"files": len(files), "events": n_events, "attributes": n_attrs, "dropped": drops}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
