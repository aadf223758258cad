"""Sightings: add (by id, uuid, value), reads through the sighting policy,
restSearch filters, delete (tombstone), and the receiving side of a peer's push
(filterSightingUuidsForPush, bulkSaveSightings), as MISP and PyMISP use them."""
import time
import uuid

import jsonschema
import pytest

from conftest import unique
from test_events import LAX, OPEN_SCHEMA, SCHEMA

DAY = 86400


def new_event(client, **fields):
    body = {"info": unique("sightings"), "distribution": 1,
            "Attribute": [{"type": "ip-dst", "value": "203.0.113.%d" % (uuid.uuid4().int % 250)},
                          {"type": "domain", "value": unique("sighted") + ".example"}]}
    body.update(fields)
    r = client.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def sight(client, path="/sightings/add", **body):
    r = client.post(path, body)
    assert r.status_code == 200, r.text
    return r.json()["Sighting"]


def listed(client, ev, context="event", **extra):
    body = {"id": ev["id"], "context": context}
    body.update(extra)
    r = client.post("/sightings/listSightings", body)
    assert r.status_code == 200, r.text
    return r.json()


def uuids_of(rows):
    return sorted(r["Sighting"]["uuid"] if "Sighting" in r else r["uuid"] for r in rows)


def search(client, path="/sightings/restSearch", **body):
    r = client.post(path, body)
    assert r.status_code == 200, r.text
    return [x["Sighting"] for x in r.json()["response"]]


def sighting_timestamp(client, ev):
    rows = client.post("/events/index", {"minimal": 1, "eventid": ev["id"]}).json()
    assert len(rows) == 1, rows
    return int(rows[0]["sighting_timestamp"])


@pytest.fixture(scope="module")
def orgs(make_user):
    """Three organisations: A owns the events, B and C sight them; plus a
    read-only user of B and a sync user of its own organisation."""
    a = make_user(role_id=4)
    b = make_user(role_id=3)
    c = make_user(role_id=3)
    b_admin = make_user(role_id=2, org_id=b.org_id)
    b_reader = make_user(role_id=6, org_id=b.org_id)
    sync = make_user(role_id=5)
    return {"a": a, "b": b, "c": c, "b_admin": b_admin, "b_reader": b_reader, "sync": sync}


def test_add_by_attribute_id_in_path_answers_misp_sighting(admin, orgs):
    b = orgs["b"]
    ev = new_event(orgs["a"])
    at = ev["Attribute"][0]
    # the server's time() is the kernel's coarse clock: it may still show the
    # previous second for a few milliseconds after Python's clock turned
    before = int(time.time()) - 1
    s = sight(b, "/sightings/add/%s" % at["id"], source=" honeypot-3 ")
    for key in ("id", "attribute_id", "event_id", "org_id", "date_sighting", "type"):
        assert isinstance(s[key], str), key
    assert s["attribute_id"] == at["id"] and s["event_id"] == ev["id"]
    assert s["org_id"] == b.org_id and s["type"] == "0" and s["source"] == "honeypot-3"
    assert s["attribute_uuid"] == at["uuid"]
    assert s["Organisation"]["id"] == b.org_id and s["Organisation"]["name"]
    uuid.UUID(s["uuid"])
    assert s["uuid"][14] == "4"
    assert before <= int(s["date_sighting"]) <= int(time.time()) + 1


def test_add_by_uuid_with_type_timestamp_and_date_time(orgs):
    b = orgs["b"]
    ev = new_event(orgs["a"])
    at = ev["Attribute"][1]
    s = sight(b, uuid=at["uuid"].upper(), type="1", timestamp=str(int(time.time()) - 3600))
    assert s["attribute_id"] == at["id"] and s["type"] == "1"
    assert int(s["date_sighting"]) <= int(time.time()) - 3600
    # PyMISP's MISPSighting is sent bare; MISP's form sends date and time
    s = sight(b, **{"Sighting": {"id": at["id"], "date": "2026-01-02", "time": "03:04:05",
                                 "type": 2}})
    assert s["date_sighting"] == "1767323045" and s["type"] == "2"
    s = sight(b, **{"request": {"id": int(at["id"])}})
    assert s["attribute_id"] == at["id"]


