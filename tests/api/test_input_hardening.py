"""Hostile input that used to change data silently or cost the server memory
(issue 10, defects 8, 9 and 13): it gets a 4xx naming the field and changes
nothing.

Names with \\u0000 are refused (a C string would end there: "victim\\u0000:x"
was stored as "victim"); a lone surrogate escape is not text and fails as
invalid JSON (400); restSearch filters are bounded in count and bytes.
"""
import os
import time

import pytest

from conftest import unique


def errors_name(r, field):
    """The MISP error body names the field under "errors"."""
    body = r.json()
    assert field in body.get("errors", {}), r.text
    return body["errors"][field]


def tag_names(admin):
    return [t["name"] for t in admin.get("/tags/index").json()["Tag"]]


def test_tag_add_refuses_nul_in_name(admin):
    prefix = unique("victim")
    r = admin.post("/tags/add", {"name": prefix + "\u0000:suffix"})
    assert 400 <= r.status_code < 500, r.text
    assert "NUL" in errors_name(r, "name")[0]
    assert not [n for n in tag_names(admin) if n.startswith(prefix)]
    r = admin.post("/tags/add", {"name": unique("ok"), "colour": "#00\u0000ff"})
    assert 400 <= r.status_code < 500, r.text
    errors_name(r, "colour")


def test_organisation_add_refuses_nul_in_name(admin):
    prefix = unique("victim-org")
    r = admin.post("/admin/organisations/add", {"name": prefix + "\u0000:suffix"})
    assert 400 <= r.status_code < 500, r.text
    assert "NUL" in errors_name(r, "name")[0]
    names = [o["Organisation"]["name"] for o in admin.get("/organisations/index").json()]
    assert not [n for n in names if n.startswith(prefix)]


def test_sharing_group_add_refuses_nul_in_name(admin):
    prefix = unique("victim-sg")
    r = admin.post("/sharing_groups/add", {"name": prefix + "\u0000:suffix"})
    assert 400 <= r.status_code < 500, r.text
    assert "NUL" in errors_name(r, "name")[0]
    groups = admin.get("/sharing_groups/index").json()["response"]
    assert not [g for g in groups if g["SharingGroup"]["name"].startswith(prefix)]
    r = admin.post("/sharing_groups/add", {"name": unique("sg"), "description": "a\u0000b"})
    assert 400 <= r.status_code < 500, r.text
    errors_name(r, "description")


@pytest.mark.parametrize("path,body", [
    ("/tags/add", '{"name": "%s\\ud800"}'),
    ("/admin/organisations/add", '{"name": "%s\\udc00x"}'),
    ("/sharing_groups/add", '{"name": "%s\\ud800\\u0041"}'),
    ("/events/add", '{"info": "%s\\ud83d", "distribution": 0}'),
])
def test_lone_surrogate_is_invalid_json(admin, path, body):
    name = unique("surrogate")
    r = admin.s.post(admin.server.url + path, data=(body % name).encode(), timeout=30)
    assert r.status_code == 400, r.text
    assert "surrogate" in r.text
    assert name not in tag_names(admin)
    r = admin.post("/events/restSearch", {"eventinfo": name + "%"})
    assert r.status_code == 200 and r.json()["response"] == []


def test_like_pattern_too_long_is_400_naming_the_filter(admin):
    for field in ("value", "eventinfo", "tags"):
        r = admin.post("/attributes/restSearch", {field: "%" + "a" * 60000 + "%"})
        assert r.status_code == 400, r.text
        errors_name(r, field)


def test_filter_value_with_nul_is_refused(admin):
    r = admin.post("/attributes/restSearch", {"value": "1.2.3.4\u0000%"})
    assert r.status_code == 400, r.text
    errors_name(r, "value")


# ---- restSearch filter sizes (defect 8) ----

def rss_kib(server):
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_nested_filter_lists_count_against_one_cap(server, admin):
    before = rss_kib(server)
    nested = [["v%05d.example" % i for i in range(10000)] for _ in range(2)]
    t0 = time.time()
    r = admin.post("/attributes/restSearch", {"value": nested})
    assert r.status_code in (400, 413), r.text
    errors_name(r, "value")
    assert time.time() - t0 < 20
    # the cap is per request, not per filter
    r = admin.post("/attributes/restSearch",
                   {"value": ["a%d" % i for i in range(6000)],
                    "tags": ["t%d" % i for i in range(6000)]})
    assert r.status_code in (400, 413), r.text
    errors_name(r, "tags")
    assert rss_kib(server) - before < 100 * 1024


def test_megabyte_filter_body_is_refused_with_bounded_memory(server, admin):
    before = rss_kib(server)
    # about 1.1 MB: 9,500 values of 120 bytes, under the value cap, over the byte cap
    values = ["%s-%05d" % ("x" * 114, i) for i in range(9500)]
    t0 = time.time()
    for field in ("value", "uuid", "org"):
        r = admin.post("/attributes/restSearch", {field: values})
        assert r.status_code in (400, 413), r.text
        errors_name(r, field)
    assert time.time() - t0 < 30
    assert rss_kib(server) - before < 100 * 1024
    # a large but legitimate list still works
    r = admin.post("/attributes/restSearch", {"value": ["no-such-%d.example" % i
                                                        for i in range(5000)]})
    assert r.status_code == 200, r.text
    assert r.json()["response"]["Attribute"] == []


def test_search_too_large_for_the_store_is_413_not_500(admin):
    # within the value and byte budgets, but its SQL exceeds the store's bounds
    r = admin.post("/attributes/restSearch", {"tags": ["%%t%d%%" % i for i in range(10000)]})
    assert r.status_code == 413, r.text[:300]
    assert "too large" in r.text
