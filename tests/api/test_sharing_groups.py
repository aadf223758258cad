"""Sharing groups: API, membership, and distribution 4 on every read path."""
import uuid

from conftest import unique


def make_group(client, **fields):
    body = {"name": unique("sg"), "releasability": "CERTs of the test", "description": "t"}
    body.update(fields)
    r = client.post("/sharing_groups/add", body)
    assert r.status_code == 200, r.text
    return r.json()


def visible_ids(client):
    r = client.get("/sharing_groups/index")
    assert r.status_code == 200
    return [g["SharingGroup"]["id"] for g in r.json()["response"]]


def test_create_and_membership_decide_who_sees_the_group(make_user):
    a = make_user(role_id=2)   # Org Admin: perm_sharing_group
    b = make_user(role_id=3)
    g = make_group(a)
    sg = g["SharingGroup"]
    assert g["Organisation"]["id"] == str(a.org_id)
    assert [(m["org_id"], m["extend"]) for m in g["SharingGroupOrg"]] == [(str(a.org_id), True)]
    assert [s["server_id"] for s in g["SharingGroupServer"]] == ["0"]
    uuid.UUID(sg["uuid"])
    assert sg["id"] in visible_ids(a)
    assert sg["id"] not in visible_ids(b)
    assert b.get("/sharing_groups/view/%s" % sg["id"]).status_code == 404
    r = a.post("/sharing_groups/addOrg/%s/%s" % (sg["id"], b.org_id))
    assert r.status_code == 200, r.text
    assert sg["id"] in visible_ids(b)
    assert b.get("/sharing_groups/view/%s" % sg["uuid"]).status_code == 200
    # b is a member without extend: it may not change the group
    assert b.post("/sharing_groups/edit/%s" % sg["id"], {"name": "x"}).status_code == 403
    assert a.post("/sharing_groups/removeOrg/%s/%s" % (sg["id"], b.org_id)).status_code == 200
    assert sg["id"] not in visible_ids(b)


def test_pymisp_style_member_calls_and_camel_case_controller(make_user):
    a = make_user(role_id=2)
    b = make_user(role_id=3)
    sg = make_group(a)["SharingGroup"]
    r = a.post("/sharingGroups/addOrg", {"sg_id": sg["id"], "org_id": b.org_id, "extend": True})
    assert r.status_code == 200, r.text
    view = a.get("/sharingGroups/view/%s" % sg["id"]).json()
    members = {m["org_id"]: m["extend"] for m in view["SharingGroupOrg"]}
    assert members[str(b.org_id)] is True


def test_all_orgs_on_this_node_opens_the_group_to_everyone(make_user):
    a = make_user(role_id=2)
    c = make_user(role_id=3)
    sg = make_group(a)["SharingGroup"]
    assert sg["id"] not in visible_ids(c)
    r = a.post("/sharing_groups/addServer/%s/0/all_orgs:1" % sg["id"])
    assert r.status_code == 200, r.text
    assert sg["id"] in visible_ids(c)
    r = a.post("/sharing_groups/addServer/%s/999999" % sg["id"])  # no such link
    assert r.status_code == 403 and "server_id" in r.text


def test_distribution_4_events_and_attributes_reach_members_only(make_user):
    a = make_user(role_id=2)
    member = make_user(role_id=3)
    outsider = make_user(role_id=3)
    sg = make_group(a)["SharingGroup"]
    a.post("/sharing_groups/addOrg/%s/%s" % (sg["id"], member.org_id))
    r = a.post("/events/add", {"info": "sg event %s" % uuid.uuid4(), "distribution": 4,
                               "sharing_group_id": sg["id"],
                               "Attribute": [{"type": "text", "value": "for the group"}]})
    assert r.status_code == 200, r.text
    ev = r.json()["Event"]
    assert ev["distribution"] == "4" and ev["sharing_group_id"] == sg["id"]
    assert member.get("/events/view/%s" % ev["id"]).status_code == 200
    assert outsider.get("/events/view/%s" % ev["id"]).status_code == 404
    got = outsider.post("/attributes/restSearch", {"eventid": ev["id"]}).json()
    assert got["response"]["Attribute"] == []
    # an attribute shared with the group inside a community-wide event
    r = a.post("/events/add", {"info": "mixed %s" % uuid.uuid4(), "distribution": 1,
                               "Attribute": [
                                   {"type": "text", "value": "everyone"},
                                   {"type": "text", "value": "group only", "distribution": 4,
                                    "sharing_group_id": sg["id"]}]})
    ev2 = r.json()["Event"]
    seen = [x["value"] for x in member.get("/events/view/%s" % ev2["id"]).json()["Event"]["Attribute"]]
    assert sorted(seen) == ["everyone", "group only"]
    seen = [x["value"] for x in outsider.get("/events/view/%s" % ev2["id"]).json()["Event"]["Attribute"]]
    assert seen == ["everyone"]
    found = outsider.post("/attributes/restSearch", {"value": "group only"}).json()
    assert found["response"]["Attribute"] == []


def test_distribution_4_needs_a_group_the_caller_may_use(make_user):
    a = make_user(role_id=2)
    outsider = make_user(role_id=4)
    sg = make_group(a)["SharingGroup"]
    r = outsider.post("/events/add", {"info": "steal", "distribution": 4,
                                      "sharing_group_id": sg["id"]})
    assert r.status_code == 403 and "sharing group" in r.text
    r = outsider.post("/events/add", {"info": "no group", "distribution": 4})
    assert r.status_code == 403 and "sharing_group_id" in r.text
    r = a.post("/events/add", {"info": "unknown group", "distribution": 4,
                               "sharing_group_id": 999999})
    assert r.status_code == 403


def test_group_in_use_cannot_be_deleted(make_user):
    a = make_user(role_id=2)
    sg = make_group(a)["SharingGroup"]
    ev = a.post("/events/add", {"info": "uses sg", "distribution": 4,
                                "sharing_group_id": sg["id"]}).json()["Event"]
    assert a.post("/sharing_groups/delete/%s" % sg["id"]).status_code == 409
    assert a.post("/events/delete/%s" % ev["id"]).status_code == 200
    r = a.post("/sharing_groups/delete/%s" % sg["id"])
    assert r.status_code == 200 and r.json()["saved"] is True
    assert a.get("/sharing_groups/view/%s" % sg["id"]).status_code == 404


def test_users_without_perm_sharing_group_cannot_create(make_user):
    u = make_user(role_id=3)
    assert u.post("/sharing_groups/add", {"name": unique("nope")}).status_code == 403
    a = make_user(role_id=2)
    assert a.post("/sharing_groups/add", {"releasability": "x"}).status_code == 403
    name = unique("dup")
    make_group(a, name=name)
    assert a.post("/sharing_groups/add", {"name": name}).status_code == 409
