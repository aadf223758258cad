"""Hostile input that used to change data silently or cost the server memory
(issue 10, defect 13): it gets a 4xx naming the field and changes nothing.

Names with \\u0000 are refused (a C string would end there: "victim\\u0000:x"
was stored as "victim"); a lone surrogate escape is not text and fails as
invalid JSON (400).
"""
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
