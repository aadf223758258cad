"""Events: add, view, edit, delete, publish, index; MISP conventions."""
import json
import time
import uuid

import jsonschema
import pytest

from conftest import TEST_DATA

SCHEMA = json.loads((TEST_DATA / "misp/schema.json").read_text())
LAX = json.loads((TEST_DATA / "misp/schema-lax.json").read_text())


def _open(schema):
    """schema.json is MISP's 2.4 format schema: it closes Event, Attribute, Tag and Org
    with additionalProperties: false and so predates members MISP itself now emits
    (Object, EventReport, object_relation, first_seen, Tag.local, ...).  Every type,
    format and required rule of it applies; only that closure is lifted."""
    if isinstance(schema, dict):
        return {k: _open(v) for k, v in schema.items() if k != "additionalProperties"}
    if isinstance(schema, list):
        return [_open(v) for v in schema]
    return schema


OPEN_SCHEMA = _open(SCHEMA)


def validate(event_doc):
    jsonschema.validate(event_doc, OPEN_SCHEMA)
    jsonschema.validate(event_doc, LAX)


def add(admin, body):
    r = admin.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def test_add_bare_event_pymisp_style(admin):
    body = {"info": "Phishing campaign", "distribution": 1, "threat_level_id": 2,
            "analysis": 1, "date": "2026-11-01",
            "Attribute": [{"type": "ip-dst", "value": "198.51.100.7", "comment": "c2"},
                          {"type": "domain", "value": "Evil.Example."}],
            "Tag": [{"name": "tlp:green"}]}
    r = admin.post("/events/add", body)
    assert r.status_code == 200, r.text
    doc = r.json()
    validate(doc)
    ev = doc["Event"]
    assert ev["info"] == "Phishing campaign"
    assert ev["distribution"] == "1" and ev["threat_level_id"] == "2" and ev["analysis"] == "1"
    assert ev["date"] == "2026-11-01"
    assert isinstance(ev["id"], str) and isinstance(ev["timestamp"], str)
    assert ev["published"] is False
    assert ev["Orgc"]["name"] and ev["Org"]["name"]
    values = {a["type"]: a for a in ev["Attribute"]}
    assert values["domain"]["value"] == "evil.example"
    assert values["ip-dst"]["category"] == "Network activity"
    assert values["ip-dst"]["to_ids"] is True
    assert [t["name"] for t in ev["Tag"]] == ["tlp:green"]
    uuid.UUID(ev["uuid"])


def test_add_wrapped_event_and_keep_given_uuids(admin):
    eu, au = str(uuid.uuid4()), str(uuid.uuid4())
    ev = add(admin, {"Event": {"info": "wrapped", "uuid": eu.upper(),
                               "Attribute": [{"type": "md5", "uuid": au,
                                              "value": "D41D8CD98F00B204E9800998ECF8427E"}]}})
    assert ev["uuid"] == eu
    assert ev["Attribute"][0]["uuid"] == au
    assert ev["Attribute"][0]["value"] == "d41d8cd98f00b204e9800998ecf8427e"


def test_duplicate_uuid_rejected_and_nothing_written(admin):
    eu = str(uuid.uuid4())
    add(admin, {"info": "first", "uuid": eu})
    before = len(admin.post("/events/index", {}).json())
    r = admin.post("/events/add", {"info": "second", "uuid": eu})
    assert r.status_code == 409
    assert len(admin.post("/events/index", {}).json()) == before


def test_invalid_attribute_rejects_whole_event_naming_field(admin):
    before = len(admin.post("/events/index", {}).json())
    r = admin.post("/events/add", {"info": "bad", "Attribute": [
        {"type": "ip-dst", "value": "10.0.0.1"},
        {"type": "ip-dst", "value": "not-an-ip"}]})
    assert r.status_code == 403  # MISP's saveFailResponse
    body = r.json()
    assert body["saved"] is False and body["name"] == "Event could not be saved."
    assert "Event.Attribute.1.value" in json.dumps(body["errors"])
    assert len(admin.post("/events/index", {}).json()) == before


@pytest.mark.parametrize("body,field", [
    ({"info": ""}, "Event.info"),
    ({}, "Event.info"),
    ({"info": "x", "distribution": 9}, "distribution"),
    ({"info": "x", "threat_level_id": 7}, "threat_level_id"),
    ({"info": "x", "uuid": "nope"}, "uuid"),
    ({"info": "x", "Attribute": [{"type": "no-such-type", "value": "x"}]}, "type"),
    ({"info": "x", "Attribute": [{"type": "md5", "category": "Financial fraud",
                                  "value": "d41d8cd98f00b204e9800998ecf8427e"}]}, "category"),
    ({"info": "x", "Attribute": "nope"}, "Attribute"),
    ({"info": ["x"]}, "info"),
])
def test_bad_event_fields_are_refused_naming_field(admin, body, field):
    r = admin.post("/events/add", body)
    assert r.status_code == 403, r.text
    assert r.json()["saved"] is False
    assert field in json.dumps(r.json()), r.text