def test_add_by_value_sights_every_visible_attribute_holding_it(orgs):
    a, b = orgs["a"], orgs["b"]
    value = unique("shared") + ".example"
    ev1 = new_event(a, Attribute=[{"type": "domain", "value": value}])
    ev2 = new_event(a, Attribute=[{"type": "domain", "value": value},
                                  {"type": "hostname", "value": "www." + value}])
    hidden = new_event(a, distribution=0, Attribute=[{"type": "domain", "value": value}])
    r = b.post("/sightings/add", {"value": value.upper()})
    assert r.status_code == 200, r.text
    for ev, n in ((ev1, 1), (ev2, 1)):
        rows = listed(b, ev)
        assert len(rows) == n and rows[0]["Sighting"]["org_id"] == b.org_id
    assert listed(a, hidden) == []
    # "values" (a list) works too
    r = b.post("/sightings/add", {"values": [value, "www." + value]})
    assert r.status_code == 200, r.text
    assert len(listed(b, ev2)) == 3


def test_add_refusals_name_the_field_and_change_nothing(orgs):
    a, b = orgs["a"], orgs["b"]
    ev = new_event(a, Attribute=[{"type": "text", "value": "open"},
                                 {"type": "text", "value": "org only", "distribution": 0}])
    open_at, private_at = ev["Attribute"]
    cases = [
        ({"id": open_at["id"], "type": 3}, 403, "type"),
        ({"id": open_at["id"], "type": "x"}, 403, "type"),
        ({"id": open_at["id"], "source": 7}, 403, "source"),
        ({"id": open_at["id"], "source": "s" * 256}, 403, "source"),
        ({"id": open_at["id"], "timestamp": "yesterday"}, 403, "timestamp"),
        ({"id": open_at["id"], "timestamp": int(time.time()) + 3 * DAY}, 403, "timestamp"),
        ({"id": open_at["id"], "date": "2026-02-31", "time": "00:00:00"}, 403, "date"),
        ({}, 403, "id"),
        ({"value": "%"}, 403, "value"),
        ({"value": unique("nowhere")}, 404, "value"),
        ({"id": private_at["id"]}, 404, "id"),
        ({"uuid": str(uuid.uuid4())}, 404, "id"),
        ({"id": "not-an-id"}, 404, "id"),
    ]
    for body, status, field in cases:
        r = b.post("/sightings/add", body)
        assert r.status_code == status, (body, r.text)
        assert field in r.json()["errors"], (body, r.text)
    assert b.post("/sightings/add", [1, 2]).status_code == 400
    assert orgs["b_reader"].post("/sightings/add", {"id": open_at["id"]}).status_code == 403
    assert listed(a, ev) == []


def test_policy_owner_sees_all_others_only_their_own(admin, orgs):
    a, b, c = orgs["a"], orgs["b"], orgs["c"]
    ev = new_event(a)
    at = ev["Attribute"][0]
    mine = sight(a, id=at["id"])
    by_b = sight(b, id=at["id"])
    by_c = sight(c, id=at["id"], type=1)
    everyone = uuids_of([mine, by_b, by_c])
    for client, want in ((a, everyone), (admin, everyone), (b, [by_b["uuid"]]),
                         (c, [by_c["uuid"]])):
        assert uuids_of(listed(client, ev)) == want
        assert uuids_of(listed(client, at, context="attribute")) == want
        assert uuids_of(client.get("/sightings/index/%s" % ev["id"]).json()) == want
        assert uuids_of(search(client, "/sightings/restSearch/event", id=ev["id"])) == want
        view = client.get("/events/view/%s" % ev["id"]).json()["Event"]
        seen = [s["uuid"] for x in view["Attribute"] for s in x.get("Sighting", [])]
        assert sorted(seen) == want
    # the event view stays MISP's format: only "Sighting" is beyond schema.json
    doc = a.get("/events/view/%s" % ev["id"]).json()
    jsonschema.validate(doc, OPEN_SCHEMA)
    jsonschema.validate(doc, LAX)
    for error in jsonschema.Draft4Validator(SCHEMA).iter_errors(doc):
        assert error.validator == "additionalProperties", error.message
        extra = set(error.instance) - set(error.schema.get("properties", {}))
        assert extra <= {"Sighting", "extends_uuid", "Object", "EventReport", "CryptographicKey",
                         "object_id", "object_relation", "first_seen", "last_seen", "local"}, extra
    s = a.get("/events/view/%s" % ev["id"]).json()["Event"]["Attribute"][0]["Sighting"][0]
    assert s["attribute_uuid"] == at["uuid"] and s["Organisation"]["uuid"]
    # listSightings by URL (older PyMISP) and with an org filter
    r = a.post("/sightings/listSightings/%s/attribute/%s" % (at["id"], c.org_id))
    assert uuids_of(r.json()) == [by_c["uuid"]]
    assert r.json()[0]["Organisation"]["id"] == c.org_id


