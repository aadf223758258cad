"""Validates the MISP codec's golden output (tests/data/*.ok) against PyMISP's schemas.

Every .ok file that holds JSON (not an "error: ..." line) is an event exactly as
the encoder writes it.  Three checks:

* schema-lax.json, unmodified, accepts every one;
* schema.json, unmodified, rejects them only for "additional properties", and
  only for the members listed in MISP_EMITS_BEYOND_SCHEMA below;
* schema.json extended with exactly those members (typed, and with
  additionalProperties still false everywhere) accepts every one, so a
  misspelt or unexpected member still fails.

Why the list exists: schema.json (MISP format/2.4, as shipped by PyMISP) predates
members that MISP itself has emitted for years and that PyMISP reads: Object,
EventReport, CryptographicKey and extends_uuid on events; object_id,
object_relation, first_seen and last_seen on attributes; "local" on
organisations; user_id, numerical_value, is_galaxy, ... on tags.  The "MISP
Core Format Sample" in MISP's own workflow documentation (a real /events/view
answer) fails the strict schema for the same members.  Emitting them is what API compatibility requires.

No server needed.  PyMISP's schemas are vendored in tests/data/misp.
"""

import copy
import json
import pathlib

import jsonschema
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MISP_DATA = REPO / "tests" / "data" / "misp"
GOLDEN = REPO / "tests" / "data"

STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}

# Members MISP emits that schema.json does not list, per schema definition.
MISP_EMITS_BEYOND_SCHEMA = {
    "event": {
        "extends_uuid": STR,
        "Object": {"type": "array", "items": {"$ref": "#/defs/object"}},
        "EventReport": {"type": "array"},
        "CryptographicKey": {"type": "array"},
    },
    "attribute": {
        "object_id": STR,
        "object_relation": NULLABLE_STR,
        "first_seen": NULLABLE_STR,
        "last_seen": NULLABLE_STR,
    },
    "org": {"local": BOOL},
    "tag": {
        "user_id": STR,
        "numerical_value": NULLABLE_STR,
        "is_galaxy": BOOL,
        "is_custom_galaxy": BOOL,
        "local_only": BOOL,
        "local": {"type": "integer", "enum": [0, 1]},
    },
}

# Objects and their references are not in schema.json at all; these follow
# MISP's event view and draft-dulaunoy-misp-core-format ("Object").
OBJECT_DEFS = {
    "object": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "meta-category", "uuid", "Attribute"],
        "properties": {
            "id": STR,
            "name": STR,
            "meta-category": STR,
            "description": STR,
            "template_uuid": NULLABLE_STR,
            "template_version": NULLABLE_STR,
            "event_id": STR,
            "uuid": STR,
            "timestamp": STR,
            "distribution": STR,
            "sharing_group_id": STR,
            "comment": STR,
            "deleted": BOOL,
            "first_seen": NULLABLE_STR,
            "last_seen": NULLABLE_STR,
            "ObjectReference": {"type": "array", "items": {"$ref": "#/defs/object_reference"}},
            "Attribute": {"type": "array", "items": {"$ref": "#/defs/attribute"}},
        },
    },
    "object_reference": {
        "type": "object",
        "additionalProperties": False,
        "required": ["uuid", "referenced_uuid", "relationship_type"],
        "properties": {
            "id": STR,
            "uuid": STR,
            "timestamp": STR,
            "object_id": STR,
            "referenced_uuid": STR,
            "referenced_type": {"type": "string", "enum": ["0", "1"]},
            "relationship_type": STR,
            "comment": STR,
            "deleted": BOOL,
            "event_id": STR,
            "source_uuid": STR,
        },
    },
}


def load_schema(name):
    with open(MISP_DATA / name, encoding="utf-8") as f:
        return json.load(f)


def extended_schema():
    schema = copy.deepcopy(load_schema("schema.json"))
    defs = schema["defs"]
    for name, extra in MISP_EMITS_BEYOND_SCHEMA.items():
        assert defs[name].get("additionalProperties") is False, name
        clash = set(extra) & set(defs[name]["properties"])
        assert not clash, f"schema.json now defines {clash} in {name}: trim the list"
        defs[name]["properties"].update(extra)
    # Event.Org/Orgc refer to "org"; keep "orgc" in step for any other user.
    defs["orgc"]["properties"].update(MISP_EMITS_BEYOND_SCHEMA["org"])
    defs.update(copy.deepcopy(OBJECT_DEFS))
    return schema


def golden_events():
    files = sorted(GOLDEN.glob("*.ok"))
    events = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if text.startswith("error:"):
            continue
        events.append(pytest.param(json.loads(text), id=path.name))
    return events


EVENTS = golden_events()
ALLOWED_EXTRA = set().union(*(set(v) for v in MISP_EMITS_BEYOND_SCHEMA.values()))


def test_golden_directory_has_events():
    assert len(EVENTS) >= 8


@pytest.mark.parametrize("event", EVENTS)
def test_golden_event_valid_against_lax_schema(event):
    jsonschema.Draft4Validator(load_schema("schema-lax.json")).validate(event)


@pytest.mark.parametrize("event", EVENTS)
def test_golden_event_strict_schema_differs_only_by_documented_members(event):
    validator = jsonschema.Draft4Validator(load_schema("schema.json"))
    for error in validator.iter_errors(event):
        assert error.validator == "additionalProperties", error.message
        present = set(error.instance) - set(error.schema.get("properties", {}))
        assert present <= ALLOWED_EXTRA, f"{list(error.absolute_path)}: {present - ALLOWED_EXTRA}"


@pytest.mark.parametrize("event", EVENTS)
def test_golden_event_valid_against_strict_schema_with_misp_members(event):
    jsonschema.Draft4Validator(extended_schema()).validate(event)


def test_extended_schema_still_rejects_unknown_members():
    event = {"Event": {"info": "x", "Attribute": [{"value": "v", "misspelt_field": "1"}]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(extended_schema()).validate(event)
