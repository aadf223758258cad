"""restSearch filter semantics (attributes and events) and return formats."""
import csv
import io
import time
import uuid

import pytest

from conftest import unique


@pytest.fixture(scope="module")
def corpus(admin):
    """Two events with a known set of attributes, marked by a unique tag."""
    mark = "search:%s" % uuid.uuid4()
    e1 = admin.post("/events/add", {
        "info": "search one", "date": "2026-01-10", "Tag": [{"name": mark}],
        "Attribute": [
            {"type": "ip-dst", "value": "198.51.100.1", "to_ids": True},
            {"type": "domain", "value": "alpha.search.example", "to_ids": False},
            {"type": "md5", "value": "0" * 32, "Tag": [{"name": "kind:hash"}]},
        ]}).json()["Event"]
    e2 = admin.post("/events/add", {
        "info": "search two", "date": "2026-03-10", "Tag": [{"name": mark}],
        "Attribute": [
            {"type": "domain", "value": "beta.search.example", "comment": "beta"},
            {"type": "url", "value": "http://beta.search.example/path"},
        ]}).json()["Event"]
    admin.post("/events/publish/%s" % e2["id"])
    return {"mark": mark, "e1": e1, "e2": e2}


def attrs(admin, **filters):
    r = admin.post("/attributes/restSearch", filters)
    assert r.status_code == 200, r.text
    return sorted(a["value"] for a in r.json()["response"]["Attribute"])


def test_value_exact_and_wildcard(admin, corpus):
    assert attrs(admin, value="198.51.100.1") == ["198.51.100.1"]
    assert attrs(admin, value="%.search.example", tags=corpus["mark"]) == [
        "alpha.search.example", "beta.search.example"]


def test_value_list_or_and_negation(admin, corpus):
    got = attrs(admin, value=["alpha.search.example", "beta.search.example"])
    assert got == ["alpha.search.example", "beta.search.example"]
    got = attrs(admin, tags=corpus["mark"], type="domain", value=["!alpha.search.example"])
    assert got == ["beta.search.example"]
    got = attrs(admin, tags=corpus["mark"], value={"OR": ["%search.example%"],
                                                   "NOT": ["%beta%"]})
    assert got == ["alpha.search.example"]


def test_type_category_to_ids(admin, corpus):
    m = corpus["mark"]
    assert attrs(admin, tags=m, type="md5") == ["0" * 32]
    assert attrs(admin, tags=m, type=["url", "md5"]) == ["0" * 32,
                                                         "http://beta.search.example/path"]
    assert "198.51.100.1" in attrs(admin, tags=m, category="Network activity")
    assert "alpha.search.example" not in attrs(admin, tags=m, to_ids=1)
    assert attrs(admin, tags=m, to_ids=0) == ["alpha.search.example"]


def test_tags_on_attribute_and_negated(admin, corpus):
    assert attrs(admin, tags="kind:hash") == ["0" * 32]
    m = corpus["mark"]
    assert "0" * 32 not in attrs(admin, tags={"AND": [m], "NOT": ["kind:hash"]})


def test_eventid_uuid_dates_published(admin, corpus):
    e1, e2 = corpus["e1"], corpus["e2"]
    assert len(attrs(admin, eventid=e1["id"])) == 3
    assert len(attrs(admin, eventid=e2["uuid"])) == 2
    a = admin.post("/attributes/restSearch", {"eventid": e1["id"]}).json()
    one = a["response"]["Attribute"][0]
    assert attrs(admin, uuid=one["uuid"]) == [one["value"]]
    assert len(attrs(admin, tags=corpus["mark"], **{"from": "2026-02-01"})) == 2
    assert len(attrs(admin, tags=corpus["mark"], to="2026-02-01")) == 3
    assert len(attrs(admin, tags=corpus["mark"], published=1)) == 2
    assert len(attrs(admin, tags=corpus["mark"], published=0)) == 3


