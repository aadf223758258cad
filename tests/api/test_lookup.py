"""POST /lookup and `liaison lookup`: match kinds, normalisation, bad input,
acl, and the index staying current after edits and deletes."""
import json
import os
import pathlib
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from conftest import BIN, Client, Server, unique


def tag():
    return uuid.uuid4().hex[:10]


def new_event(client, attrs, **fields):
    body = {"info": "lookup %s" % tag(), "distribution": 1, "Attribute": attrs}
    body.update(fields)
    r = client.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def lookup_text(client, lines, **kw):
    r = client.s.post(client.server.url + "/lookup", data="\n".join(lines).encode(),
                      headers={"Content-Type": "text/plain"}, timeout=60, **kw)
    assert r.status_code == 200, r.text
    return r.json()


def lookup_json(client, values):
    r = client.post("/lookup", values)
    assert r.status_code == 200, r.text
    return r.json()


def kinds(doc, value):
    return sorted((m["kind"], m["indexed"]) for res in doc["results"] if res["value"] == value
                  for m in res["matches"])


def test_match_kinds_and_normalisation(admin):
    t = tag()
    ev = new_event(admin, [
        {"type": "domain", "value": "evil-%s.example" % t},
        {"type": "ip-dst", "value": "10.%d.0.0/16" % (int(t[:2], 16) % 200)},
        {"type": "sha256", "value": ("ab%s" % t).ljust(64, "0")},
        {"type": "domain|ip", "value": "dual-%s.example|192.0.2.77" % t},
        {"type": "url", "value": "http://host-%s.example/Path/To" % t},
        {"type": "ip-src", "value": "2001:db8:%s::1" % t[:4]},
    ])
    net = "10.%d" % (int(t[:2], 16) % 200)
    doc = lookup_json(admin, [
        "evil-%s.example" % t,                  # exact
        "WWW.Evil-%s.Example" % t,              # subdomain, upper case
        "%s.3.4" % net,                         # inside the /16
        ("AB%s" % t).ljust(64, "0"),            # hash, upper case
        "dual-%s.example" % t,                  # composite part
        "http://HOST-%s.example/Path/To" % t,   # URL: host lower-cased, path kept
        "2001:DB8:%s:0:0::1" % t[:4],           # IPv6, not canonical
        "miss-%s.example" % t,                  # nothing
    ])
    assert kinds(doc, "evil-%s.example" % t) == [("exact", "evil-%s.example" % t)]
    sub = [res for res in doc["results"] if res["line"] == 2]
    assert sub and sub[0]["matches"][0]["kind"] == "subdomain"
    assert sub[0]["matches"][0]["indexed"] == "evil-%s.example" % t
    netres = [res for res in doc["results"] if res["line"] == 3]
    assert netres and netres[0]["matches"][0]["kind"] == "network"
    assert [res["line"] for res in doc["results"]] == [1, 2, 3, 4, 5, 6, 7]
    m = doc["results"][0]["matches"][0]
    assert m["event_uuid"] == ev["uuid"] and m["event_info"] == ev["info"]
    assert m["type"] == "domain" and m["to_ids"] is True
    assert doc["results"][4]["matches"][0]["type"] == "domain|ip"
    assert doc["stats"]["values"] == 8 and doc["stats"]["matched"] == 7
    assert doc["stats"]["invalid"] == 0


def test_text_body_counts_invalid_lines_with_numbers(admin):
    t = tag()
    new_event(admin, [{"type": "domain", "value": "txt-%s.example" % t}])
    doc = lookup_text(admin, ["", "txt-%s.example" % t, "two words", "  ", "\x01\x02",
                              "txt-%s.example\r" % t])
    assert [r["line"] for r in doc["results"]] == [2, 6]
    assert doc["stats"]["invalid"] == 2 and doc["stats"]["values"] == 2
    assert [i["line"] for i in doc["invalid"]] == [3, 5]
    assert doc["invalid"][0]["value"] == "two words"


def test_json_body_shapes_and_errors(admin):
    t = tag()
    new_event(admin, [{"type": "md5", "value": ("c%s" % t).ljust(32, "0")}])
    doc = lookup_json(admin, {"values": [("c%s" % t).ljust(32, "0"), 5, None]})
    assert doc["stats"] == {"values": 1, "matched": 1, "matches": 1, "invalid": 2}
    assert [i["line"] for i in doc["invalid"]] == [2, 3]
    r = admin.s.post(admin.server.url + "/lookup", data=b"[1, 2", timeout=30)
    assert r.status_code == 400 and "line 1" in r.json()["message"]
    r = admin.post("/lookup", {"value": "x"})
    assert r.status_code == 400 and "values" in r.json()["errors"]
    r = admin.s.post(admin.server.url + "/lookup", data=b"", timeout=30)
    assert r.status_code == 400
    r = admin.get("/lookup")
    assert r.status_code == 405