def test_hidden_attributes_and_events_hide_their_sightings(orgs):
    a, b = orgs["a"], orgs["b"]
    ev = new_event(a, Attribute=[{"type": "text", "value": "open"},
                                 {"type": "text", "value": "org only", "distribution": 0}])
    private_at = ev["Attribute"][1]
    sight(a, id=private_at["id"])
    assert listed(b, ev) == []
    r = b.post("/sightings/listSightings", {"id": private_at["id"], "context": "attribute"})
    assert r.status_code == 404
    closed = new_event(a, distribution=0)
    sight(a, id=closed["Attribute"][0]["id"])
    assert b.post("/sightings/listSightings", {"id": closed["id"], "context": "event"}
                  ).status_code == 404
    assert b.get("/sightings/index/%s" % closed["id"]).status_code == 404
    assert search(b, "/sightings/restSearch/event", id=closed["id"]) == []
    assert b.post("/sightings/listSightings", {"id": ev["id"], "context": "object"}
                  ).status_code == 400


def test_rest_search_filters(admin, orgs):
    a, b, c = orgs["a"], orgs["b"], orgs["c"]
    ev = new_event(a)
    at1, at2 = ev["Attribute"]
    now = int(time.time())
    s1 = sight(b, id=at1["id"], source="sensor-1", timestamp=now - 2 * DAY)
    s2 = sight(c, id=at2["id"], type=1, source="sensor-2", timestamp=now - 40 * DAY)
    s3 = sight(a, id=at1["id"], type=2, source="sensor-1")
    base = {"id": ev["id"], "last": 0}
    path = "/sightings/restSearch/event"

    def got(**filters):
        body = dict(base)
        body.update(filters)
        return sorted(x["uuid"] for x in search(a, path, **body))

    assert got() == sorted([s1["uuid"], s2["uuid"], s3["uuid"]])
    assert got(type=1) == [s2["uuid"]]
    assert got(type=["0", 2]) == sorted([s1["uuid"], s3["uuid"]])
    assert got(source="sensor-1") == sorted([s1["uuid"], s3["uuid"]])
    assert got(org_id=b.org_id) == [s1["uuid"]]
    org_c = admin.get("/organisations/view/%s" % c.org_id).json()["Organisation"]
    assert got(org_id=org_c["uuid"]) == [s2["uuid"]]
    assert got(org_id=["!" + b.org_id, "!" + org_c["uuid"]]) == [s3["uuid"]]
    assert got(org_id=str(uuid.uuid4())) == []
    assert got(last="7d") == sorted([s1["uuid"], s3["uuid"]])
    assert got(last=now - 3 * DAY) == sorted([s1["uuid"], s3["uuid"]])
    assert got(**{"from": now - 41 * DAY, "to": now - 39 * DAY}) == [s2["uuid"]]
    day = time.strftime("%Y-%m-%d", time.gmtime(now - 40 * DAY))
    assert got(**{"from": day, "to": day}) == [s2["uuid"]]
    # without from/to/last: the last 30 days, as MISP
    assert sorted(x["uuid"] for x in search(a, path, id=ev["id"])) == sorted(
        [s1["uuid"], s3["uuid"]])
    # context and id or uuid select the attribute or the event
    by_attr = search(a, "/sightings/restSearch/attribute", id=at1["id"], last=0)
    assert sorted(x["uuid"] for x in by_attr) == sorted([s1["uuid"], s3["uuid"]])
    by_uuid = search(a, "/sightings/restSearch/attribute", uuid=at2["uuid"], last=0)
    assert [x["uuid"] for x in by_uuid] == [s2["uuid"]]
    by_event = search(a, "/sightings/restSearch", context="event", uuid=ev["uuid"], last=0)
    assert len(by_event) == 3
    row = by_attr[0]
    assert row["value"] == at1["value"] and "attribute_uuid" not in row
    assert "event_uuid" not in row and row["Organisation"]["id"]
    # the sighting policy holds in restSearch too
    assert sorted(x["uuid"] for x in search(b, path, id=ev["id"], last=0)) == [s1["uuid"]]


