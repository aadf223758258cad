"""Sync links: servers/add, edit, delete, index (the first step of federation)."""
import tempfile
import uuid

import pytest

from conftest import Client, Server, unique

KEY = "A" * 20 + "b" * 19 + "9"


def add(client, **fields):
    body = {"url": "https://peer-%s.example:8443/" % uuid.uuid4().hex[:8], "authkey": KEY,
            "RemoteOrg": {"uuid": str(uuid.uuid4()), "name": unique("peer-org")}}
    body.update(fields)
    return client.post("/servers/add", body)


def test_add_index_edit_delete(admin):
    r = add(admin, name="CERT peer", push=True, pull_rules='{"tags": {"OR": ["tlp:green"]}}')
    assert r.status_code == 200, r.text
    sv = r.json()
    s = sv["Server"]
    assert s["url"].endswith(":8443") and s["name"] == "CERT peer"
    assert s["push"] is True and s["pull"] is False and s["self_signed"] is False
    assert s["authkey"] == "AAAA" + "*" * 36  # never shown in full
    assert s["timeout"] == 60
    assert sv["RemoteOrg"]["id"] == s["remote_org_id"] and sv["RemoteOrg"]["name"]
    assert sv["Organisation"]["id"] == s["org_id"]
    listed = [x for x in admin.get("/servers/index").json() if x["Server"]["id"] == s["id"]]
    assert listed == [sv]
    assert KEY not in admin.get("/servers/index").text

    r = admin.post("/servers/edit/%s" % s["id"], {"Server": {"pull": True, "timeout": 5}})
    assert r.status_code == 200, r.text
    e = r.json()["Server"]
    assert e["pull"] is True and e["push"] is True and e["timeout"] == 5
    assert e["pull_rules"] == '{"tags": {"OR": ["tlp:green"]}}'

    r = admin.post("/servers/delete/%s" % s["id"])
    assert r.status_code == 200 and r.json()["message"] == "Server deleted."
    assert admin.post("/servers/delete/%s" % s["id"]).status_code == 404
    assert admin.post("/servers/edit/%s" % s["id"], {"pull": False}).status_code == 404


def test_remote_org_by_id_or_uuid(admin):
    org = admin.post("/admin/organisations/add", {"name": unique("known-peer")}).json()
    org = org["Organisation"]
    r = add(admin, remote_org_id=org["id"], RemoteOrg=None)
    assert r.status_code == 200, r.text
    assert r.json()["RemoteOrg"]["uuid"] == org["uuid"]
    r = add(admin, RemoteOrg={"uuid": org["uuid"]})
    assert r.status_code == 200, r.text
    assert r.json()["Server"]["remote_org_id"] == org["id"]


def test_bad_input_names_the_field_and_changes_nothing(admin):
    before = len(admin.get("/servers/index").json())
    cases = [
        ({"url": "ftp://x.example"}, "url"),
        ({"url": "https://"}, "url"),
        ({"authkey": "short"}, "authkey"),
        ({"authkey": None}, "authkey"),
        ({"RemoteOrg": None}, "remote_org_id"),
        ({"RemoteOrg": None, "remote_org_id": 999999}, "remote_org_id"),
        ({"RemoteOrg": {"uuid": "nope"}}, "RemoteOrg.uuid"),
        ({"RemoteOrg": {"uuid": str(uuid.uuid4())}}, "RemoteOrg.name"),
        ({"push": "maybe"}, "push"),
        ({"pull_rules": "[1"}, "pull_rules"),
        ({"timeout": 0}, "timeout"),
        ({"cert_file": "/nonexistent/ca.pem"}, "cert_file"),
    ]
    for fields, field in cases:
        r = add(admin, **fields)
        assert r.status_code == 403, (fields, r.text)
        assert r.json()["saved"] is False and field in r.json()["errors"], (fields, r.text)
    assert len(admin.get("/servers/index").json()) == before
    dup = add(admin)
    assert dup.status_code == 200
    again = add(admin, url=dup.json()["Server"]["url"])
    assert again.status_code == 409 and "url" in again.json()["errors"]


def test_only_site_admins(make_user):
    org_admin = make_user(role_id=2)
    sync_user = make_user(role_id=5)
    for c in (org_admin, sync_user):
        assert add(c).status_code == 403
        assert c.get("/servers/index").status_code == 403
        assert c.post("/servers/delete/1").status_code == 403


@pytest.fixture(scope="module")
def peer():
    """A second node, B, with a sync user and a plain user."""
    srv = Server(tempfile.mkdtemp(prefix="liaison-peer-"))
    b = Client(srv)
    keys = {}
    for role, name in ((5, "sync"), (3, "user")):
        r = b.post("/admin/users/add", {"email": unique(name) + "@peer.example", "org_id": 1,
                                        "role_id": role})
        assert r.status_code == 200, r.text
        r = b.post("/auth_keys/add/%s" % r.json()["User"]["id"], {"comment": "sync"})
        keys[name] = r.json()["AuthKey"]["authkey_raw"]
    srv.keys = keys
    yield srv
    srv.stop()


