"""`liaison export`: the events of a database as MISP JSON that `liaison import`
reads back into another database without loss (uuids, timestamps, values,
tags, objects, references, deleted flags).  Runs the CLI against temporary
databases, as an operator's script would."""
import json
import os
import subprocess
import uuid

import pytest

from conftest import BIN, db_args

SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
LOCAL = {"id", "event_id", "object_id", "org_id", "orgc_id", "user_id", "Org",
         "attribute_count", "referenced_id", "tag_id"}


def run(*args, db, org="CERT-Test", stdin=None):
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", LIAISON_LOG_LEVEL="warn",
               LIAISON_ORG_NAME=org)
    return subprocess.run([BIN, *args, *db_args(db)], capture_output=True, timeout=120,
                          env=env, input=stdin)


def fresh(tmp_path, name, org):
    db = tmp_path / name / "liaison.db"
    assert run("init", db=db, org=org).returncode == 0
    return db


def events():
    creator = {"name": "CERT-Elsewhere", "uuid": str(uuid.uuid4())}
    ip = str(uuid.uuid4())
    return [
        {"Event": {
            "info": "published, with everything", "uuid": str(uuid.uuid4()),
            "timestamp": "1700000100", "published": True, "publish_timestamp": "1700000200",
            "distribution": "3", "threat_level_id": "2", "analysis": "1", "date": "2023-11-14",
            "Orgc": creator, "Tag": [{"name": "tlp:green"}, {"name": "kill-chain:delivery"}],
            "Attribute": [
                {"type": "ip-dst", "value": "198.51.100.7", "uuid": ip, "to_ids": True,
                 "timestamp": "1700000001", "comment": "C2", "Tag": [{"name": "c2"}]},
                {"type": "domain", "value": "evil.example", "uuid": str(uuid.uuid4()),
                 "timestamp": "1700000002", "deleted": True},
                {"type": "url", "value": "https://evil.example/a?b=\u00e9", "distribution": "1",
                 "uuid": str(uuid.uuid4()), "timestamp": "1700000003"}],
            "Object": [{
                "name": "file", "uuid": str(uuid.uuid4()), "timestamp": "1700000004",
                "Attribute": [{"type": "sha256", "object_relation": "sha256", "value": SHA,
                               "uuid": str(uuid.uuid4()), "timestamp": "1700000005"}],
                "ObjectReference": [{"uuid": str(uuid.uuid4()), "referenced_uuid": ip,
                                     "relationship_type": "connects-to",
                                     "timestamp": "1700000006"}]}]}},
        {"Event": {"info": "draft", "uuid": str(uuid.uuid4()), "timestamp": "1700000300",
                   "distribution": "0",
                   "Attribute": [{"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e",
                                  "uuid": str(uuid.uuid4()), "timestamp": "1700000301"}]}},
    ]


EVENTS = events()


def strip(x):
    """x without what differs between databases by design: local ids, the
    owner, and whether the creator organisation is the node's own."""
    if isinstance(x, dict):
        return {k: (strip(v) if k != "Orgc" else {"uuid": v["uuid"], "name": v["name"]})
                for k, v in x.items() if k not in LOCAL}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


@pytest.fixture
def source(tmp_path):
    db = fresh(tmp_path, "a", "CERT-A")
    src = tmp_path / "events.json"
    src.write_text(json.dumps(EVENTS))
    r = run("import", str(src), db=db, org="CERT-A")
    assert r.returncode == 0, r.stderr
    return db


def test_export_import_round_trip_is_lossless(source, tmp_path):
    out = run("export", db=source, org="CERT-A")
    assert out.returncode == 0, out.stderr
    assert out.stderr.decode().strip() == "exported 2 events, 5 attributes"
    doc = json.loads(out.stdout)
    sent = {e["Event"]["uuid"]: e["Event"] for e in EVENTS}
    got = {e["Event"]["uuid"]: e["Event"] for e in doc["response"]}
    assert got.keys() == sent.keys()
    for u, e in sent.items():
        g = got[u]
        assert g["timestamp"] == e["timestamp"] and g["info"] == e["info"]
        assert {a["uuid"]: (a["type"], a["value"], a["timestamp"], a.get("deleted", False))
                for a in g["Attribute"]} == \
            {a["uuid"]: (a["type"], a["value"], a["timestamp"], a.get("deleted", False))
             for a in e["Attribute"]}

    db = fresh(tmp_path, "b", "CERT-B")
    r = run("import", db=db, org="CERT-B", stdin=out.stdout)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "imported 2 events, 5 attributes"
    again = run("export", db=db, org="CERT-B")
    assert again.returncode == 0, again.stderr
    assert strip(json.loads(again.stdout)) == strip(doc)
    first = got[EVENTS[0]["Event"]["uuid"]]
    assert first["Orgc"] == dict(first["Orgc"], **EVENTS[0]["Event"]["Orgc"])


def test_export_streams_one_event_per_line(source):
    out = run("export", db=source, org="CERT-A")
    lines = out.stdout.decode().splitlines()
    assert lines[0] == '{"response":[' and lines[-1] == "]}"
    assert len(lines) == 4
    for line in lines[1:-1]:
        assert json.loads(line.rstrip(","))["Event"]["uuid"]


def test_export_published_only_and_to_file(source, tmp_path):
    path = tmp_path / "published.json"
    r = run("export", "--published", "-o", str(path), db=source, org="CERT-A")
    assert r.returncode == 0 and r.stdout == b"", r.stderr
    doc = json.loads(path.read_text())
    assert [e["Event"]["info"] for e in doc["response"]] == ["published, with everything"]
    assert all(e["Event"]["published"] is True for e in doc["response"])


def test_export_empty_database_imports_as_nothing(tmp_path):
    db = fresh(tmp_path, "empty", "CERT-E")
    out = run("export", db=db, org="CERT-E")
    assert out.returncode == 0 and json.loads(out.stdout) == {"response": []}
    r = run("import", db=fresh(tmp_path, "other", "CERT-F"), org="CERT-F", stdin=out.stdout)
    assert r.returncode == 0 and r.stdout.decode().strip() == "imported 0 events, 0 attributes"


def test_export_usage_and_write_errors(source, tmp_path):
    assert run("export", "--help", db=source).stdout.startswith(b"usage: liaison export")
    bad = run("export", "--bogus", db=source)
    assert bad.returncode == 2 and b"unexpected argument '--bogus'" in bad.stderr
    missing = tmp_path / "no" / "such" / "dir" / "out.json"
    r = run("export", "-o", str(missing), db=source)
    assert r.returncode == 1 and b"out.json" in r.stderr and not missing.exists()
    if os.path.exists("/dev/full"):
        r = run("export", "-o", "/dev/full", db=source)
        assert r.returncode == 1 and b"/dev/full: No space left" in r.stderr