def test_include_uuid(orgs):
    a = orgs["a"]
    ev = new_event(a)
    at = ev["Attribute"][1]
    sight(a, id=at["id"])
    rows = search(a, "/sightings/restSearch/event", id=ev["id"], includeUuid=True)
    assert rows[0]["attribute_uuid"] == at["uuid"] and rows[0]["event_uuid"] == ev["uuid"]
    # MISP's pull asks for the sightings of events by uuid this way
    rows = search(a, "/sightings/restSearch/event", uuid=[ev["uuid"]], includeUuid=1, last=0)
    assert [x["event_uuid"] for x in rows] == [ev["uuid"]]


@pytest.mark.parametrize("path,body,field", [
    ("/sightings/restSearch/event", {}, "id"),
    ("/sightings/restSearch/event", {"id": "abc"}, "id"),
    ("/sightings/restSearch/attribute", {"uuid": "nope"}, "uuid"),
    ("/sightings/restSearch/thing", {"id": 1}, "context"),
    ("/sightings/restSearch", {"type": 5}, "type"),
    ("/sightings/restSearch", {"org_id": "acme"}, "org_id"),
    ("/sightings/restSearch", {"last": "soon"}, "last"),
    ("/sightings/restSearch", {"from": "2026-13-01"}, "from"),
    ("/sightings/restSearch", {"returnFormat": "xml"}, "returnFormat"),
    ("/sightings/restSearch/event", {"id": "1\u0000 OR 1"}, "id"),  # issue 10: NUL is not cut
    ("/sightings/restSearch", {"source": ["ok", "a\u0000b"]}, "source"),
])
def test_rest_search_bad_parameters_are_400_naming_them(admin, path, body, field):
    r = admin.post(path, body)
    assert r.status_code == 400, r.text
    assert field in r.json()["errors"], r.text


def test_delete_tombstones_and_only_the_reporting_org_may(admin, orgs):
    a, b, b_admin, c = orgs["a"], orgs["b"], orgs["b_admin"], orgs["c"]
    ev = new_event(a)
    at = ev["Attribute"][0]
    s_b = sight(b, id=at["id"])
    s_b2 = sight(b, id=at["id"])
    s_c = sight(c, id=at["id"])
    assert c.post("/sightings/delete/%s" % s_b["id"]).status_code == 404  # cannot see it
    assert a.post("/sightings/delete/%s" % s_b["id"]).status_code == 403  # sees, not its own
    assert orgs["b_reader"].post("/sightings/delete/%s" % s_b["id"]).status_code == 403
    before = sighting_timestamp(a, ev)
    r = b.post("/sightings/delete/%s" % s_b["id"])
    assert r.status_code == 200, r.text
    assert r.json()["saved"] is True and r.json()["id"] == s_b["id"]
    assert sighting_timestamp(a, ev) > before
    assert b.post("/sightings/delete/%s" % s_b["id"]).status_code == 404
    r = b_admin.delete("/sightings/delete/%s" % s_b2["uuid"])  # an org admin, by uuid
    assert r.status_code == 200, r.text
    assert admin.post("/sightings/delete/%s" % s_c["id"]).status_code == 200
    assert listed(a, ev) == []
    assert admin.post("/sightings/delete/999999999").status_code == 404
    # the tombstone stays known: a peer may not bring the sighting back
    sync = orgs["sync"]
    r = sync.post("/sightings/filterSightingUuidsForPush/%s" % ev["uuid"], [s_b["uuid"]])
    assert r.json() == [s_b["uuid"]]
    r = sync.post("/sightings/bulkSaveSightings/%s" % ev["uuid"],
                  [{"uuid": s_b["uuid"], "attribute_uuid": at["uuid"], "type": "0",
                    "source": "", "date_sighting": str(int(time.time()))}])
    assert r.json()["duplicates"] == 1 and r.json()["saved"] is False
    assert listed(a, ev) == []


def test_expiration_replaces_the_same_orgs_previous_one(orgs):
    a, b = orgs["a"], orgs["b"]
    ev = new_event(a)
    at = ev["Attribute"][0]
    first = sight(b, id=at["id"], type=2)
    mine = sight(a, id=at["id"], type=2)
    second = sight(b, id=at["id"], type=2)
    assert uuids_of(listed(a, ev)) == sorted([mine["uuid"], second["uuid"]])
    assert first["uuid"] not in uuids_of(listed(b, ev))