def test_relative_times_and_invalid_matches_nothing(admin, corpus):
    assert len(attrs(admin, tags=corpus["mark"], timestamp="1d")) == 5
    assert attrs(admin, tags=corpus["mark"], timestamp=int(time.time()) + 3600) == []
    assert attrs(admin, tags=corpus["mark"], last="bogus") == []
    assert len(attrs(admin, tags=corpus["mark"], last="1h")) == 2  # published now


def test_limit_and_page(admin, corpus):
    all_ = attrs(admin, tags=corpus["mark"])
    page1 = admin.post("/attributes/restSearch", {"tags": corpus["mark"], "limit": 2,
                                                  "page": 1}).json()["response"]["Attribute"]
    page3 = admin.post("/attributes/restSearch", {"tags": corpus["mark"], "limit": 2,
                                                  "page": 3}).json()["response"]["Attribute"]
    assert len(page1) == 2 and len(page3) == 1
    assert len(all_) == 5


def test_csv_default_columns_and_options(admin, corpus):
    r = admin.post("/attributes/restSearch", {"returnFormat": "csv", "eventid": corpus["e1"]["id"]})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["uuid", "event_id", "category", "type", "value", "comment", "to_ids",
                       "timestamp", "object_relation", "attribute_tag"]
    assert len(rows) == 4
    md5 = [r for r in rows if r[3] == "md5"][0]
    assert md5[9] == "kind:hash"
    r = admin.post("/attributes/restSearch", {"returnFormat": "csv", "eventid": corpus["e1"]["id"],
                                              "requested_attributes": ["value", "type"],
                                              "headerless": 1})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 3 and all(len(x) == 2 for x in rows)
    r = admin.post("/attributes/restSearch", {"returnFormat": "csv", "eventid": corpus["e2"]["id"],
                                              "includeContext": 1})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert "event_info" in rows[0]
    assert rows[1][rows[0].index("event_info")] == "search two"


def test_text_defaults_to_ids_and_published(admin, corpus):
    r = admin.post("/attributes/restSearch", {"returnFormat": "text", "tags": corpus["mark"]})
    assert r.status_code == 200
    # only the published event's to_ids attributes (domain and url default to_ids=1)
    assert sorted(r.text.split()) == ["beta.search.example", "http://beta.search.example/path"]


def test_include_event_tags(admin, corpus):
    r = admin.post("/attributes/restSearch", {"eventid": corpus["e1"]["id"], "type": "ip-dst",
                                              "includeEventTags": 1}).json()
    tags = [t["name"] for t in r["response"]["Attribute"][0]["Tag"]]
    assert corpus["mark"] in tags


def test_events_rest_search(admin, corpus):
    r = admin.post("/events/restSearch", {"tags": corpus["mark"]})
    assert r.status_code == 200
    events = r.json()["response"]
    assert sorted(e["Event"]["info"] for e in events) == ["search one", "search two"]
    assert all("Attribute" in e["Event"] for e in events)
    r = admin.post("/events/restSearch", {"value": "alpha.search.example"})
    assert [e["Event"]["uuid"] for e in r.json()["response"]] == [corpus["e1"]["uuid"]]


def test_bad_filters_are_400(admin):
    for body in ({"limit": -1}, {"returnFormat": "xml"}, {"page": 0},
                 {"to_ids": "maybe"}, {"value": {"OR": [{"x": 1}]}}):
        r = admin.post("/attributes/restSearch", body)
        assert r.status_code == 400, (body, r.text)


def test_value_matches_either_part_of_composite_values(admin):
    mark = "composite:%s" % uuid.uuid4()
    sha = "ab" * 32
    admin.post("/events/add", {"info": "composites", "Tag": [{"name": mark}], "Attribute": [
        {"type": "ip-dst|port", "value": "203.0.113.50|8443"},
        {"type": "filename|sha256", "value": "dropper.exe|" + sha},
        {"type": "ip-dst", "value": "203.0.113.5"}]})
    assert attrs(admin, tags=mark, value="203.0.113.50") == ["203.0.113.50|8443"]
    assert attrs(admin, tags=mark, value="8443") == ["203.0.113.50|8443"]
    assert attrs(admin, tags=mark, value=sha) == ["dropper.exe|" + sha]
    assert attrs(admin, tags=mark, value="dropper.exe") == ["dropper.exe|" + sha]
    assert attrs(admin, tags=mark, value="203.0.113.5") == ["203.0.113.5"]
    assert attrs(admin, tags=mark, value="%.exe") == []  # no wildcard hit on value2 "ab..."
    assert attrs(admin, tags=mark, value="drop%") == ["dropper.exe|" + sha]


