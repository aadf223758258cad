"""Organisations, users, roles, API keys (REST and CLI)."""
import os
import subprocess
import tempfile
import uuid

import requests

from conftest import BIN, Server, db_args, unique


def test_org_add_view_index_and_duplicate(admin):
    name = unique("CERT")
    ou = str(uuid.uuid4())
    r = admin.post("/admin/organisations/add", {"Organisation": {"name": name, "uuid": ou,
                                                                 "nationality": "LU"}})
    assert r.status_code == 200, r.text
    org = r.json()["Organisation"]
    assert org["uuid"] == ou and org["nationality"] == "LU"
    assert admin.get("/organisations/view/%s" % org["id"]).json()["Organisation"]["name"] == name
    assert admin.get("/organisations/view/%s" % ou).status_code == 200
    names = [o["Organisation"]["name"] for o in admin.get("/organisations/index").json()]
    assert name in names
    assert admin.post("/admin/organisations/add", {"name": name}).status_code == 409
    assert admin.post("/admin/organisations/add", {"description": "x"}).status_code == 403
    assert admin.get("/organisations/view/9999999").status_code == 404


def test_roles_index_has_misp_defaults(admin):
    roles = {r["Role"]["name"]: r["Role"] for r in admin.get("/roles/index").json()}
    assert set(roles) >= {"admin", "Org Admin", "User", "Publisher", "Sync user", "Read Only"}
    assert roles["Sync user"]["perm_sync"] is True
    assert roles["Read Only"]["perm_add"] is False
    assert roles["User"]["default_role"] is True


def test_user_add_edit_delete(admin, make_user):
    c = make_user()
    uid = c.user["id"]
    r = admin.post("/admin/users/edit/%s" % uid, {"role_id": 4})
    assert r.status_code == 200 and r.json()["User"]["role_id"] == "4"
    assert c.get("/users/view/me").json()["Role"]["perm_publish"] is True
    r = admin.post("/admin/users/add", {"email": c.user["email"], "org_id": c.org_id})
    assert r.status_code == 409
    r = admin.post("/admin/users/add", {"email": "nobody", "org_id": c.org_id})
    assert r.status_code == 403 and r.json()["saved"] is False
    r = admin.post("/admin/users/add", {"email": unique("x") + "@x.org", "org_id": 99999})
    assert r.status_code == 403 and "org_id" in r.text
    r = admin.post("/admin/users/delete/%s" % uid)
    assert r.status_code == 200
    assert c.get("/servers/getVersion").status_code == 403


def test_regular_user_cannot_administer(make_user):
    c = make_user(role_id=3)
    assert c.post("/admin/organisations/add", {"name": unique("o")}).status_code == 403
    assert c.post("/admin/users/add", {"email": unique("u") + "@x.org"}).status_code == 403


def test_org_admin_manages_only_own_org(admin, make_user):
    oa = make_user(role_id=2)
    other = make_user(role_id=3)
    r = oa.post("/admin/users/add", {"email": unique("mine") + "@x.org"})
    assert r.status_code == 200
    assert r.json()["User"]["org_id"] == str(oa.org_id)
    r = oa.post("/admin/users/add", {"email": unique("theirs") + "@x.org",
                                     "org_id": other.org_id})
    assert r.status_code == 403
    assert oa.post("/admin/users/edit/%s" % other.user["id"], {"disabled": 1}).status_code == 404
    r = oa.post("/admin/users/add", {"email": unique("sa") + "@x.org", "role_id": 1})
    assert r.status_code == 403


def test_key_create_and_revoke(admin, make_user):
    c = make_user()
    assert c.get("/users/view/me").status_code == 200
    r = c.post("/auth_keys/add/%s" % c.user["id"], {"comment": "second"})
    assert r.status_code == 200
    second = r.json()["AuthKey"]
    assert len(second["authkey_raw"]) == 40
    assert second["authkey_start"] == second["authkey_raw"][:4]
    r = admin.post("/auth_keys/delete/%s" % c.key_id)
    assert r.status_code == 200 and r.json()["message"] == "AuthKey deleted."
    assert c.get("/users/view/me").status_code == 403
    s = requests.get(c.server.url + "/users/view/me",
                     headers={"Authorization": second["authkey_raw"]}, timeout=10)
    assert s.status_code == 200


def test_expired_key_is_refused(admin, make_user):
    c = make_user()
    r = admin.post("/auth_keys/add/%s" % c.user["id"], {"expiration": 1000})
    raw = r.json()["AuthKey"]["authkey_raw"]
    s = requests.get(c.server.url + "/users/view/me", headers={"Authorization": raw}, timeout=10)
    assert s.status_code == 403


def run_cli(*args, db, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN, *args, *db_args(db)], capture_output=True, text=True, timeout=60,
                          env=e)