def pushed(at_uuid, **fields):
    s = {"uuid": str(uuid.uuid4()), "attribute_uuid": at_uuid, "type": "0", "source": "peer",
         "date_sighting": str(int(time.time()) - 60), "org_id": "7",
         "Organisation": {"id": "7", "uuid": str(uuid.uuid4()), "name": unique("peer-org")}}
    s.update(fields)
    return s


def test_filter_sighting_uuids_for_push_answers_the_known_ones(orgs):
    a, sync = orgs["a"], orgs["sync"]
    ev = new_event(a)
    other = new_event(a)
    s1 = sight(a, id=ev["Attribute"][0]["id"])
    s_other = sight(a, id=other["Attribute"][0]["id"])
    unknown = str(uuid.uuid4())
    path = "/sightings/filterSightingUuidsForPush/%s" % ev["uuid"]
    r = sync.post(path, [unknown, s1["uuid"].upper(), s_other["uuid"], s1["uuid"]])
    assert r.status_code == 200, r.text
    assert r.json() == [s1["uuid"]]  # what exists in this event: the pusher sends the rest
    assert sync.post("/sightings/filterSightingUuidsForPush/%s" % ev["id"], []).json() == []
    r = sync.post(path, [unknown, 5])
    assert r.status_code == 400 and "1" in r.json()["errors"]
    assert sync.post(path, {"uuid": unknown}).status_code == 400
    assert sync.post("/sightings/filterSightingUuidsForPush/%s" % uuid.uuid4(),
                     []).status_code == 404
    assert orgs["b"].post(path, [unknown]).status_code == 403


def test_bulk_save_by_a_sync_user(admin, orgs):
    a, sync = orgs["a"], orgs["sync"]
    ev = new_event(a)
    other = new_event(a)
    at1, at2 = ev["Attribute"]
    path = "/sightings/bulkSaveSightings/%s" % ev["uuid"]
    before = sighting_timestamp(a, ev)
    known = sight(a, id=at1["id"])
    p1 = pushed(at1["uuid"])
    p2 = pushed(at2["uuid"], type="1", org_id="0", Organisation=None)  # anonymous
    p3 = pushed(at2["uuid"].upper(), Organisation={"uuid": p1["Organisation"]["uuid"],
                                                   "name": p1["Organisation"]["name"]})
    p4 = pushed(other["Attribute"][0]["uuid"])  # not in this event
    p5 = pushed(str(uuid.uuid4()))  # no such attribute
    p6 = dict(p1)  # the same uuid twice in one push
    p7 = pushed(at1["uuid"], uuid=known["uuid"])  # known here already
    p8 = pushed(at1["uuid"], Organisation=None)
    del p8["org_id"]  # no organisation at all: the pusher's
    r = sync.post(path, [p1, p2, p3, p4, p5, p6, p7, p8])
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["saved"] is True and res["success"] == "4 sightings added."
    assert res["added"] == 4 and res["duplicates"] == 2
    assert sorted(x["uuid"] for x in res["skipped"]) == sorted([p4["uuid"], p5["uuid"]])
    assert all(x["reason"] for x in res["skipped"])
    rows = {x["Sighting"]["uuid"]: x for x in listed(a, ev)}
    assert sorted(rows) == sorted([known["uuid"], p1["uuid"], p2["uuid"], p3["uuid"],
                                   p8["uuid"]])
    s1 = rows[p1["uuid"]]["Sighting"]
    assert s1["source"] == "peer" and s1["date_sighting"] == p1["date_sighting"]
    assert s1["attribute_id"] == at1["id"] and s1["event_id"] == ev["id"]
    org = admin.get("/organisations/view/%s" % s1["org_id"]).json()["Organisation"]
    assert org["uuid"] == p1["Organisation"]["uuid"] and org["local"] is False
    assert org["name"] == p1["Organisation"]["name"]
    assert rows[p3["uuid"]]["Sighting"]["org_id"] == s1["org_id"]  # found again, not twice
    assert rows[p2["uuid"]]["Sighting"]["org_id"] == "0"
    assert rows[p2["uuid"]]["Sighting"]["type"] == "1"
    assert rows[p8["uuid"]]["Sighting"]["org_id"] == sync.org_id
    assert listed(a, other) == []
    assert sighting_timestamp(a, ev) > before
    # a second push of the same list adds nothing
    r = sync.post(path, {"Sighting": [p1, p2, p3]})
    assert r.json() == {**r.json(), "saved": False, "success": "No sightings added.",
                        "added": 0, "duplicates": 3}