def test_connection(admin, server, peer):
    def status(url, key):
        r = add(admin, url=url, authkey=key)
        assert r.status_code == 200, r.text
        sid = r.json()["Server"]["id"]
        t = admin.post("/servers/testConnection/%s" % sid)
        assert t.status_code == 200, t.text
        admin.post("/servers/delete/%s" % sid)
        return t.json()

    ok = status(peer.url, peer.keys["sync"])
    assert ok["status"] == 1 and ok["message"] == "OK" and ok["perm_sync"] is True
    assert ok["version"].startswith("2.") and len(ok["uuid"]) == 36
    assert status(peer.url, peer.keys["user"])["status"] == 7
    wrong = status(peer.url, "Z" * 40)
    assert wrong["status"] == 4 and wrong["message"] == "Authentication failed"
    assert status(server.url, server.admin_key)["status"] == 8
    gone = status("http://127.0.0.1:9", peer.keys["sync"])
    assert gone["status"] == 2 and gone["error"]
    assert admin.post("/servers/testConnection/999999").status_code == 404


def test_cli_peer(peer, tmp_path):
    import os
    import subprocess
    from conftest import BIN, db_args
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", LIAISON_LOG_LEVEL="warn")
    db = db_args(tmp_path / "node.db")

    def cli(*args):
        return subprocess.run([BIN, "peer", *args, *db], capture_output=True,
                              timeout=60, env=env)

    assert subprocess.run([BIN, "init", *db], capture_output=True, env=env).returncode == 0
    keyfile = tmp_path / "peer.key"
    keyfile.write_text(peer.keys["sync"] + "\n")
    r = cli("add", peer.url + "/", "--key", "@" + str(keyfile), "--remote-org-uuid",
            str(uuid.uuid4()), "--remote-org-name", unique("cli-peer"), "--pull")
    assert r.returncode == 0, r.stderr
    pid = r.stdout.decode().strip()
    listed = cli("list").stdout.decode().splitlines()
    assert listed[0].split() == ["ID", "URL", "PULL", "PUSH", "LAST", "PULL", "LAST", "PUSH",
                                 "NAME"]
    assert listed[1].split()[:6] == [pid, peer.url, "yes", "no", "never", "never"]
    t = cli("test", pid)
    assert t.returncode == 0 and t.stdout.startswith(b"1 OK"), t.stdout + t.stderr
    bad = cli("add", "ftp://x", "--key", "k")
    assert bad.returncode == 2 and b"url" in bad.stderr
    dup = cli("add", peer.url, "--key", peer.keys["sync"], "--remote-org", "1")
    assert dup.returncode == 2 and b"exists already" in dup.stderr
    assert cli("remove", pid).returncode == 0
    assert cli("remove", pid).returncode == 1
    assert len(cli("list").stdout.decode().splitlines()) == 1


def test_events_index_etag(admin):
    """What a pulling peer polls: unchanged answers cost a 304."""
    body = {"minimal": 1, "published": 1}
    r = admin.post("/events/index", body)
    assert r.status_code == 200
    tag = r.headers["ETag"]
    assert tag.startswith('"') and len(tag) == 34
    again = admin.post("/events/index", body, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    ev = admin.post("/events/add", {"info": unique("etag")}).json()["Event"]
    assert admin.post("/events/publish/%s" % ev["id"]).status_code == 200
    changed = admin.post("/events/index", body, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert ev["uuid"] in [e["uuid"] for e in changed.json()]


def test_filter_event_ids_for_push(admin, make_user):
    sync = make_user(role_id=5)
    local = admin.post("/events/add", {"info": unique("local")}).json()["Event"]
    copy_uuid = str(uuid.uuid4())
    r = sync.post("/events/add", {"info": unique("synced"), "uuid": copy_uuid, "locked": True,
                                  "timestamp": "1700000000"})
    assert r.status_code == 200, r.text
    assert r.json()["Event"]["locked"] is True
    unknown = str(uuid.uuid4())

    def offer(pairs):
        r = sync.post("/events/filterEventIdsForPush",
                      [{"Event": {"uuid": u, "timestamp": str(t)}} for u, t in pairs])
        assert r.status_code == 200, r.text
        return r.json()

    newer = int(local["timestamp"]) + 100
    assert offer([(unknown, 1), (local["uuid"], newer), (copy_uuid, 1700000100)]) == [
        unknown, copy_uuid]
    assert offer([(copy_uuid, 1700000000), (copy_uuid.upper(), 1699999999)]) == []
    # a synced copy deleted here is not taken again
    assert admin.post("/events/delete/%s" % copy_uuid).status_code == 200
    assert offer([(copy_uuid, 1700000200)]) == []
    assert offer([]) == []
    r = sync.post("/events/filterEventIdsForPush", [{"Event": {"uuid": unknown}},
                                                   {"Event": {"uuid": "x", "timestamp": 1}}])
    assert r.status_code == 400 and "0.Event.timestamp" in r.json()["errors"]
    r = sync.post("/events/filterEventIdsForPush", {"uuid": unknown})
    assert r.status_code == 400
    assert make_user(role_id=3).post("/events/filterEventIdsForPush", []).status_code == 403