def test_cli_org_user_key_and_api_agree():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "cli.db")
        r = run_cli("init", db=db)
        assert r.returncode == 0, r.stderr
        assert oct(os.stat(os.path.join(tmp, "admin.key")).st_mode & 0o777) == "0o600"
        r = run_cli("org", "add", "CLI-CERT", db=db)
        assert r.returncode == 0, r.stderr
        r = run_cli("user", "add", "analyst@cli.example", "--org", "CLI-CERT", "--role", "4",
                    db=db)
        assert r.returncode == 0, r.stderr
        r = run_cli("key", "create", "analyst@cli.example", db=db)
        assert r.returncode == 0, r.stderr
        key = r.stdout.strip()
        assert len(key) == 40
        r = run_cli("user", "add", "x@cli.example", "--org", "nope", db=db)
        assert r.returncode != 0 and "--org" in r.stderr
        srv = Server(tmp, db_name="cli.db")
        try:
            me = requests.get(srv.url + "/users/view/me", headers={"Authorization": key},
                              timeout=10).json()
            assert me["User"]["email"] == "analyst@cli.example"
            assert me["Organisation"]["name"] == "CLI-CERT"
            assert me["Role"]["name"] == "Publisher"
        finally:
            assert srv.stop() == 0
        r = run_cli("key", "list", "analyst@cli.example", db=db)
        key_id = r.stdout.split()[0]
        r = run_cli("key", "revoke", key_id, db=db)
        assert r.returncode == 0, r.stderr
        srv = Server(tmp, db_name="cli.db")
        try:
            s = requests.get(srv.url + "/users/view/me", headers={"Authorization": key},
                             timeout=10)
            assert s.status_code == 403
        finally:
            assert srv.stop() == 0


def test_admin_key_is_never_overwritten():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "k.db")
        assert run_cli("init", db=db).returncode == 0
        first = open(os.path.join(tmp, "admin.key")).read()
        assert run_cli("init", db=db).returncode == 0
        assert open(os.path.join(tmp, "admin.key")).read() == first
        db2 = os.path.join(tmp, "other.db")
        r = run_cli("init", db=db2)
        assert r.returncode != 0 and "never overwritten" in r.stderr
        assert open(os.path.join(tmp, "admin.key")).read() == first