def _bulk(n, prefix):
    return [{"type": "domain", "value": "%s%d.bulk.example" % (prefix, i),
             "uuid": str(uuid.uuid4())} for i in range(n)]


def _bulk_event():
    """An event with enough attributes (and objects with enough) for a
    backend's bulk insert."""
    return {"info": "bulk", "uuid": str(uuid.uuid4()), "Attribute": _bulk(12, "a"),
            "Object": [{"name": "domain-ip", "uuid": str(uuid.uuid4()), "Attribute": _bulk(9, "o%d-" % k)}
                       for k in range(2)]}


# (what to change in _bulk_event, the status, the field named): the first item
# that fails in document order (attributes, then each object and its
# attributes) is reported, as if each were written in turn - for one item its
# own fields first, then its uuid (tag names are the decoder's: test_events_svc.c).
FIRST_FAILURES = [
    ("later bad type after a taken uuid",
     lambda ev, st: (ev["Attribute"][5].update(uuid=st["Attribute"][0]["uuid"]),
                     ev["Attribute"][9].update(type="no-such-type")),
     409, "Event.Attribute.5.uuid"),
    ("earlier bad type before a taken uuid",
     lambda ev, st: (ev["Attribute"][3].update(type="no-such-type"),
                     ev["Attribute"][7].update(uuid=st["Attribute"][0]["uuid"])),
     403, "Event.Attribute.3.type"),
    ("uuid of an earlier attribute",
     lambda ev, st: ev["Attribute"][10].update(uuid=ev["Attribute"][2]["uuid"]),
     409, "Event.Attribute.10.uuid"),
    ("uuid of the event itself",
     lambda ev, st: ev["Attribute"][0].update(uuid=ev["uuid"]),
     409, "Event.Attribute.0.uuid"),
    ("uuid of a stored object",
     lambda ev, st: ev["Attribute"][6].update(uuid=st["Object"][0]["uuid"]),
     409, "Event.Attribute.6.uuid"),
    ("object with an earlier attribute's uuid",
     lambda ev, st: ev["Object"][0].update(uuid=ev["Attribute"][1]["uuid"]),
     409, "Event.Object.0.uuid"),
    ("object with a stored attribute's uuid",
     lambda ev, st: ev["Object"][1].update(uuid=st["Attribute"][0]["uuid"]),
     409, "Event.Object.1.uuid"),
    ("object attribute with its object's uuid",
     lambda ev, st: ev["Object"][0]["Attribute"][3].update(uuid=ev["Object"][0]["uuid"]),
     409, "Event.Object.0.Attribute.3.uuid"),
    ("object with the uuid of an earlier object's attribute",
     lambda ev, st: ev["Object"][1].update(uuid=ev["Object"][0]["Attribute"][1]["uuid"]),
     409, "Event.Object.1.uuid"),
    ("object attribute with a stored attribute's uuid before a later object's bad name",
     lambda ev, st: (ev["Object"][0]["Attribute"][2].update(uuid=st["Attribute"][0]["uuid"]),
                     ev["Object"][1].update(name="")),
     409, "Event.Object.0.Attribute.2.uuid"),
    ("object attribute bad value before a later uuid of the stored event",
     lambda ev, st: (ev["Object"][0]["Attribute"][4].update(type="ip-dst"),
                     ev["Object"][1]["Attribute"][0].update(uuid=st["uuid"])),
     403, "Event.Object.0.Attribute.4.value"),
]


@pytest.mark.parametrize("change,status,field", [c[1:] for c in FIRST_FAILURES],
                         ids=[c[0] for c in FIRST_FAILURES])
def test_first_failure_in_document_order_is_reported(admin, change, status, field):
    stored = add(admin, _bulk_event())
    before = len(admin.post("/events/index", {}).json())
    ev = _bulk_event()
    change(ev, stored)
    r = admin.post("/events/add", ev)
    assert r.status_code == status, r.text
    assert json.dumps(field) in r.text, r.text
    assert len(admin.post("/events/index", {}).json()) == before
    assert admin.get("/events/view/%s" % ev["uuid"]).status_code == 404


