"""Error bodies carry only what the server set: a "line" and "column" appear
for a JSON syntax error (where they mean something), never beside a field
error, where they used to be uninitialised stack bytes (issue 10, defect 11).
"""
import pytest

from conftest import unique


def assert_no_position(r, field):
    body = r.json()
    errors = body["errors"]
    assert isinstance(errors, dict), body
    assert field in errors, body
    assert "line" not in errors and "column" not in errors, body


@pytest.mark.parametrize("body,field", [
    ({"colour": "#000000"}, "name"),
    ([], "name"),
    ({"name": "tag-with-bad-uuid", "uuid": "not-a-uuid"}, "uuid"),
])
def test_tags_add_field_errors_carry_no_line_or_column(admin, body, field):
    # repeated: stack garbage varies between requests, a clean answer must not
    for _ in range(5):
        r = admin.post("/tags/add", body)
        assert r.status_code in (400, 403), r.text
        assert_no_position(r, field)


def test_tags_add_duplicate_name_carries_no_line_or_column(admin):
    name = unique("dup-tag")
    assert admin.post("/tags/add", {"name": name}).status_code == 200
    for _ in range(5):
        r = admin.post("/tags/add", {"name": name})
        assert r.status_code == 409, r.text
        assert_no_position(r, "name")


def test_json_syntax_errors_still_carry_a_sane_position(admin):
    r = admin.s.post(admin.server.url + "/tags/add", data=b'{"name":\n  oops}', timeout=10)
    assert r.status_code == 400, r.text
    errors = r.json()["errors"]
    assert errors["line"] == 2
    assert errors["column"] == 3