def test_event_timestamp_filters_on_the_event(admin):
    mark = "evts:%s" % uuid.uuid4()
    admin.post("/events/add", {"info": "old event", "timestamp": "1600000000",
                               "Tag": [{"name": mark}],
                               "Attribute": [{"type": "text", "value": "in old"}]})
    admin.post("/events/add", {"info": "new event", "Tag": [{"name": mark}],
                               "Attribute": [{"type": "text", "value": "in new"}]})
    assert attrs(admin, tags=mark, event_timestamp="1d") == ["in new"]
    assert attrs(admin, tags=mark, event_timestamp=[1500000000, 1700000000]) == ["in old"]
    r = admin.post("/events/restSearch", {"tags": mark, "event_timestamp": "1d"}).json()
    assert [e["Event"]["info"] for e in r["response"]] == ["new event"]


# ---- answers larger than one page stream (issue 10, defect 9) ----

@pytest.fixture(scope="module")
def big(admin):
    """Three events of 1,000 attributes with 600-byte comments: each event's
    JSON is about 1 MB, the attributes' about 3 MB, so every format crosses
    the server's page size (1 MiB) several times."""
    mark = "big:%s" % uuid.uuid4()
    events = []
    for e in range(3):
        attributes = [{"type": "domain", "value": "h%d-%d.big.example" % (e, i),
                       "comment": "%04d" % i + "c" * 596, "to_ids": True}
                      for i in range(1000)]
        r = admin.post("/events/add", {"info": "big %d" % e, "Tag": [{"name": mark}],
                                       "published": True, "Attribute": attributes})
        assert r.status_code == 200, r.text[:500]
        events.append(r.json()["Event"])
    return {"mark": mark, "events": events}


def test_large_attribute_answer_streams_every_row_once_in_order(admin, big):
    r = admin.post("/attributes/restSearch", {"tags": big["mark"]})
    assert r.status_code == 200
    assert r.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole
    got = r.json()["response"]["Attribute"]
    ids = [int(a["id"]) for a in got]
    assert len(ids) == 3000 and ids == sorted(ids) and len(set(ids)) == 3000
    assert sorted(a["value"] for a in got) == sorted(
        "h%d-%d.big.example" % (e, i) for e in range(3) for i in range(1000))
    # the client's limit and page hold across the server's pages
    for limit, page in ((2500, 1), (1200, 2), (1200, 3)):
        r = admin.post("/attributes/restSearch", {"tags": big["mark"], "limit": limit,
                                                  "page": page})
        part = [int(a["id"]) for a in r.json()["response"]["Attribute"]]
        assert part == ids[(page - 1) * limit:page * limit], (limit, page)


def test_large_csv_and_text_answers_stream(admin, big):
    r = admin.post("/attributes/restSearch", {"tags": big["mark"], "returnFormat": "csv",
                                              "includeContext": 1})
    assert r.status_code == 200 and r.headers.get("Transfer-Encoding") == "chunked"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 3001 and rows[0][0] == "uuid"
    info = rows[0].index("event_info")
    assert sorted(set(row[info] for row in rows[1:])) == ["big 0", "big 1", "big 2"]
    r = admin.post("/events/restSearch", {"tags": big["mark"], "returnFormat": "text"})
    assert r.status_code == 200
    assert len(r.text.split("\n")) == 3001 and r.text.endswith("\n")


