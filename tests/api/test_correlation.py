"""Correlations in events/view: RelatedEvent and RelatedAttribute from the
index, filtered by acl, honouring disable_correlation and the threshold."""
import tempfile
import uuid

import pytest

from conftest import Client, Server


def tag():
    return uuid.uuid4().hex[:10]


def new_event(client, attrs, **fields):
    body = {"info": "corr %s" % tag(), "distribution": 1, "published": True, "Attribute": attrs}
    body.update(fields)
    r = client.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def view(client, ev, suffix=""):
    r = client.get("/events/view/%s%s" % (ev["id"], suffix))
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def related_ids(event):
    return sorted(r["Event"]["id"] for r in event["RelatedEvent"])


def test_shared_value_relates_both_ways(admin):
    v = "corr-%s.example" % tag()
    a = new_event(admin, [{"type": "domain", "value": v}])
    b = new_event(admin, [{"type": "hostname", "value": v},
                          {"type": "domain", "value": "alone-%s.example" % tag()}])
    va = view(admin, a)
    assert related_ids(va) == [b["id"]]
    rel = va["RelatedEvent"][0]["Event"]
    assert rel["uuid"] == b["uuid"] and rel["info"] == b["info"]
    assert "Org" in rel and "Orgc" in rel
    assert related_ids(view(admin, b)) == [a["id"]]
    # RelatedAttribute only when asked (MISP's includeGranularCorrelations)
    assert "RelatedAttribute" not in va["Attribute"][0]
    g = view(admin, a, "/includeGranularCorrelations:1")
    ra = g["Attribute"][0]["RelatedAttribute"]
    assert ra == [{"id": b["id"], "org_id": b["org_id"], "info": b["info"], "value": v,
                   "attribute_id": b["Attribute"][0]["id"]}]
    gq = admin.get("/events/view/%s?includeGranularCorrelations=1" % a["id"]).json()["Event"]
    assert gq["Attribute"][0]["RelatedAttribute"] == ra
    off = view(admin, a, "/includeEventCorrelations:0")
    assert off["RelatedEvent"] == []


def test_composite_part_and_object_attributes_correlate(admin):
    ip = "198.18.%d.%d" % (uuid.uuid4().int % 250, uuid.uuid4().int % 250)
    a = new_event(admin, [{"type": "ip-dst|port", "value": "%s|443" % ip}])
    b = new_event(admin, [], Object=[{"name": "ip-port", "meta-category": "network",
                                      "Attribute": [{"type": "ip-dst", "value": ip,
                                                     "object_relation": "ip"}]}])
    assert related_ids(view(admin, a)) == [b["id"]]
    g = view(admin, b, "/includeGranularCorrelations:1")
    assert g["Object"][0]["Attribute"][0]["RelatedAttribute"][0]["id"] == a["id"]


def test_acl_filters_related_events(make_user):
    a = make_user(role_id=3)
    b = make_user(role_id=3)
    v = "acl-corr-%s.example" % tag()
    ea = new_event(a, [{"type": "domain", "value": v}])
    eb_private = new_event(b, [{"type": "domain", "value": v}], distribution=0)
    eb_attr_private = new_event(b, [{"type": "domain", "value": v, "distribution": 0}])
    eb_shared = new_event(b, [{"type": "domain", "value": v}])
    assert related_ids(view(a, ea)) == [eb_shared["id"]]
    assert related_ids(view(b, eb_shared)) == sorted(
        [ea["id"], eb_private["id"], eb_attr_private["id"]])


def test_disable_correlation_and_non_correlating_types(admin):
    v = "nocorr-%s.example" % tag()
    a = new_event(admin, [{"type": "domain", "value": v}])
    b = new_event(admin, [{"type": "domain", "value": v, "disable_correlation": True}])
    c = new_event(admin, [{"type": "domain", "value": v}], disable_correlation=True)
    d = new_event(admin, [{"type": "text", "value": v}])
    e = new_event(admin, [{"type": "domain", "value": v}])
    assert related_ids(view(admin, a)) == [e["id"]]
    for ev in (b, c, d):
        assert view(admin, ev)["RelatedEvent"] == []
    # turning it off on an edit takes effect at once
    r = admin.post("/attributes/edit/%s" % e["Attribute"][0]["id"], {"disable_correlation": True})
    assert r.status_code == 200, r.text
    assert view(admin, a)["RelatedEvent"] == []


def test_deleted_and_edited_values_stop_correlating(admin):
    v = "gone-%s.example" % tag()
    a = new_event(admin, [{"type": "domain", "value": v}])
    b = new_event(admin, [{"type": "domain", "value": v}])
    c = new_event(admin, [{"type": "domain", "value": v}])
    assert related_ids(view(admin, a)) == sorted([b["id"], c["id"]])
    assert admin.post("/events/delete/%s" % b["id"]).status_code == 200
    r = admin.post("/attributes/edit/%s" % c["Attribute"][0]["id"],
                   {"value": "other-%s.example" % tag()})
    assert r.status_code == 200, r.text
    assert view(admin, a)["RelatedEvent"] == []


@pytest.fixture(scope="module")
def low_threshold():
    tmp = tempfile.mkdtemp(prefix="liaison-corr-")
    srv = Server(tmp, args=("--correlation-threshold", "2"))
    yield Client(srv)
    srv.stop()


def test_over_correlating_values_are_marked_not_listed(low_threshold):
    c = low_threshold
    v = "popular-%s.example" % tag()
    rare = "rare-%s.example" % tag()
    first = new_event(c, [{"type": "domain", "value": v}, {"type": "domain", "value": rare}])
    second = new_event(c, [{"type": "domain", "value": v}, {"type": "domain", "value": rare}])
    ev = view(c, first, "/includeGranularCorrelations:1")
    assert related_ids(ev) == [second["id"]]
    assert "over_correlation" not in ev["Attribute"][0]
    new_event(c, [{"type": "domain", "value": v}])
    ev = view(c, first, "/includeGranularCorrelations:1")
    pop = [x for x in ev["Attribute"] if x["value"] == v][0]
    assert pop["over_correlation"] is True and "RelatedAttribute" not in pop
    assert related_ids(ev) == [second["id"]]  # still related through the rare value


def test_many_related_attributes_keep_their_values(admin):
    """More related attributes than the first growth step (64) of the collector:
    every RelatedAttribute still names the value it shares (a copy once lost them)."""
    t = tag()
    values = ["many-%d-%s.example" % (i, t) for i in range(70)]
    a = new_event(admin, [{"type": "domain", "value": v} for v in values])
    new_event(admin, [{"type": "domain", "value": v} for v in values])
    ev = view(admin, a, "/includeGranularCorrelations:1")
    for at in ev["Attribute"]:
        assert [r["value"] for r in at["RelatedAttribute"]] == [at["value"]]