def test_bulk_save_refusals_change_nothing(orgs):
    a, sync = orgs["a"], orgs["sync"]
    ev = new_event(a)
    at = ev["Attribute"][0]
    path = "/sightings/bulkSaveSightings/%s" % ev["id"]
    good = pushed(at["uuid"])
    cases = [
        ([good, pushed(at["uuid"], type="3")], "1.type"),
        ([good, pushed(at["uuid"], uuid="x")], "1.uuid"),
        ([good, pushed(at["uuid"], date_sighting="tomorrow")], "1.date_sighting"),
        ([good, pushed(at["uuid"], date_sighting=str(int(time.time()) + 5 * DAY))],
         "1.date_sighting"),
        ([good, pushed("")], "1.attribute_uuid"),
        ([good, pushed(at["uuid"], Organisation={"uuid": str(uuid.uuid4())})],
         "1.Organisation.name"),
        ([good, pushed(at["uuid"], source=["x"])], "1.source"),
        ([good, 7], "1"),
    ]
    for body, field in cases:
        r = sync.post(path, body)
        assert r.status_code == 400, (body, r.text)
        assert field in r.json()["errors"], (field, r.text)
    assert sync.post(path, {"not": "a list"}).status_code == 400
    assert sync.post("/sightings/bulkSaveSightings/%s" % uuid.uuid4(), [good]).status_code == 404
    assert orgs["b"].post(path, [good]).status_code == 403
    assert orgs["a"].post(path, [good]).status_code == 403
    assert listed(a, ev) == []
    hidden = new_event(a, distribution=0)
    r = sync.post("/sightings/bulkSaveSightings/%s" % hidden["uuid"],
                  [pushed(hidden["Attribute"][0]["uuid"])])
    assert r.status_code == 404


def test_sighting_timestamp_moves_in_events_index_minimal(orgs):
    a, b = orgs["a"], orgs["b"]
    ev = new_event(a)
    assert sighting_timestamp(a, ev) == 0
    timestamp = a.post("/events/index", {"minimal": 1, "eventid": ev["id"]}).json()[0]["timestamp"]
    sight(b, id=ev["Attribute"][0]["id"])
    first = sighting_timestamp(a, ev)
    assert first >= int(time.time()) - 5
    s = sight(b, id=ev["Attribute"][1]["id"])
    second = sighting_timestamp(a, ev)
    assert second > first  # every change is seen, even within one second
    b.post("/sightings/delete/%s" % s["id"])
    assert sighting_timestamp(a, ev) > second
    # a sighting does not change the event itself
    after = a.post("/events/index", {"minimal": 1, "eventid": ev["id"]}).json()[0]
    assert after["timestamp"] == timestamp and after["published"] is False


# ---- issue 10: what a peer's sync user may do to sightings and read of them ----

def test_sync_user_deletes_only_sightings_its_org_reported_or_delivered(orgs):
    """Defect 2: a deletion pushed through bulkSaveSightings removed any
    sighting by uuid, whoever recorded it."""
    a, b, sync = orgs["a"], orgs["b"], orgs["sync"]
    ev = new_event(a)
    at = ev["Attribute"][0]
    theirs = sight(b, id=at["id"])
    path = "/sightings/bulkSaveSightings/%s" % ev["uuid"]
    gone = {"uuid": theirs["uuid"], "attribute_uuid": at["uuid"], "deleted": True}
    r = sync.post(path, [gone])
    assert r.status_code == 200, r.text
    assert r.json()["removed"] == 0
    assert [x["uuid"] for x in r.json()["skipped"]] == [theirs["uuid"]]
    assert theirs["uuid"] in uuids_of(listed(a, ev))
    # what the peer delivered itself, it may take back
    mine = pushed(at["uuid"])
    assert sync.post(path, [mine]).json()["added"] == 1
    r = sync.post(path, [dict(mine, deleted=True)])
    assert r.json()["removed"] == 1, r.text
    assert mine["uuid"] not in uuids_of(listed(a, ev))
    assert theirs["uuid"] in uuids_of(listed(a, ev))


