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