def test_attributes_take_ids_in_document_order(admin):
    ev = _bulk_event()
    ev["Attribute"][1]["Tag"] = [{"name": "bulk:one"}, {"name": "tlp:green"}]
    ev["Object"][1]["Attribute"][8]["Tag"] = [{"name": "bulk:two"}]
    ev["Attribute"][2]["uuid"] = ""
    added = add(admin, ev)
    viewed = admin.get("/events/view/%s" % added["id"]).json()["Event"]
    flat = viewed["Attribute"] + [a for o in viewed["Object"] for a in o["Attribute"]]
    ids = [int(a["id"]) for a in flat]
    assert ids == sorted(ids) and len(set(ids)) == 30
    given = ev["Attribute"] + [a for o in ev["Object"] for a in o["Attribute"]]
    assert [a["value"] for a in flat] == [a["value"] for a in given]
    assert [a["uuid"] for a in flat if a["uuid"] != flat[2]["uuid"]] == \
        [a["uuid"] for a in given if a["uuid"]]
    uuid.UUID(flat[2]["uuid"])
    for o in viewed["Object"]:
        assert {a["object_id"] for a in o["Attribute"]} == {o["id"]}
    assert [t["name"] for t in flat[1]["Tag"]] == ["bulk:one", "tlp:green"]
    assert [t["name"] for t in flat[-1]["Tag"]] == ["bulk:two"]
    assert all("Tag" not in a or not a["Tag"] for a in flat[2:-1])


def test_view_by_id_and_uuid_and_404(admin):
    ev = add(admin, {"info": "view me"})
    a = admin.get("/events/view/%s" % ev["id"]).json()
    b = admin.get("/events/view/%s.json" % ev["uuid"]).json()
    assert a == b
    validate(a)
    assert admin.get("/events/view/987654321").status_code == 404
    assert admin.get("/events/view/%s" % uuid.uuid4()).status_code == 404
    assert admin.get("/events/view/garbage").status_code == 404


def test_edit_event_and_timestamp_rule(admin):
    ev = add(admin, {"info": "original", "timestamp": "1700000000"})
    assert ev["timestamp"] == "1700000000"
    r = admin.post("/events/edit/%s" % ev["id"], {"info": "older", "timestamp": "1600000000"})
    assert r.status_code == 403
    assert "not newer" in r.json()["message"]
    r = admin.post("/events/edit/%s" % ev["id"], {"info": "same", "timestamp": "1700000000"})
    assert r.status_code == 403
    assert admin.get("/events/view/%s" % ev["id"]).json()["Event"]["info"] == "original"
    r = admin.put("/events/edit/%s" % ev["uuid"], {"Event": {"info": "newer",
                                                             "timestamp": "1700000100"}})
    assert r.status_code == 200, r.text
    assert r.json()["Event"]["info"] == "newer"
    assert r.json()["Event"]["timestamp"] == "1700000100"
    r = admin.post("/events/edit/%s" % ev["id"], {"info": "no timestamp: now"})
    assert r.status_code == 200
    assert int(r.json()["Event"]["timestamp"]) >= int(time.time()) - 5


def test_edit_adds_and_updates_attributes_by_uuid(admin):
    au = str(uuid.uuid4())
    ev = add(admin, {"info": "attrs", "Attribute": [
        {"uuid": au, "type": "url", "value": "http://a.example/x", "timestamp": "1700000000"}]})
    r = admin.post("/events/edit/%s" % ev["id"], {"Attribute": [
        {"uuid": au, "type": "url", "value": "http://b.example/y", "timestamp": "1700000500"},
        {"type": "sha256", "value": "A" * 64}]})
    assert r.status_code == 200, r.text
    attrs = {a["uuid"]: a for a in r.json()["Event"]["Attribute"]}
    assert attrs[au]["value"] == "http://b.example/y"
    assert len(attrs) == 2
    # an older attribute timestamp does not overwrite
    r = admin.post("/events/edit/%s" % ev["id"], {"Attribute": [
        {"uuid": au, "type": "url", "value": "http://c.example/z", "timestamp": "1700000100"}]})
    attrs = {a["uuid"]: a for a in r.json()["Event"]["Attribute"]}
    assert attrs[au]["value"] == "http://b.example/y"


def test_delete_event(admin):
    ev = add(admin, {"info": "doomed"})
    r = admin.post("/events/delete/%s" % ev["id"])
    assert r.status_code == 200
    assert r.json()["message"] == "Event deleted."
    assert r.json()["saved"] is True and r.json()["success"] is True
    assert admin.get("/events/view/%s" % ev["id"]).status_code == 404
    assert admin.delete("/events/delete/%s" % ev["id"]).status_code == 404


