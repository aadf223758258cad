"""Instance endpoints, authentication and hostile requests."""
import json
import tempfile

import pytest
import requests

from conftest import TEST_DATA, Server


def test_get_version_is_misp_2_5_with_instance_uuid(admin):
    r = admin.get("/servers/getVersion")
    assert r.status_code == 200
    v = r.json()
    assert v["version"].startswith("2.5.")
    assert [int(x) for x in v["version"].split(".")]
    for k in ("pymisp_recommended_version", "perm_sync", "perm_sighting", "uuid",
              "request_encoding", "filter_sightings"):
        assert k in v
    assert len(v["uuid"]) == 36
    assert v["perm_sync"] is True  # site admin


def test_get_version_json_suffix_and_pymisp_version(admin):
    assert admin.get("/servers/getVersion.json").json()["version"].startswith("2.5.")
    r = admin.get("/servers/getPyMISPVersion.json")
    assert r.status_code == 200 and r.json()["version"].startswith("2.5.")


def test_users_view_me_has_user_role_usersetting_organisation(admin):
    r = admin.get("/users/view/me.json")
    assert r.status_code == 200
    me = r.json()
    assert set(["User", "Role", "UserSetting", "Organisation"]) <= set(me)
    assert me["Role"]["perm_site_admin"] is True
    assert me["User"]["email"] == "admin@admin.test"
    for flag in ("perm_add", "perm_modify", "perm_modify_org", "perm_publish", "perm_sync",
                 "perm_admin", "perm_tagger", "perm_sighting", "perm_sharing_group", "perm_auth"):
        assert flag in me["Role"]


def test_describe_types_equals_misp_reference(admin):
    r = admin.get("/attributes/describeTypes.json")
    assert r.status_code == 200
    ref = json.loads((TEST_DATA / "misp/describeTypes.json").read_text())
    got = r.json()
    assert got == ref
    # order matters too: lists compare in order above; check mapping key order
    assert list(got["result"]["sane_defaults"]) == list(ref["result"]["sane_defaults"])
    assert list(got["result"]["category_type_mappings"]) == \
        list(ref["result"]["category_type_mappings"])


def test_missing_key_is_403_json(server):
    r = requests.get(server.url + "/servers/getVersion", timeout=10)
    assert r.status_code == 403
    body = r.json()
    assert "Authentication failed" in body["message"]
    assert body["url"] == "/servers/getVersion"


def test_wrong_key_is_403(server):
    for key in ("x" * 40, "short", "A" * 39 + "!", ""):
        r = requests.get(server.url + "/servers/getVersion",
                         headers={"Authorization": key}, timeout=10)
        assert r.status_code == 403, key


def test_unknown_route_is_404_json(admin):
    r = admin.get("/nothing/here")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["url"] == "/nothing/here"


def test_wrong_method_is_405(admin):
    r = admin.get("/events/add")
    assert r.status_code == 405


def test_malformed_json_reports_line_and_column(admin):
    r = admin.s.post(admin.server.url + "/events/add", data=b'{\n  "info": "x",\n  oops\n}',
                     timeout=10)
    assert r.status_code == 400
    body = r.json()
    assert "line 3" in body["message"]
    assert body["errors"]["line"] == 3
    assert body["errors"]["column"] == 3
    assert body["errors"]["json"]


def test_invalid_utf8_rejected(admin):
    r = admin.s.post(admin.server.url + "/events/add", data=b'{"info": "\xff\xfe"}', timeout=10)
    assert r.status_code == 400


def test_deep_nesting_rejected_without_crash(admin):
    r = admin.s.post(admin.server.url + "/events/add", data=b"[" * 100000 + b"]" * 100000,
                     timeout=30)
    assert r.status_code in (400, 413)


def test_wrong_content_type_is_415(admin):
    r = admin.s.post(admin.server.url + "/events/add", data=b"info=x",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 415


def test_duplicate_keys_last_wins_like_php(admin):
    r = admin.s.post(admin.server.url + "/events/add",
                     data=b'{"info": "first", "info": "second"}', timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["Event"]["info"] == "second"


def test_oversized_body_is_413_and_nothing_written():
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(tmp, args=("--max-body", "2048"))
        try:
            s = srv.session()
            big = {"info": "big", "Attribute": [{"type": "text", "value": "x" * 100}] * 40}
            r = s.post(srv.url + "/events/add", data=json.dumps(big), timeout=10)
            assert r.status_code == 413
            r = s.post(srv.url + "/events/index", json={}, timeout=10)
            assert r.json() == []
        finally:
            assert srv.stop() == 0


def test_head_on_view_answers_200_or_404(admin):
    ev = admin.post("/events/add", {"info": "head test"}).json()["Event"]
    assert admin.head("/events/view/%s" % ev["id"]).status_code == 200
    assert admin.head("/events/view/%s" % ev["uuid"]).status_code == 200
    assert admin.head("/events/view/999999").status_code == 404


def test_oversized_header_is_refused_and_server_survives(server, admin):
    import socket
    from urllib.parse import urlparse
    u = urlparse(server.url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 +
                  b"\r\n\r\n")
        try:
            reply = s.recv(200)
        except (ConnectionResetError, socket.timeout):
            reply = b""
    assert reply == b"" or reply.split()[1] in (b"400", b"413", b"414", b"431")
    assert admin.get("/servers/getVersion").status_code == 200


def test_concurrent_writers_all_succeed(admin):
    import threading
    errors = []
    uuids = []

    def worker(n):
        c = admin.server.session()
        for i in range(15):
            r = c.post(admin.server.url + "/events/add", timeout=60, json={
                "info": "concurrent %d-%d" % (n, i),
                "Attribute": [{"type": "ip-dst", "value": "192.0.2.%d" % (i + 1)}]})
            if r.status_code != 200:
                errors.append(r.text)
            else:
                uuids.append(r.json()["Event"]["uuid"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(uuids)) == 60
    rows = admin.post("/events/index", {"eventinfo": "concurrent %"}).json()
    assert len(rows) >= 60
