"""Basic visibility and write permissions (the full oracle comes with the
access-control issue)."""
import uuid


def new_event(client, **fields):
    body = {"info": "acl %s" % uuid.uuid4()}
    body.update(fields)
    r = client.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def test_org_only_event_hidden_from_other_org(make_user):
    a = make_user(role_id=4)
    b = make_user(role_id=4)
    ev = new_event(a, distribution=0, Attribute=[{"type": "text", "value": "secret"}])
    assert a.get("/events/view/%s" % ev["id"]).status_code == 200
    assert b.get("/events/view/%s" % ev["id"]).status_code == 404
    assert b.head("/events/view/%s" % ev["uuid"]).status_code == 404
    r = b.post("/attributes/restSearch", {"eventid": ev["id"]}).json()
    assert r["response"]["Attribute"] == []
    assert ev["uuid"] not in [e["uuid"] for e in b.post("/events/index", {}).json()]
    assert b.get("/attributes/view/%s" % ev["Attribute"][0]["id"]).status_code == 404


def test_org_only_attribute_hidden_inside_community_event(make_user):
    a = make_user(role_id=4)
    b = make_user(role_id=4)
    ev = new_event(a, distribution=1, Attribute=[
        {"type": "text", "value": "shared", "distribution": 5},
        {"type": "text", "value": "private", "distribution": 0}])
    seen = b.get("/events/view/%s" % ev["id"]).json()["Event"]["Attribute"]
    assert [x["value"] for x in seen] == ["shared"]
    got = b.post("/attributes/restSearch", {"eventid": ev["id"]}).json()["response"]["Attribute"]
    assert [x["value"] for x in got] == ["shared"]


def test_other_org_cannot_edit_delete_publish_or_tag(make_user):
    a = make_user(role_id=4)
    b = make_user(role_id=4)
    ev = new_event(a, distribution=1, Attribute=[{"type": "text", "value": "x"}])
    assert b.post("/events/edit/%s" % ev["id"], {"info": "hijack"}).status_code == 403
    assert b.post("/events/delete/%s" % ev["id"]).status_code == 403
    assert b.post("/events/publish/%s" % ev["id"]).status_code == 403
    assert b.post("/attributes/add/%s" % ev["id"],
                  {"type": "text", "value": "y"}).status_code == 403
    assert b.post("/attributes/delete/%s" % ev["Attribute"][0]["id"]).status_code == 403
    assert b.post("/tags/attachTagToObject",
                  {"uuid": ev["uuid"], "tag": "evil"}).status_code == 403
    v = a.get("/events/view/%s" % ev["id"]).json()["Event"]
    assert v["info"] == ev["info"] and len(v["Attribute"]) == 1


def test_read_only_user_cannot_write(make_user):
    ro = make_user(role_id=6)
    assert ro.post("/events/add", {"info": "nope"}).status_code == 403
    assert ro.get("/servers/getVersion").status_code == 200


def test_user_role_cannot_publish(make_user):
    u = make_user(role_id=3)
    ev = new_event(u)
    assert u.post("/events/publish/%s" % ev["id"]).status_code == 403


def test_unpublished_private_hides_unpublished_events_from_other_orgs(tmp_path):
    from conftest import Server, unique
    srv = Server(str(tmp_path), args=("--unpublished-private", "true"))
    try:
        s = srv.session()
        url = srv.url
        orgs = []
        for _ in range(2):
            r = s.post(url + "/admin/organisations/add", json={"name": unique("o")}, timeout=10)
            orgs.append(r.json()["Organisation"]["id"])
        keys = []
        for org in orgs:
            u = s.post(url + "/admin/users/add", json={"email": unique("u") + "@x.org",
                                                       "org_id": org, "role_id": 4},
                       timeout=10).json()["User"]
            keys.append(s.post(url + "/auth_keys/add/%s" % u["id"], json={},
                               timeout=10).json()["AuthKey"]["authkey_raw"])
        a = srv.session(keys[0])
        b = srv.session(keys[1])
        ev = a.post(url + "/events/add", json={"info": "draft", "distribution": 1},
                    timeout=10).json()["Event"]
        assert a.get(url + "/events/view/%s" % ev["id"], timeout=10).status_code == 200
        assert b.get(url + "/events/view/%s" % ev["id"], timeout=10).status_code == 404
        assert a.post(url + "/events/publish/%s" % ev["id"], timeout=10).status_code == 200
        assert b.get(url + "/events/view/%s" % ev["id"], timeout=10).status_code == 200
    finally:
        assert srv.stop() == 0


def test_head_on_attribute_and_organisation_views(admin):
    ev = new_event(admin, Attribute=[{"type": "text", "value": "x"}])
    assert admin.head("/attributes/view/%s" % ev["Attribute"][0]["id"]).status_code == 200
    assert admin.head("/attributes/view/999999999").status_code == 404
    assert admin.head("/organisations/view/%s" % ev["org_id"]).status_code == 200
    assert admin.head("/organisations/view/999999").status_code == 404


def test_distribution_wider_than_tlp_is_accepted_with_a_warning(admin):
    r = admin.post("/events/add", {"info": "red but public", "distribution": 3,
                                   "Tag": [{"name": "tlp:red"}],
                                   "Attribute": [{"type": "text", "value": "x"}]})
    assert r.status_code == 200
    body = r.json()
    assert body["Event"]["distribution"] == "3"
    assert any("tlp:red" in w and "Event" in w for w in body["warnings"])
    # the attribute inherits (5): no warning for it
    assert not any(w.startswith("Attribute") for w in body["warnings"])
    r = admin.post("/events/add", {"info": "amber event, clear is fine", "distribution": 0,
                                   "Tag": [{"name": "TLP:AMBER"}],
                                   "Attribute": [{"type": "text", "value": "y",
                                                  "distribution": 1}]})
    body = r.json()
    assert [w.split()[0] for w in body["warnings"]] == ["Attribute"]
    r = admin.post("/events/add", {"info": "green community", "distribution": 2,
                                   "Tag": [{"name": "tlp:green"}]})
    assert "warnings" not in r.json()
    r = admin.post("/events/add", {"info": "green public", "distribution": 3,
                                   "Tag": [{"name": "tlp:green"}, {"name": "tlp:clear"}]})
    assert len(r.json()["warnings"]) == 1  # the stricter TLP wins


def test_deleted_children_only_for_owner_sync_users_and_admins(admin, make_user):
    owner = make_user(role_id=4)
    other = make_user(role_id=3)
    sync = make_user(role_id=5)
    ev = new_event(owner, distribution=1, Attribute=[{"type": "text", "value": "gone soon"},
                                                     {"type": "text", "value": "stays"}])
    gone = [a for a in ev["Attribute"] if a["value"] == "gone soon"][0]
    assert owner.post("/attributes/delete/%s" % gone["id"]).status_code == 200
    path = "/events/view/%s/deleted[]:0/deleted[]:1" % ev["id"]

    def values(client):
        return sorted(a["value"] for a in client.get(path).json()["Event"]["Attribute"])

    assert values(owner) == ["gone soon", "stays"]
    assert values(sync) == ["gone soon", "stays"]
    assert values(admin) == ["gone soon", "stays"]
    assert values(other) == ["stays"]
    r = other.post("/attributes/restSearch", {"eventid": ev["id"], "deleted": 1}).json()
    assert r["response"]["Attribute"] == []
    r = sync.post("/attributes/restSearch", {"eventid": ev["id"], "deleted": 1}).json()
    assert [a["value"] for a in r["response"]["Attribute"]] == ["gone soon"]