def test_sync_user_never_reaches_a_tlp_red_event_or_attribute(admin, orgs):
    """Defect 5: events/view answered 404 to a sync user for a distribution-3
    TLP:RED event, but /lookup, sightings/restSearch and the push endpoints
    gave it away."""
    a, b, sync = orgs["a"], orgs["b"], orgs["sync"]
    red_value = unique("red") + ".example"
    red = new_event(a, distribution=3, Tag=[{"name": "tlp:red"}],
                    Attribute=[{"type": "domain", "value": red_value}])
    green_value, red_attr_value = unique("green") + ".example", unique("redattr") + ".example"
    mixed = new_event(a, distribution=3,
                      Attribute=[{"type": "domain", "value": green_value},
                                 {"type": "domain", "value": red_attr_value,
                                  "Tag": [{"name": "tlp:red"}]}])
    red_at = red["Attribute"][0]
    ok_at = [x for x in mixed["Attribute"] if x["value"] == green_value][0]
    hidden_at = [x for x in mixed["Attribute"] if x["value"] == red_attr_value][0]
    s_red = sight(b, id=red_at["id"])
    s_hidden = sight(b, id=hidden_at["id"])
    s_ok = sight(b, id=ok_at["id"])
    assert sync.get("/events/view/%s" % red["uuid"]).status_code == 404
    # look-up: nothing of the red event or attribute, the green one found
    r = sync.post("/lookup", [red_value, red_attr_value, green_value])
    assert r.status_code == 200, r.text
    assert red_value not in r.text and red_attr_value not in r.text and red["uuid"] not in r.text
    assert green_value in r.text
    # a reader who may see them still finds them
    assert red_value in admin.post("/lookup", [red_value]).text
    # sightings: restSearch, listSightings, index
    found = search(sync, includeUuid=1, last="1d")
    uuids = {x["uuid"] for x in found}
    assert s_red["uuid"] not in uuids and s_hidden["uuid"] not in uuids
    assert s_ok["uuid"] in uuids
    assert red_value not in str(found)
    assert s_red["uuid"] in {x["uuid"] for x in search(admin, includeUuid=1, last="1d")}
    r = sync.post("/sightings/listSightings", {"id": red["id"], "context": "event"})
    assert s_red["uuid"] not in r.text
    # the push endpoints do not answer for it, and take nothing onto it
    r = sync.post("/sightings/filterSightingUuidsForPush/%s" % red["uuid"], [s_red["uuid"]])
    assert r.status_code == 404, r.text
    r = sync.post("/sightings/bulkSaveSightings/%s" % red["uuid"], [pushed(red_at["uuid"])])
    assert r.status_code == 404, r.text
    r = sync.post("/sightings/bulkSaveSightings/%s" % mixed["uuid"],
                  [pushed(hidden_at["uuid"]), pushed(ok_at["uuid"])])
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    assert [x["attribute_uuid"] for x in r.json()["skipped"]] == [hidden_at["uuid"]]


def test_large_rest_search_streams_every_sighting_once(admin, orgs):
    """sightings/restSearch (what a pull asks) streams page by page rather than
    building the whole answer in memory (issue 10, defect 9)."""
    ev = new_event(orgs["a"])
    at = ev["Attribute"][0]
    n = 5200  # more than one server page (5,000 rows)
    batch = [pushed(at["uuid"], Organisation=None, org_id="0") for _ in range(n)]
    r = admin.post("/sightings/bulkSaveSightings/%s" % ev["uuid"], batch)
    assert r.status_code == 200 and r.json()["added"] == n, r.text[:300]
    r = admin.post("/sightings/restSearch/event", {"id": ev["id"], "includeUuid": 1,
                                                   "last": "1d"})
    assert r.status_code == 200
    assert r.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole
    rows = [x["Sighting"] for x in r.json()["response"]]
    ids = [int(x["id"]) for x in rows]
    assert len(ids) == n and ids == sorted(ids) and len(set(ids)) == n
    assert {x["uuid"] for x in rows} == {x["uuid"] for x in batch}
    # a reader who sees only its own organisation's gets none of them, across pages
    assert search(orgs["b"], path="/sightings/restSearch/event", id=ev["id"], last="1d") == []