def test_large_event_answer_streams_events_in_order(admin, big):
    r = admin.post("/events/restSearch", {"tags": big["mark"]})
    assert r.status_code == 200 and r.headers.get("Transfer-Encoding") == "chunked"
    events = r.json()["response"]
    assert [e["Event"]["uuid"] for e in events] == [e["uuid"] for e in big["events"]]
    assert [len(e["Event"]["Attribute"]) for e in events] == [1000, 1000, 1000]
    r = admin.post("/events/restSearch", {"tags": big["mark"], "limit": 1, "page": 2})
    assert [e["Event"]["uuid"] for e in r.json()["response"]] == [big["events"][1]["uuid"]]


def test_csv_columns_are_capped_and_deduplicated(admin, corpus):
    r = admin.post("/attributes/restSearch", {"returnFormat": "csv", "tags": corpus["mark"],
                                              "requested_attributes": ["value"] * 2000})
    assert r.status_code == 400, r.text
    assert "requested_attributes" in r.json()["errors"]
    r = admin.post("/attributes/restSearch", {"returnFormat": "csv", "tags": corpus["mark"],
                                              "requested_attributes": ["value", "type", "value",
                                                                       "no_such_column"]})
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["value", "type", "no_such_column"]
    assert all(len(x) == 3 and x[2] == "" for x in rows[1:])


def test_large_events_index_streams_with_its_etag(admin):
    """events/index larger than a page streams too (issue 10, defect 9), and keeps
    its ETag: a peer holding it gets 304, a change gives a new one."""
    mark = "index-%s" % uuid.uuid4()
    uuids = []
    for i in range(24):  # 24 events of ~64 KiB of info: ~1.5 MiB of index
        r = admin.post("/events/add", {"info": "%s %02d %s" % (mark, i, "i" * 65000),
                                       "published": True})
        assert r.status_code == 200, r.text[:300]
        uuids.append(r.json()["Event"]["uuid"])
    query = {"eventinfo": mark + "%"}
    r = admin.post("/events/index", query)
    assert r.status_code == 200, r.text[:300]
    assert r.headers.get("Transfer-Encoding") == "chunked"  # streamed, not built whole
    assert [e["uuid"] for e in r.json()] == uuids
    etag = r.headers["ETag"]
    again = admin.post("/events/index", query)
    assert again.headers["ETag"] == etag and again.content == r.content
    r = admin.post("/events/index", query, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert admin.post("/events/edit/%s" % uuids[5],
                      {"info": "%s 05 changed" % mark}).status_code == 200
    r = admin.post("/events/index", query, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    assert len(r.json()) == 24


def test_include_event_tags_never_hands_local_tags_to_a_sync_peer(admin, make_user):
    # a peer's sync user reads attributes with their event's tags: the shared
    # ones travel, the local ones (this node's own) never leave it
    peer = make_user(role_id=5)
    shared, local = unique("shared-tag"), unique("local-tag")
    r = admin.post("/events/add", {"info": unique("peer tags"), "distribution": 3,
                                   "Tag": [{"name": shared}, {"name": local, "local": 1}],
                                   "Attribute": [{"type": "ip-dst", "value": "198.51.100.77"}]})
    assert r.status_code == 200, r.text
    eid = r.json()["Event"]["id"]
    assert admin.post("/events/publish/%s" % eid).status_code == 200
    query = {"eventid": eid, "type": "ip-dst", "includeEventTags": 1}
    rows = admin.post("/attributes/restSearch", query).json()["response"]["Attribute"]
    assert {shared, local} <= {t["name"] for t in rows[0]["Tag"]}
    rows = peer.post("/attributes/restSearch", query).json()["response"]["Attribute"]
    assert len(rows) == 1
    names = {t["name"] for t in rows[0]["Tag"]}
    assert shared in names and local not in names, names
    # nor in the CSV's event_tag column
    query = {"eventid": eid, "type": "ip-dst", "returnFormat": "csv", "includeContext": 1}
    assert local in admin.post("/attributes/restSearch", query).text
    text = peer.post("/attributes/restSearch", query).text
    assert shared in text and local not in text, text
