"""Attributes: add (one or a list), edit, view, soft and hard delete; tags."""
import json
import uuid

import pytest


@pytest.fixture
def event(admin):
    r = admin.post("/events/add", {"info": "attribute host %s" % uuid.uuid4()})
    assert r.status_code == 200
    return r.json()["Event"]


def test_add_single_attribute_defaults_from_type(admin, event):
    r = admin.post("/attributes/add/%s" % event["id"], {"type": "sha1", "value": "A" * 40})
    assert r.status_code == 200, r.text
    a = r.json()["Attribute"]
    assert a["value"] == "a" * 40
    assert a["category"] == "Payload delivery" and a["to_ids"] is True
    assert a["event_id"] == event["id"] and a["distribution"] == "5"
    ev = admin.get("/events/view/%s" % event["id"]).json()["Event"]
    assert ev["published"] is False and len(ev["Attribute"]) == 1


def test_add_list_is_all_or_nothing(admin, event):
    r = admin.post("/attributes/add/%s" % event["uuid"], [
        {"type": "ip-src", "value": "192.0.2.1"},
        {"type": "email-src", "value": "bad address"}])
    assert r.status_code == 403
    assert "Attribute.1.value" in json.dumps(r.json())
    ev = admin.get("/events/view/%s" % event["id"]).json()["Event"]
    assert ev["Attribute"] == []
    r = admin.post("/attributes/add/%s" % event["uuid"], {"Attribute": [
        {"type": "ip-src", "value": "192.0.2.1"}, {"type": "port", "value": "8080"}]})
    assert r.status_code == 200, r.text
    assert len(r.json()["Attribute"]) == 2


def test_add_to_unknown_event_is_404(admin):
    r = admin.post("/attributes/add/99999999", {"type": "text", "value": "x"})
    assert r.status_code == 404


def test_edit_view_and_timestamp_rule(admin, event):
    a = admin.post("/attributes/add/%s" % event["id"],
                   {"type": "domain", "value": "one.example", "timestamp": 1700000000}
                   ).json()["Attribute"]
    r = admin.post("/attributes/edit/%s" % a["id"], {"value": "two.example",
                                                     "timestamp": 1600000000})
    assert r.status_code == 403
    assert admin.get("/attributes/view/%s" % a["id"]).json()["Attribute"]["value"] == "one.example"
    r = admin.post("/attributes/edit/%s" % a["uuid"], {"Attribute": {"value": "Two.Example",
                                                                     "comment": "edited"}})
    assert r.status_code == 200, r.text
    v = admin.get("/attributes/view/%s" % a["uuid"]).json()["Attribute"]
    assert v["value"] == "two.example" and v["comment"] == "edited"
    r = admin.post("/attributes/edit/%s" % a["id"], {"value": "not a domain!"})
    assert r.status_code == 403
    assert admin.get("/attributes/view/%s" % a["id"]).json()["Attribute"]["value"] == "two.example"


def test_soft_then_hard_delete(admin, event):
    a = admin.post("/attributes/add/%s" % event["id"],
                   {"type": "text", "value": "soft"}).json()["Attribute"]
    r = admin.post("/attributes/delete/%s" % a["id"])
    assert r.status_code == 200 and r.json()["message"] == "Attribute deleted."
    found = admin.post("/attributes/restSearch", {"eventid": event["id"], "deleted": 1}).json()
    assert [x["uuid"] for x in found["response"]["Attribute"]] == [a["uuid"]]
    live = admin.post("/attributes/restSearch", {"eventid": event["id"]}).json()
    assert live["response"]["Attribute"] == []
    r = admin.post("/attributes/delete/%s/1" % a["uuid"])
    assert r.status_code == 200
    found = admin.post("/attributes/restSearch", {"eventid": event["id"], "deleted": [0, 1]})
    assert found.json()["response"]["Attribute"] == []
    assert admin.get("/attributes/view/%s" % a["id"]).status_code == 404


def test_tags_attach_and_remove_on_event_and_attribute(admin, event):
    a = admin.post("/attributes/add/%s" % event["id"],
                   {"type": "text", "value": "tagged"}).json()["Attribute"]
    r = admin.post("/tags/attachTagToObject", {"uuid": event["uuid"], "tag": "tlp:amber"})
    assert r.status_code == 200, r.text
    r = admin.post("/tags/attachTagToObject", {"uuid": a["uuid"], "tag": "type:OSINT"})
    assert r.status_code == 200
    ev = admin.get("/events/view/%s" % event["id"]).json()["Event"]
    assert [t["name"] for t in ev["Tag"]] == ["tlp:amber"]
    assert [t["name"] for t in ev["Attribute"][0]["Tag"]] == ["type:OSINT"]
    names = [t["name"] for t in admin.get("/tags/index").json()["Tag"]]
    assert "tlp:amber" in names and "type:OSINT" in names
    r = admin.post("/tags/removeTagFromObject", {"uuid": event["uuid"], "tag": "tlp:amber"})
    assert r.status_code == 200
    ev = admin.get("/events/view/%s" % event["id"]).json()["Event"]
    assert "Tag" not in ev or ev["Tag"] == []
    r = admin.post("/tags/removeTagFromObject", {"uuid": event["uuid"], "tag": "tlp:amber"})
    assert r.status_code == 404
    r = admin.post("/tags/attachTagToObject", {"uuid": str(uuid.uuid4()), "tag": "x"})
    assert r.status_code == 404


def test_tags_add_and_duplicate(admin):
    name = "custom:%s" % uuid.uuid4()
    r = admin.post("/tags/add", {"name": name, "colour": "#123456"})
    assert r.status_code == 200, r.text
    assert r.json()["Tag"]["colour"] == "#123456"
    assert admin.post("/tags/add", {"name": name}).status_code == 409
    assert admin.post("/tags/add", {"colour": "#000000"}).status_code == 403


def test_pymisp_style_hard_delete_and_deleted_view(admin, event):
    """PyMISP's delete_attribute(hard=True) posts {"hard": 1}; its
    get_event(deleted=True) posts {"deleted": true} to events/view."""
    soft = admin.post("/attributes/add/%s" % event["id"],
                      {"type": "text", "value": "soft one"}).json()["Attribute"]
    hard = admin.post("/attributes/add/%s" % event["id"],
                      {"type": "text", "value": "hard one"}).json()["Attribute"]
    assert admin.post("/attributes/delete/%s" % soft["id"], {}).status_code == 200
    assert admin.post("/attributes/delete/%s" % hard["id"], {"hard": 1}).status_code == 200
    v = admin.post("/events/view/%s" % event["id"], {"deleted": True}).json()["Event"]
    assert [(a["value"], a["deleted"]) for a in v["Attribute"]] == [("soft one", True)]
    v = admin.post("/events/view/%s" % event["uuid"], {"deleted": [0, 1]}).json()["Event"]
    assert len(v["Attribute"]) == 1
    v = admin.post("/events/view/%s" % event["id"], {}).json()["Event"]
    assert v["Attribute"] == []