def test_lookup_needs_a_key(server):
    r = requests.post(server.url + "/lookup", data=b"1.2.3.4",
                      headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 403


def test_acl_hides_other_orgs_private_values(make_user):
    a = make_user(role_id=3)
    b = make_user(role_id=3)
    t = tag()
    new_event(a, [{"type": "domain", "value": "private-%s.example" % t}], distribution=0)
    new_event(a, [{"type": "domain", "value": "shared-%s.example" % t}], distribution=1,
              published=True)
    q = ["private-%s.example" % t, "shared-%s.example" % t]
    assert len(lookup_json(a, q)["results"]) == 2
    seen = lookup_json(b, q)
    assert [r["value"] for r in seen["results"]] == ["shared-%s.example" % t]


def test_index_follows_edits_and_deletes(admin):
    t = tag()
    ev = new_event(admin, [{"type": "domain", "value": "old-%s.example" % t},
                           {"type": "domain", "value": "soft-%s.example" % t},
                           {"type": "domain", "value": "hard-%s.example" % t}])
    ids = {a["value"].split("-")[0]: a["id"] for a in ev["Attribute"]}
    names = ["old", "new", "soft", "hard", "added"]
    q = ["%s-%s.example" % (n, t) for n in names]

    def hits():
        return sorted(r["value"].split("-")[0] for r in lookup_json(admin, q)["results"])

    assert hits() == ["hard", "old", "soft"]
    r = admin.post("/attributes/edit/%s" % ids["old"], {"value": "new-%s.example" % t})
    assert r.status_code == 200, r.text
    assert hits() == ["hard", "new", "soft"]
    assert admin.post("/attributes/delete/%s" % ids["soft"]).status_code == 200
    assert hits() == ["hard", "new"]
    assert admin.post("/attributes/delete/%s/1" % ids["hard"]).status_code == 200
    assert hits() == ["new"]
    r = admin.post("/attributes/add/%s" % ev["id"],
                   {"type": "domain", "value": "added-%s.example" % t})
    assert r.status_code == 200, r.text
    assert hits() == ["added", "new"]
    assert admin.post("/events/delete/%s" % ev["id"]).status_code == 200
    assert hits() == []


def test_rest_search_by_value_uses_index_semantics(admin):
    t = tag()
    ev = new_event(admin, [{"type": "domain|ip", "value": "rs-%s.example|192.0.2.9" % t}])
    for v in ["rs-%s.example|192.0.2.9" % t, "rs-%s.example" % t, "RS-%s.Example" % t]:
        got = admin.post("/attributes/restSearch", {"value": v}).json()["response"]["Attribute"]
        assert [a["uuid"] for a in got] == [ev["Attribute"][0]["uuid"]], v
    got = admin.post("/events/restSearch", {"value": "rs-%s.example" % t}).json()["response"]
    assert [e["Event"]["uuid"] for e in got] == [ev["uuid"]]
    got = admin.post("/attributes/restSearch",
                     {"value": "rs-%s.ex%%" % t}).json()["response"]["Attribute"]
    assert len(got) == 1  # wildcards stay with the store


def test_large_text_lookup_streams(admin):
    t = tag()
    new_event(admin, [{"type": "ip-dst", "value": "198.51.%d.0/24" % (int(t[:2], 16) % 250)}])
    base = int(t[:2], 16) % 250
    lines = ["198.51.%d.%d" % (base, i % 256) if i % 1000 == 0 else "240.7.%d.%d" % (
        (i >> 8) % 256, i % 256) for i in range(200000)]
    r = admin.s.post(admin.server.url + "/lookup", data="\n".join(lines).encode(),
                     headers={"Content-Type": "text/plain"}, timeout=120)
    assert r.status_code == 200
    assert r.headers.get("Transfer-Encoding") == "chunked"
    doc = r.json()
    assert doc["stats"]["values"] == 200000
    assert doc["stats"]["matched"] == 200
    assert all(res["matches"][0]["kind"] == "network" for res in doc["results"])


@pytest.fixture(scope="module")
def small_server():
    tmp = tempfile.mkdtemp(prefix="liaison-lookup-")
    srv = Server(tmp, args=("--lookup-max-body", "2048"))
    yield srv
    srv.stop()


def test_lookup_body_limit_413(small_server):
    c = Client(small_server)
    r = c.s.post(small_server.url + "/lookup", data=b"1.2.3.4\n" * 1000,
                 headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 413
    assert "lookup_max_body" in r.json()["message"]
    assert lookup_text(c, ["1.2.3.4"])["stats"]["values"] == 1


def run_cli(*args, stdin=None):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", LIAISON_LOG_LEVEL="warn")
    return subprocess.run([BIN, "lookup", *args], input=stdin, capture_output=True,
                          timeout=120, env=env)


def test_cli_local_remote_and_extract(server, admin, tmp_path):
    t = tag()
    ev = new_event(admin, [{"type": "domain", "value": "cli-%s.example" % t},
                           {"type": "ip-dst", "value": "192.0.2.%d" % (int(t[:2], 16) % 250)}])
    ip = "192.0.2.%d" % (int(t[:2], 16) % 250)
    f = tmp_path / "in.txt"
    f.write_text("cli-%s.example\nnot an observable\nwww.cli-%s.example\nmiss-%s.example\n" % (
        t, t, t))
    local = run_cli("--db", server.db, "-f", str(f))
    assert local.returncode == 0, local.stderr
    rows = [l.split("\t") for l in local.stdout.decode().splitlines()]
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("1", "exact", "cli-%s.example" % t), ("3", "subdomain", "cli-%s.example" % t)]
    assert rows[0][5] == ev["uuid"]
    assert b"line 2: not an observable" in local.stderr

    tsv = run_cli("--url", server.url, "--key", server.admin_key, "-f", str(f))
    assert tsv.returncode == 0, tsv.stderr
    assert tsv.stdout == local.stdout
    assert b"line 2: not an observable" in tsv.stderr
    assert b"3 values, 2 matched (2 matches), 1 lines without an observable" in tsv.stderr

    remote = run_cli("--url", server.url, "--key", server.admin_key, "-f", str(f), "--json")
    assert remote.returncode == 0, remote.stderr
    doc = json.loads(remote.stdout)
    assert [r["line"] for r in doc["results"]] == [1, 3]
    assert doc["stats"]["invalid"] == 1

    log = ("Nov 24 03:00:01 gw sshd[77]: Failed password for root from %s port 22\n"
           "Nov 24 03:00:02 gw proxy: GET http://cli-%s.example/x?y=1 from 10.9.9.9\n" % (ip, t))
    ext_remote = run_cli("--url", server.url, "--key", "@" + str(server.dir / "admin.key"),
                         "--extract", stdin=log.encode())
    assert ext_remote.returncode == 0, ext_remote.stderr
    ext = run_cli("--db", server.db, "--extract", stdin=log.encode())
    assert ext_remote.stdout == ext.stdout
    assert ext.returncode == 0, ext.stderr
    got = sorted((l.split("\t")[0], l.split("\t")[2]) for l in ext.stdout.decode().splitlines())
    assert ("1", "exact") in got
    nothing = run_cli("--db", server.db, stdin=b"miss-%s.example\n" % t.encode())
    assert nothing.returncode == 1 and nothing.stdout == b""
    bad = run_cli("--db", str(tmp_path / "none.db"), stdin=b"x\n")
    assert bad.returncode == 2 and b"no database" in bad.stderr


def test_cli_import_by_another_process_reaches_the_index(server, admin, tmp_path):
    t = tag()
    ev = {"Event": {"info": "imported %s" % t, "distribution": 1,
                    "Attribute": [{"type": "domain", "value": "imp-%s.example" % t}]}}
    f = tmp_path / "ev.json"
    f.write_text(json.dumps(ev))
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", LIAISON_LOG_LEVEL="warn")
    r = subprocess.run([BIN, "import", "--db", server.db, str(f)], capture_output=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 10
    while time.time() < deadline:
        if lookup_json(admin, ["imp-%s.example" % t])["results"]:
            break
        time.sleep(0.2)
    assert lookup_json(admin, ["imp-%s.example" % t])["results"], "not indexed within 10 s"


def test_tsv_format(admin):
    t = tag()
    ev = new_event(admin, [{"type": "domain", "value": "tsv-%s.example" % t}])
    r = admin.s.post(admin.server.url + "/lookup?format=tsv",
                     data=("x y\nwww.tsv-%s.example\n" % t).encode(),
                     headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/tab-separated-values")
    lines = r.text.splitlines()
    assert lines[0].split("\t")[:6] == ["2", "www.tsv-%s.example" % t, "subdomain",
                                          "tsv-%s.example" % t, "domain", ev["uuid"]]
    assert lines[1] == "# stats values=1 matched=1 matches=1 invalid=1"
    assert lines[2] == "# invalid line=1 value=x y"
    r = admin.s.post(admin.server.url + "/lookup?format=xml", data=b"1.2.3.4",
                     headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 400 and "format" in r.json()["errors"]