def test_publish_and_unpublish(admin):
    ev = add(admin, {"info": "to publish"})
    r = admin.post("/events/publish/%s" % ev["id"])
    assert r.status_code == 200 and r.json()["saved"] is True
    v = admin.get("/events/view/%s" % ev["id"]).json()["Event"]
    assert v["published"] is True and int(v["publish_timestamp"]) > 0
    r = admin.post("/events/unpublish/%s" % ev["id"])
    assert r.status_code == 200
    assert admin.get("/events/view/%s" % ev["id"]).json()["Event"]["published"] is False


def test_index_lists_and_filters(admin):
    ev = add(admin, {"info": "index-target-%s" % uuid.uuid4(), "Tag": [{"name": "idx:tag"}]})
    rows = admin.post("/events/index", {"eventinfo": ev["info"]}).json()
    assert [r["uuid"] for r in rows] == [ev["uuid"]]
    assert rows[0]["Orgc"]["name"]
    minimal = admin.post("/events/index", {"minimal": 1, "eventid": ev["id"]}).json()
    assert set(minimal[0]) == {"id", "timestamp", "sighting_timestamp", "published", "uuid",
                               "orgc_uuid"}
    assert admin.get("/events/index").status_code == 200


def test_objects_with_references(admin):
    ou, au = str(uuid.uuid4()), str(uuid.uuid4())
    ev = add(admin, {"info": "objects", "Attribute": [
        {"uuid": au, "type": "ip-dst", "value": "203.0.113.9"}],
        "Object": [{"uuid": ou, "name": "domain-ip", "meta-category": "network",
                    "Attribute": [{"type": "domain", "object_relation": "domain",
                                   "value": "obj.example"}],
                    "ObjectReference": [{"referenced_uuid": au,
                                         "relationship_type": "resolves-to"}]}]})
    assert len(ev["Object"]) == 1
    obj = ev["Object"][0]
    assert obj["uuid"] == ou and obj["Attribute"][0]["object_relation"] == "domain"
    assert obj["ObjectReference"][0]["referenced_uuid"] == au
    validate({"Event": ev})
    r = admin.post("/objects/add/%s" % ev["id"], {"name": "file", "Attribute": [
        {"type": "filename", "object_relation": "filename", "value": "evil.exe"}]})
    assert r.status_code == 200, r.text
    oid = r.json()["Object"]["id"]
    assert len(admin.get("/events/view/%s" % ev["id"]).json()["Event"]["Object"]) == 2
    r = admin.post("/objects/delete/%s" % oid)
    assert r.status_code == 200
    assert len(admin.get("/events/view/%s" % ev["id"]).json()["Event"]["Object"]) == 1


def test_named_parameters_in_paths(admin):
    ev = add(admin, {"info": "named", "Attribute": [{"type": "text", "value": "gone"}]})
    aid = ev["Attribute"][0]["id"]
    assert admin.post("/attributes/delete/%s" % aid).status_code == 200
    v = admin.get("/events/view/%s" % ev["uuid"]).json()["Event"]
    assert v["Attribute"] == []
    v = admin.get("/events/view/%s/deleted[]:0/deleted[]:1/excludeGalaxy:1" % ev["uuid"]).json()
    assert [a["deleted"] for a in v["Event"]["Attribute"]] == [True]
    r = admin.post("/events/add/metadata:1", {"info": "metadata add"})
    assert r.status_code == 200


def test_add_answer_equals_the_stored_event(admin):
    """The add answer is built from the request's event, not reloaded: it must be
    exactly what a later view returns."""
    au = str(uuid.uuid4())
    r = admin.post("/events/add", {
        "info": "answer check", "threat_level_id": "1", "Tag": [{"name": "tlp:amber"}],
        "Attribute": [{"type": "ip-dst", "value": "198.51.100.77", "uuid": au,
                       "Tag": [{"name": "kind:c2"}, {"name": "tlp:amber"}]},
                      {"type": "url", "value": "HXXP://Evil.Example/Path", "comment": "c",
                       "to_ids": False, "distribution": "0"},
                      {"type": "filename|sha256", "value": "a.exe|" + "C" * 64}],
        "Object": [{"name": "domain-ip", "Attribute": [
            {"type": "domain", "object_relation": "domain", "value": "obj.example"}],
            "ObjectReference": [{"referenced_uuid": au, "relationship_type": "resolves-to"}]}]})
    assert r.status_code == 200, r.text
    added = r.json()
    viewed = admin.get("/events/view/%s" % added["Event"]["id"]).json()
    # correlations are computed by views only (see docs/api.md)
    assert added["Event"]["RelatedEvent"] == []
    viewed["Event"]["RelatedEvent"] = []
    assert added["Event"] == viewed["Event"]
    assert added["warnings"]  # distribution 1 is wider than its tlp:amber allows