def test_serve_help_and_bad_config(tmp_path):
    r = subprocess.run([BIN, "serve", "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0
    for word in ("--listen", "LIAISON_LISTEN", "--db", "--max-body", "--config"):
        assert word in r.stdout
    cfg = tmp_path / "bad.conf"
    cfg.write_text("# comment\nlisten = 127.0.0.1:1\nthreads = lots\n")
    r = subprocess.run([BIN, "serve", "--config", str(cfg)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0
    assert ":3:" in r.stderr and "threads" in r.stderr
    r = subprocess.run([BIN, "config", "show", "--threads", "7"], capture_output=True, text=True,
                       timeout=10, env=dict(os.environ, LIAISON_LISTEN="127.0.0.1:9999"))
    assert "threads = 7" in r.stdout and "listen = 127.0.0.1:9999" in r.stdout


def test_cli_import_keeps_good_files_and_reports_bad_ones(tmp_path):
    db = str(tmp_path / "imp.db")
    good = tmp_path / "good.json"
    good.write_text('{"response": [{"Event": {"info": "one", "Attribute": ['
                    '{"type": "ip-dst", "value": "192.0.2.1"}]}},'
                    '{"info": "two", "Attribute": [{"type": "domain", "value": "A.example"}]}]}')
    bad = tmp_path / "bad.json"
    bad.write_text('{"info": "three", "Attribute": [{"type": "md5", "value": "nope"}]}')
    broken = tmp_path / "broken.json"
    broken.write_text('{"info": "four",\n  "Attribute": [}')
    r = run_cli("import", str(good), str(bad), str(broken), db=db)
    assert r.returncode == 1
    assert "imported 2 events, 2 attributes" in r.stdout
    assert "bad.json: event 0: Event.Attribute.0.value" in r.stderr
    assert "broken.json:2:" in r.stderr
    assert "2 file(s) failed" in r.stderr
    srv = Server(str(tmp_path), db_name="imp.db")
    try:
        s = srv.session()
        infos = sorted(e["info"] for e in s.post(srv.url + "/events/index", json={},
                                                  timeout=10).json())
        assert infos == ["one", "two"]
    finally:
        assert srv.stop() == 0


def test_disabling_a_user_locks_out_its_keys_at_once(admin, make_user):
    c = make_user()
    assert c.get("/users/view/me").status_code == 200  # now cached
    r = admin.post("/admin/users/edit/%s" % c.user["id"], {"disabled": True})
    assert r.status_code == 200 and r.json()["User"]["disabled"] is True
    assert c.get("/users/view/me").status_code == 403
    admin.post("/admin/users/edit/%s" % c.user["id"], {"disabled": False})
    assert c.get("/users/view/me").status_code == 200


def test_cli_revocation_reaches_a_running_server_within_the_cache_ttl(tmp_path):
    import time
    db = str(tmp_path / "live.db")
    assert run_cli("init", db=db).returncode == 0
    key = run_cli("key", "create", "admin@admin.test", db=db).stdout.strip()
    srv = Server(str(tmp_path), db_name="live.db")
    try:
        hdr = {"Authorization": key}
        assert requests.get(srv.url + "/users/view/me", headers=hdr, timeout=10).status_code == 200
        key_id = run_cli("key", "list", db=db).stdout.splitlines()[-1].split()[0]
        assert run_cli("key", "revoke", key_id, db=db).returncode == 0
        time.sleep(2.5)  # AUTH_CACHE_TTL is 2 seconds (docs/operations.md)
        assert requests.get(srv.url + "/users/view/me", headers=hdr, timeout=10).status_code == 403
    finally:
        assert srv.stop() == 0


def test_without_the_key_cache_cli_revocation_takes_effect_at_once(tmp_path):
    db = str(tmp_path / "nocache.db")
    assert run_cli("init", db=db).returncode == 0
    key = run_cli("key", "create", "admin@admin.test", db=db).stdout.strip()
    srv = Server(str(tmp_path), db_name="nocache.db", extra_env={"LIAISON_AUTH_CACHE": "false"})
    try:
        hdr = {"Authorization": key}
        assert requests.get(srv.url + "/users/view/me", headers=hdr, timeout=10).status_code == 200
        key_id = run_cli("key", "list", db=db).stdout.splitlines()[-1].split()[0]
        assert run_cli("key", "revoke", key_id, db=db).returncode == 0
        assert requests.get(srv.url + "/users/view/me", headers=hdr, timeout=10).status_code == 403
    finally:
        assert srv.stop() == 0


def test_cli_import_from_stdin(tmp_path):
    db = str(tmp_path / "stdin.db")
    r = subprocess.run([BIN, "import", *db_args(db)], input='{"info": "from stdin", "Attribute": '
                       '[{"type": "sha256", "value": "' + "A" * 64 + '"}]}',
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "imported 1 events, 1 attributes" in r.stdout


# ---- issue 10, defect 1: no one acts on an account holding a permission they lack ----

def _host_org_admin(admin, make_user):
    """An Org Admin of the host organisation (org 1), where admin@admin.test lives."""
    return make_user(role_id=2, org_id=1)


def test_org_admin_cannot_create_key_for_site_admin(admin, make_user):
    oa = _host_org_admin(admin, make_user)
    r = oa.post("/auth_keys/add/1", {"comment": "mine now"})
    assert r.status_code == 403, r.text
    assert "permissions" in r.json()["message"]
    # and no key was created: the admin's key list is unchanged
    me = admin.get("/users/view/me").json()
    assert me["User"]["id"] == "1"


def test_org_admin_cannot_edit_disable_demote_or_delete_site_admin(admin, make_user):
    oa = _host_org_admin(admin, make_user)
    for body in ({"email": "evil@x.org"}, {"disabled": 1}, {"role_id": 3}):
        r = oa.post("/admin/users/edit/1", body)
        assert r.status_code == 403, (body, r.text)
    assert oa.post("/admin/users/delete/1").status_code == 403
    r = admin.get("/users/view/1").json()["User"]
    assert r["email"] == "admin@admin.test" and r["disabled"] is False and r["role_id"] == "1"
    assert admin.get("/servers/getVersion").status_code == 200


def test_org_admin_cannot_hand_out_or_touch_higher_roles(admin, make_user):
    oa = _host_org_admin(admin, make_user)
    roles = {r["Role"]["name"]: r["Role"] for r in admin.get("/roles/index").json()}
    sync_role = roles["Sync user"]["id"]
    # cannot create a sync user, nor promote a user of its org to sync user
    r = oa.post("/admin/users/add", {"email": unique("s") + "@x.org", "role_id": sync_role})
    assert r.status_code == 403 and "role_id" in r.text
    plain = make_user(role_id=3, org_id=1)
    r = oa.post("/admin/users/edit/%s" % plain.user["id"], {"role_id": sync_role})
    assert r.status_code == 403
    # a sync user of its org (made by the site admin) is out of its reach too
    peer = make_user(role_id=int(sync_role), org_id=1)
    assert oa.post("/auth_keys/add/%s" % peer.user["id"], {}).status_code == 403
    assert oa.post("/auth_keys/delete/%s" % peer.key_id).status_code == 403
    assert oa.post("/admin/users/edit/%s" % peer.user["id"], {"disabled": 1}).status_code == 403
    assert peer.get("/servers/getVersion").status_code == 200
    # what it may do still works: users of its org holding no more than it holds
    r = oa.post("/admin/users/edit/%s" % plain.user["id"], {"role_id": 4})
    assert r.status_code == 200, r.text
    assert oa.post("/auth_keys/add/%s" % plain.user["id"], {}).status_code == 200
    # and another org admin of its org (same permissions)
    peer_admin = make_user(role_id=2, org_id=1)
    assert oa.post("/auth_keys/add/%s" % peer_admin.user["id"], {}).status_code == 200


def test_auth_keys_add_refuses_non_object_body(make_user):
    c = make_user()
    r = c.post("/auth_keys/add/%s" % c.user["id"], [1, 2])
    assert r.status_code == 400, r.text
    r = c.post("/auth_keys/add/%s" % c.user["id"], "a key please")
    assert r.status_code == 400, r.text
