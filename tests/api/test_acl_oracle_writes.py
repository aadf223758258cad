"""The write oracle: for every pair of roles (the actor's, the target's), with
actor and target in the same organisation and in different ones, every write
endpoint is tried; a reference model written here in plain Python from
docs/access-control.md and MISP's rules says allowed or refused (and 404 or
403), and the state is read back with the site admin's key before and after:
a refused write changes nothing, an allowed one does what it says.

The model's rules (independent of src/core/acl.c):

- site admins may do everything;
- accounts: an org admin (perm_admin) manages the users and keys of its own
  organisation only, and no one acts on an account holding a permission they
  lack, nor grants a role with one (or a role restricted to site admins); a
  user of another organisation stays invisible (404), a higher one is 403;
  everyone with perm_auth manages its own keys; no one deletes itself;
- roles and organisations: no role is writable over the API; only site
  admins add organisations, none are edited or deleted over the API;
- sharing groups: perm_sharing_group adds one; changing one (name, members,
  servers, deletion) needs perm_sharing_group and the creator organisation or
  a membership with extend; one the actor cannot see answers 404;
- events, attributes, objects: perm_add adds; modifying needs perm_modify_org
  and the creator organisation, or perm_modify and being the creator user;
  publish and unpublish need perm_publish and the creator organisation;
  tagging needs perm_tagger and the creator organisation; creating tags needs
  perm_tag_editor; an event the actor cannot see answers 404;
- sightings: recording needs perm_sighting and an attribute the actor reaches
  (a peer: by TLP too); deleting needs perm_modify_org or perm_admin in the
  reporting organisation, and the sighting must be visible; bulkSaveSightings
  needs perm_sync, an event the peer reaches, and deletes only sightings its
  organisation reported or delivered.

Then what a peer sends: pushes (a sync user's events/add and events/edit with
uuid and timestamp) and pulls from a scripted hostile peer land only into
events and sharing groups the sender may write, never onto another
organisation's data.

ORACLE_SEED seeds the choices; ORACLE_WRITE_ROUNDS (default 1) repeats the
whole sweep with other random choices.
"""
import os
import random
import time
import uuid

import pytest

from conftest import Client, unique

SEED = int(os.environ.get("ORACLE_SEED", "1"))
ROUNDS = int(os.environ.get("ORACLE_WRITE_ROUNDS", "1"))
ROLES = [1, 2, 3, 4, 5, 6]  # admin, Org Admin, User, Publisher, Sync user, Read Only
REFUSED = (403, 404)


class Model:
    """The rules, over the role permissions the server lists (data, not logic)."""

    def __init__(self, roles):
        self.perms = {int(r["Role"]["id"]): {k for k, v in r["Role"].items()
                                             if k.startswith("perm_") and v is True}
                      for r in roles}
        self.restricted = {int(r["Role"]["id"]): bool(r["Role"]["restricted_to_site_admin"])
                           for r in roles}

    def site_admin(self, role):
        return "perm_site_admin" in self.perms[role]

    def has(self, role, perm):
        return self.site_admin(role) or perm in self.perms[role]

    def can_grant(self, role, granted):
        if self.site_admin(role):
            return True
        return not self.restricted[granted] and self.perms[granted] <= self.perms[role]

    def admin_of(self, actor, org):
        return self.site_admin(actor.role) or ("perm_admin" in self.perms[actor.role] and
                                               actor.org == org)

    def manage_user(self, actor, target):
        """None if allowed, else the status the refusal answers."""
        if not self.admin_of(actor, target.org):
            return 404
        return None if self.can_grant(actor.role, target.role) else 403

    def manage_keys(self, actor, target):
        if actor.uid == target.uid:
            return None if self.has(actor.role, "perm_auth") else 404
        return self.manage_user(actor, target)


class Account:
    def __init__(self, client, org, role):
        self.client, self.org, self.role = client, org, role
        self.uid = client.user["id"]
        self.key = client.s.headers["Authorization"]
        self.key_id = client.key_id

    def __repr__(self):
        return "user %s (org %s, role %d)" % (self.uid, self.org, self.role)


@pytest.fixture(scope="module")
def ww(server, admin, make_user):
    """Three organisations, an account of every role in each."""
    r = admin.get("/roles/index")
    assert r.status_code == 200
    model = Model(r.json())
    orgs = []
    for _ in range(3):
        r = admin.post("/admin/organisations/add", {"name": unique("oracle-w-org")})
        assert r.status_code == 200, r.text
        orgs.append(r.json()["Organisation"])
    actors = {(o["id"], role): Account(make_user(role_id=role, org_id=o["id"]), o["id"], role)
              for o in orgs for role in ROLES}
    for t in ("oracle-w-a", "oracle-w-b"):
        r = admin.post("/tags/add", {"name": t})
        assert r.status_code in (200, 409), r.text

    class W:
        pass
    w = W()
    w.server, w.admin, w.make_user, w.model = server, admin, make_user, model
    w.orgs = [o["id"] for o in orgs]
    w.org_uuid = {o["id"]: o["uuid"] for o in orgs}
    w.actors = actors
    return w


def fail(actor, what, status, want, detail=""):
    pytest.fail("%r, %s: status %d, the model says %s%s" % (
        actor, what, status, "allowed" if want is None else "refused (%d)" % want,
        "; " + detail if detail else ""))


def check_status(actor, what, r, want, detail=""):
    """want None: 200; else the refusal status."""
    if want is None and r.status_code != 200:
        fail(actor, what, r.status_code, want, detail + " " + r.text[:200])
    if want is not None and r.status_code != want:
        fail(actor, what, r.status_code, want, detail + " " + r.text[:200])


def pairs(w):
    """(actor, target org, same org?) for every actor and both relations."""
    for (org, role), actor in sorted(w.actors.items()):
        other = [o for o in w.orgs if o != org][0]
        yield actor, org, True
        yield actor, other, False


# ---- users, keys, roles, organisations ----

def new_target(w, org, role):
    c = w.make_user(role_id=role, org_id=org)
    return Account(c, org, role)


def user_state(w, uid):
    r = w.admin.get("/admin/users/view/%s" % uid)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    u = r.json()["User"]
    return {k: str(u[k]) for k in ("email", "role_id", "org_id", "disabled")}


def key_works(w, key):
    return Client(w.server, key).get("/users/view/me").status_code == 200


def test_user_and_key_writes_match_the_model(ww):
    w, m = ww, ww.model
    rng = random.Random(SEED + 10)
    checks = 0
    for _ in range(ROUNDS):
        for actor, org, same in pairs(w):
            for trole in ROLES:
                where = "target role %d %s org" % (trole, "same" if same else "other")
                # users/add: a new account of role trole in org
                email = unique("oracle-w") + "@example.org"
                r = actor.client.post("/admin/users/add",
                                      {"email": email, "org_id": org, "role_id": trole})
                want = None
                if not m.admin_of(actor, actor.org):
                    want = 403
                elif not m.admin_of(actor, org) or not m.can_grant(actor.role, trole):
                    want = 403
                check_status(actor, "users/add " + where, r, want)
                if want is None:
                    assert user_state(w, r.json()["User"]["id"])["email"] == email
                checks += 1
                # users/edit of one field, then users/delete, on an account
                target = new_target(w, org, trole)
                field = rng.choice(["email", "role_id", "org_id", "disabled"])
                value = {"email": unique("oracle-w-edit") + "@example.org",
                         "role_id": rng.choice(ROLES),
                         "org_id": rng.choice(w.orgs), "disabled": True}[field]
                before = user_state(w, target.uid)
                r = actor.client.post("/admin/users/edit/%s" % target.uid, {field: value})
                want = m.manage_user(actor, target)
                if want is None and field == "role_id" and not m.can_grant(actor.role, value):
                    want = 403
                if want is None and field == "org_id" and not m.admin_of(actor, value):
                    want = 403
                check_status(actor, "users/edit %s=%s of %r (%s)" % (field, value, target, where),
                             r, want)
                after = user_state(w, target.uid)
                if want is None:
                    before[field] = str(value)
                assert after == before, (actor, target, field, value, before, after)
                checks += 1
                if want is None:
                    target = new_target(w, org, trole)
                # auth_keys/add for the target, auth_keys/delete of its key
                r = actor.client.post("/auth_keys/add/%s" % target.uid, {"comment": "oracle"})
                want = m.manage_keys(actor, target)
                check_status(actor, "auth_keys/add for %r (%s)" % (target, where), r, want)
                if want is None:
                    assert key_works(w, r.json()["AuthKey"]["authkey_raw"])
                checks += 1
                r = actor.client.post("/auth_keys/delete/%s" % target.key_id)
                check_status(actor, "auth_keys/delete of %r's key (%s)" % (target, where), r, want)
                assert key_works(w, target.key) == (want is not None), (actor, target)
                checks += 1
                if want is None:
                    target = new_target(w, org, trole)
                r = actor.client.post("/admin/users/delete/%s" % target.uid)
                want = m.manage_user(actor, target)
                check_status(actor, "users/delete of %r (%s)" % (target, where), r, want)
                assert (user_state(w, target.uid) is None) == (want is None), (actor, target)
                assert key_works(w, target.key) == (want is not None), (actor, target)
                checks += 1
        # every account on itself: its own keys with perm_auth, never its own deletion
        for actor in w.actors.values():
            me = new_target(w, actor.org, actor.role)
            r = me.client.post("/auth_keys/add/%s" % me.uid, {})
            want = m.manage_keys(me, me)
            check_status(me, "auth_keys/add for itself", r, want)
            r = me.client.post("/admin/users/delete/%s" % me.uid)
            assert r.status_code in (403, 404, 409), (me, r.status_code)
            assert user_state(w, me.uid) is not None
            checks += 2
    print("user and key writes: %d checks" % checks)


def test_roles_and_organisations_writes_match_the_model(ww):
    w, m = ww, ww.model
    roles = w.admin.get("/roles/index").json()
    orgs_before = {o["Organisation"]["id"]: o["Organisation"]["name"]
                   for o in w.admin.get("/organisations/index").json()}
    for actor in w.actors.values():
        c = actor.client
        for path in ("/admin/roles/add", "/roles/add", "/admin/roles/edit/3", "/roles/edit/3",
                     "/admin/roles/delete/3", "/roles/delete/3", "/roles/index",
                     "/admin/organisations/edit/%s" % actor.org,
                     "/admin/organisations/delete/%s" % actor.org,
                     "/organisations/delete/%s" % actor.org):
            r = c.post(path, {"name": "oracle-w-hijack", "perm_site_admin": True})
            assert r.status_code in (404, 405), (actor, path, r.status_code)
        name = unique("oracle-w-org-by")
        r = c.post("/admin/organisations/add", {"name": name})
        want = None if m.site_admin(actor.role) else 403
        check_status(actor, "organisations/add", r, want)
        names = {o["Organisation"]["name"] for o in w.admin.get("/organisations/index").json()}
        assert (name in names) == (want is None), actor
    assert w.admin.get("/roles/index").json() == roles
    after = {o["Organisation"]["id"]: o["Organisation"]["name"]
             for o in w.admin.get("/organisations/index").json()}
    assert {k: v for k, v in after.items() if k in orgs_before} == orgs_before


# ---- sharing groups ----

def sg_state(w, sg):
    r = w.admin.get("/sharing_groups/view/%s" % sg)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    j = r.json()
    return (j["SharingGroup"]["name"],
            frozenset((o["org_id"], o["extend"]) for o in j["SharingGroupOrg"]),
            frozenset((s["server_id"], s["all_orgs"]) for s in j["SharingGroupServer"]))


SG_RELATIONS = ["creator", "extend", "member", "outside", "all_orgs"]


def new_group(w, actor_org, relation):
    """A group (made by another org's org admin unless the actor's org is to be
    its creator) in which actor_org stands in relation."""
    other = [o for o in w.orgs if o != actor_org]
    creator = actor_org if relation == "creator" else other[0]
    c = w.actors[(creator, 2)].client
    r = c.post("/sharing_groups/add", {"name": unique("oracle-w-sg")})
    assert r.status_code == 200, r.text
    sg = r.json()["SharingGroup"]["id"]
    members = {other[1]} if relation == "creator" else {other[1]}
    if relation in ("extend", "member"):
        r = c.post("/sharing_groups/addOrg/%s/%s%s" % (
            sg, actor_org, "/extend:1" if relation == "extend" else ""))
        assert r.status_code == 200, r.text
    r = c.post("/sharing_groups/addOrg/%s/%s" % (sg, other[1]))
    assert r.status_code == 200, r.text
    if relation == "all_orgs":
        r = c.post("/sharing_groups/addServer/%s/0/all_orgs:1" % sg)
        assert r.status_code == 200, r.text
    return sg, creator, members


def test_sharing_group_writes_match_the_model(ww):
    w, m = ww, ww.model
    checks = 0
    for _ in range(ROUNDS):
        for (org, role), actor in sorted(w.actors.items()):
            r = actor.client.post("/sharing_groups/add", {"name": unique("oracle-w-sg-by")})
            want = None if m.has(role, "perm_sharing_group") else 403
            check_status(actor, "sharing_groups/add", r, want)
            checks += 1
            for rel in SG_RELATIONS:
                sg, creator, members = new_group(w, org, rel)
                visible = m.site_admin(role) or rel != "outside"
                editable = m.site_admin(role) or (m.has(role, "perm_sharing_group") and
                                                  rel in ("creator", "extend"))
                want = None if editable else (403 if visible else 404)
                third = sorted(members)[0]
                actions = [
                    ("edit", "/sharing_groups/edit/%s" % sg, {"name": unique("oracle-w-sg-ren")}),
                    ("addOrg", "/sharing_groups/addOrg/%s/%s/extend:1" % (sg, third), None),
                    ("removeOrg", "/sharing_groups/removeOrg/%s/%s" % (sg, third), None),
                    ("addServer", "/sharing_groups/addServer/%s/0/all_orgs:1" % sg, None),
                    ("removeServer", "/sharing_groups/removeServer/%s/0" % sg, None),
                    ("delete", "/sharing_groups/delete/%s" % sg, None),
                ]
                for name, path, body in actions:
                    before = sg_state(w, sg)
                    r = actor.client.post(path, body)
                    check_status(actor, "sharing_groups/%s, actor's org is %s" % (name, rel),
                                 r, want)
                    after = sg_state(w, sg)
                    if want is not None:
                        assert after == before, (actor, name, rel, before, after)
                    elif name == "delete":
                        assert after is None, (actor, rel)
                    else:
                        assert after != before or name == "addServer" and rel == "all_orgs", \
                            (actor, name, rel, before, after)
                    checks += 1
    print("sharing group writes: %d checks" % checks)


# ---- events, attributes, objects, tags ----

EV_RELATIONS = ["own", "org", "other-visible", "other-hidden"]


def new_event(w, actor, relation, published=False):
    """An event with an attribute, an object and tag oracle-w-a; returns its
    uuid, an attribute uuid and an object uuid (as the admin sees them)."""
    other = [o for o in w.orgs if o != actor.org][0]
    creator = {"own": actor.client, "org": w.actors[(actor.org, 4)].client,
               "other-visible": w.actors[(other, 4)].client,
               "other-hidden": w.actors[(other, 4)].client}[relation]
    body = {"info": unique("oracle-w-ev"), "distribution": 0 if relation == "other-hidden" else 1,
            "Tag": [{"name": "oracle-w-a"}],
            "Attribute": [{"type": "text", "value": unique("oracle-w-v"),
                           "Tag": [{"name": "oracle-w-a"}]}],
            "Object": [{"name": "oracle-w-obj", "Attribute": [
                {"type": "text", "object_relation": "text", "value": unique("oracle-w-o")}]}]}
    r = creator.post("/events/add", body)
    assert r.status_code == 200, r.text
    e = r.json()["Event"]
    if published:
        r = w.admin.post("/events/publish/%s" % e["uuid"])
        assert r.status_code == 200, r.text
    return e["uuid"], e["Attribute"][0]["uuid"], e["Object"][0]["uuid"]


def event_state(w, eu):
    r = w.admin.get("/events/view/%s/includeEventCorrelations:0" % eu)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    e = r.json()["Event"]
    attrs = {a["uuid"]: (a["value"], frozenset(t["name"] for t in a.get("Tag", [])))
             for a in e.get("Attribute", [])}
    for o in e.get("Object", []):
        attrs.update({a["uuid"]: (a["value"], frozenset(t["name"] for t in a.get("Tag", [])))
                      for a in o.get("Attribute", [])})
    return {"info": e["info"], "published": e["published"], "attrs": attrs,
            "objects": frozenset(o["uuid"] for o in e.get("Object", [])),
            "tags": frozenset(t["name"] for t in e.get("Tag", []))}


def event_actions(eu, au, ou):
    new_value = unique("oracle-w-new")
    return [
        ("events/edit", "/events/edit/%s" % eu, {"info": new_value},
         lambda s: s["info"] == new_value),
        ("events/delete", "/events/delete/%s" % eu, None, lambda s: s is None),
        ("events/publish", "/events/publish/%s" % eu, None, lambda s: s["published"]),
        ("events/unpublish", "/events/unpublish/%s" % eu, None, lambda s: not s["published"]),
        ("attributes/add", "/attributes/add/%s" % eu, {"type": "text", "value": new_value},
         lambda s: any(v == new_value for v, _ in s["attrs"].values())),
        ("attributes/edit", "/attributes/edit/%s" % au, {"value": new_value},
         lambda s: s["attrs"][au][0] == new_value),
        ("attributes/delete", "/attributes/delete/%s" % au, None,
         lambda s: au not in s["attrs"]),
        ("objects/add", "/objects/add/%s" % eu,
         {"name": "oracle-w-obj", "Attribute": [{"type": "text", "object_relation": "text",
                                                  "value": new_value}]},
         lambda s: any(v == new_value for v, _ in s["attrs"].values())),
        ("objects/delete", "/objects/delete/%s" % ou, None, lambda s: ou not in s["objects"]),
        ("tag event", "/tags/attachTagToObject", {"uuid": eu, "tag": "oracle-w-b"},
         lambda s: "oracle-w-b" in s["tags"]),
        ("tag attribute", "/tags/attachTagToObject", {"uuid": au, "tag": "oracle-w-b"},
         lambda s: "oracle-w-b" in s["attrs"][au][1]),
        ("untag event", "/tags/removeTagFromObject", {"uuid": eu, "tag": "oracle-w-a"},
         lambda s: "oracle-w-a" not in s["tags"]),
        ("untag attribute", "/tags/removeTagFromObject", {"uuid": au, "tag": "oracle-w-a"},
         lambda s: "oracle-w-a" not in s["attrs"][au][1]),
    ]


def event_rule(m, actor, relation, action):
    """None if the model allows action on an event in relation to actor."""
    role = actor.role
    if relation == "other-hidden" and not m.site_admin(role):
        return 404
    own_org = relation in ("own", "org")
    if action in ("events/publish", "events/unpublish"):
        ok = m.has(role, "perm_publish") and own_org
    elif action.startswith(("tag", "untag")):
        ok = m.has(role, "perm_tagger") and own_org
    else:
        ok = (m.has(role, "perm_modify_org") and own_org) or \
            (m.has(role, "perm_modify") and relation == "own")
    return None if m.site_admin(role) or ok else 403


def test_event_writes_match_the_model(ww):
    w, m = ww, ww.model
    checks = 0
    for _ in range(ROUNDS):
        for (org, role), actor in sorted(w.actors.items()):
            r = actor.client.post("/events/add", {"info": unique("oracle-w-add"),
                                                  "distribution": 0})
            check_status(actor, "events/add", r, None if m.has(role, "perm_add") else 403)
            checks += 1
            r = actor.client.post("/tags/add", {"name": unique("oracle-w-tag")})
            check_status(actor, "tags/add", r, None if m.has(role, "perm_tag_editor") else 403)
            checks += 1
            for rel in EV_RELATIONS:
                if rel == "own" and not m.has(role, "perm_add"):
                    continue
                ev = None
                for name, _, _, _ in event_actions("e", "a", "o"):
                    if name == "events/unpublish":  # needs a published event
                        cur = new_event(w, actor, rel, published=True)
                    else:
                        ev = ev or new_event(w, actor, rel)
                        cur = ev
                    _, path, body, done = next(x for x in event_actions(*cur) if x[0] == name)
                    before = event_state(w, cur[0])
                    r = actor.client.post(path, body)
                    want = event_rule(m, actor, rel, name)
                    check_status(actor, "%s on an event (%s)" % (name, rel), r, want)
                    after = event_state(w, cur[0])
                    if want is not None:
                        assert after == before, (actor, name, rel, before, after)
                    else:
                        assert done(after), (actor, name, rel, before, after)
                        if cur is ev:
                            ev = None
                    checks += 1
    print("event writes: %d checks" % checks)


# ---- sightings ----

def sightings_of(w, eu):
    r = w.admin.post("/sightings/listSightings", {"id": eu, "context": "event"})
    assert r.status_code == 200, r.text
    return {x["Sighting"]["uuid"]: x["Sighting"]["org_id"] for x in r.json()}


SI_RELATIONS = ["own-org", "other-visible", "other-hidden", "other-red"]


def sighting_event(w, actor_org, relation):
    other = [o for o in w.orgs if o != actor_org][0]
    owner = actor_org if relation == "own-org" else other
    body = {"info": unique("oracle-w-si"), "distribution": {"own-org": 0, "other-visible": 1,
                                                            "other-hidden": 0,
                                                            "other-red": 3}[relation],
            "Attribute": [{"type": "text", "value": unique("oracle-w-sv")}]}
    if relation == "other-red":
        body["Tag"] = [{"name": "tlp:red"}]
    r = w.actors[(owner, 4)].client.post("/events/add", body)
    assert r.status_code == 200, r.text
    e = r.json()["Event"]
    return e["uuid"], e["Attribute"][0]["uuid"], owner


def sight(w, org, au):
    r = w.actors[(org, 3)].client.post("/sightings/add/%s" % au, {"source": "oracle-w"})
    assert r.status_code == 200, r.text
    return r.json()["Sighting"]["uuid"]


def test_sighting_writes_match_the_model(ww):
    w, m = ww, ww.model
    checks = 0
    for _ in range(ROUNDS):
        for (org, role), actor in sorted(w.actors.items()):
            sync = "perm_sync" in m.perms[role] and not m.site_admin(role)
            for rel in SI_RELATIONS:
                eu, au, owner = sighting_event(w, org, rel)
                visible = m.site_admin(role) or rel != "other-hidden"
                reaches = visible and not (sync and rel == "other-red")
                # sightings/add
                before = sightings_of(w, eu)
                r = actor.client.post("/sightings/add/%s" % au, {"source": "oracle-w"})
                want = (None if reaches else 404) if m.has(role, "perm_sighting") else 403
                check_status(actor, "sightings/add on an event (%s)" % rel, r, want)
                after = sightings_of(w, eu)
                assert len(after) == len(before) + (want is None), (actor, rel)
                checks += 1
                # sightings/delete of one by the event's owner and one by the
                # actor's organisation (when it may see the attribute)
                mine = sight(w, org, au) if rel != "other-hidden" else None
                theirs = sight(w, owner, au) if owner != org else None
                for su, reporter in ((mine, org), (theirs, owner)):
                    if su is None:
                        continue
                    seen = reaches and (m.site_admin(role) or sync or owner == org or
                                        reporter == org)
                    allowed = m.site_admin(role) or (
                        (m.has(role, "perm_modify_org") or m.has(role, "perm_admin")) and
                        reporter == org)
                    want = None if seen and allowed else (404 if not seen else 403)
                    r = actor.client.post("/sightings/delete/%s" % su)
                    check_status(actor, "sightings/delete of org %s's sighting on an event (%s)"
                                 % (reporter, rel), r, want)
                    assert (su in sightings_of(w, eu)) == (want is not None), (actor, rel)
                    checks += 1
                # bulkSaveSightings: a new one, the deletion of the actor's
                # organisation's sighting and of the owner's
                mine = sight(w, org, au) if rel != "other-hidden" else None
                theirs = sight(w, owner, au) if owner != org else None
                new = str(uuid.uuid4())
                items = [{"uuid": new, "attribute_uuid": au, "event_uuid": eu, "type": "0",
                          "source": "oracle-w-push", "date_sighting": str(int(time.time()))}]
                items += [{"uuid": su, "attribute_uuid": au, "event_uuid": eu,
                           "date_sighting": str(int(time.time())), "deleted": True}
                          for su in (mine, theirs) if su]
                before = sightings_of(w, eu)
                r = actor.client.post("/sightings/bulkSaveSightings/%s" % eu, items)
                may_sync = m.site_admin(role) or "perm_sync" in m.perms[role]
                event_reach = m.site_admin(role) or (rel != "other-hidden" and
                                                     not (sync and rel == "other-red"))
                want = 403 if not may_sync else (None if event_reach else 404)
                check_status(actor, "bulkSaveSightings on an event (%s)" % rel, r, want)
                after = sightings_of(w, eu)
                if want is not None:
                    assert after == before, (actor, rel)
                else:
                    expect = set(before) | {new}
                    for su, reporter in ((mine, org), (theirs, owner)):
                        if su and (m.site_admin(role) or reporter == org):
                            expect.discard(su)
                    assert set(after) == expect, (actor, rel, before, after, items)
                checks += 1
    print("sighting writes: %d checks" % checks)


# ---- what a peer sends: pushes by sync users, pulls from a hostile peer ----

def group_with(w, creator, members, all_orgs=False):
    c = w.actors[(creator, 2)].client
    r = c.post("/sharing_groups/add", {"name": unique("oracle-w-psg")})
    assert r.status_code == 200, r.text
    g = r.json()["SharingGroup"]
    for m in members:
        assert c.post("/sharing_groups/addOrg/%s/%s" % (g["id"], m)).status_code == 200
    if all_orgs:
        assert c.post("/sharing_groups/addServer/%s/0/all_orgs:1" % g["id"]).status_code == 200
    return g


def claimed_group(w, g, claimed_member):
    """The group as a sender would describe it, claiming claimed_member in it."""
    return {"uuid": g["uuid"], "name": g["name"],
            "Organisation": {"uuid": w.org_uuid[claimed_member], "name": "claimed"},
            "SharingGroupOrg": [{"extend": True, "Organisation": {
                "uuid": w.org_uuid[claimed_member], "name": "claimed"}}],
            "SharingGroupServer": [{"all_orgs": True, "Server": {"url": w.server.url}}]}


def pushed_event(uid, info, attrs=(), **fields):
    e = {"uuid": uid, "info": info, "timestamp": str(int(time.time()) + 1000),
         "distribution": "1", "date": "2024-01-01", "threat_level_id": "4", "analysis": "0",
         "Attribute": list(attrs)}
    e.update(fields)
    return {"Event": e}


def test_pushes_land_only_where_the_sender_may_write(ww):
    """A sync user's events/add and events/edit (MISP's push, with uuid and
    timestamp) never overwrite a local event or an attribute of another
    organisation, and join a local sharing group only when its organisation
    is a member of it as this node knows it."""
    w = ww
    rng = random.Random(SEED + 20)
    checks = 0
    for _ in range(ROUNDS):
        for sender_org in w.orgs:
            peer = w.actors[(sender_org, 5)].client
            others = [o for o in w.orgs if o != sender_org]
            # 1. the uuid of a local event of another organisation, and of one
            # of its attributes inside a new event
            victim = w.actors[(rng.choice(others), 4)].client
            r = victim.post("/events/add", {"info": unique("oracle-w-victim"),
                                            "distribution": rng.choice([0, 1, 3]),
                                            "Attribute": [{"type": "text",
                                                           "value": unique("oracle-w-vv")}]})
            assert r.status_code == 200, r.text
            v = r.json()["Event"]
            before = event_state(w, v["uuid"])
            for path in ("/events/add", "/events/edit/%s" % v["uuid"]):
                r = peer.post(path, pushed_event(v["uuid"], "hijacked"))
                assert r.status_code == 403, (path, r.status_code, r.text)
                assert event_state(w, v["uuid"]) == before, path
                checks += 1
            au = v["Attribute"][0]["uuid"]
            r = peer.post("/events/add", pushed_event(str(uuid.uuid4()), "steal attribute", [
                {"uuid": au, "type": "text", "value": "hijacked", "distribution": "5",
                 "timestamp": str(int(time.time()) + 1000)}]))
            assert r.status_code != 200 or event_state(w, r.json()["Event"]["uuid"])["attrs"] \
                .get(au) is None, r.text
            assert event_state(w, v["uuid"]) == before
            checks += 1
            # 2. sharing groups: one the sender's organisation is in (listed,
            # creator, all_orgs) and one it is not, claimed either way
            cases = [(group_with(w, others[0], [sender_org]), True),
                     (group_with(w, sender_org, []), True),
                     (group_with(w, others[0], [others[1]], all_orgs=True), True),
                     (group_with(w, others[0], [others[1]]), False)]
            for g, member in cases:
                before = sg_state(w, g["id"])
                uid = str(uuid.uuid4())
                r = peer.post("/events/add", pushed_event(
                    uid, "into a group", distribution="4", sharing_group_id=g["id"],
                    SharingGroup=claimed_group(w, g, sender_org)))
                if member:
                    assert r.status_code == 200, r.text
                    ev = w.admin.get("/events/view/%s" % uid).json()["Event"]
                    assert str(ev["sharing_group_id"]) == str(g["id"]), ev
                else:
                    assert r.status_code == 403, r.text
                    assert event_state(w, uid) is None
                # an attribute claiming the group, in an event of distribution 1
                uid = str(uuid.uuid4())
                au = str(uuid.uuid4())
                r = peer.post("/events/add", pushed_event(uid, "attribute into a group", [
                    {"uuid": au, "type": "text", "value": unique("oracle-w-pa"),
                     "distribution": "4", "sharing_group_id": g["id"],
                     "SharingGroup": claimed_group(w, g, sender_org),
                     "timestamp": str(int(time.time()) + 1000)}]))
                assert r.status_code == 200, r.text
                assert (au in event_state(w, uid)["attrs"]) == member, (g, member)
                assert sg_state(w, g["id"]) == before, "a push changed a local group"
                checks += 2
    print("push checks: %d" % checks)


def test_pulls_land_only_where_the_peer_may_write(ww):
    """A scripted hostile peer, pulled: its events never overwrite a local
    event nor join a local group its organisation is not in; its sightings
    land only on events it may see (by TLP too) or the copies it delivered,
    and it deletes only the sightings it delivered."""
    from test_sync import FakePeer, misp_event
    w = ww
    peer = FakePeer()
    peer.version["liaison_sync"] = 1  # it sends sighting deletions
    base = peer.httpd.RequestHandlerClass

    class Handler(base):
        def do_POST(self):
            if self.path != "/events/syncRevoked":
                return base.do_POST(self)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            return self.answer(200, [])  # it revokes nothing
    peer.httpd.RequestHandlerClass = Handler
    now = int(time.time())
    r = w.admin.post("/servers/add", {"url": peer.url, "authkey": "P" * 40, "pull": True,
                                      "timeout": 5, "RemoteOrg": {"uuid": peer.version["uuid"],
                                                                  "name": unique("oracle-w-peer")}})
    assert r.status_code == 200, r.text
    sid = r.json()["Server"]["id"]
    owner, third = w.orgs[0], w.orgs[1]
    pub = w.actors[(owner, 4)].client
    try:
        # the peer's organisation exists here now (the link's remote org)
        porg = [o["Organisation"] for o in w.admin.get("/organisations/index").json()
                if o["Organisation"]["uuid"] == peer.version["uuid"]][0]["id"]
        member_g = group_with(w, owner, [porg])
        outside_g = group_with(w, owner, [third])
        local = {}  # name -> (event, reaches?)
        for name, dist, tags, sg, reaches in (
                ("private", 0, (), None, False), ("shared", 3, (), None, True),
                ("red", 3, ("tlp:red",), None, False), ("amber", 1, ("tlp:amber",), None, False),
                ("member group", 4, (), member_g, True),
                ("outside group", 4, (), outside_g, False)):
            body = {"info": unique("oracle-w-pull %s" % name), "distribution": dist,
                    "Tag": [{"name": t} for t in tags],
                    "Attribute": [{"type": "text", "value": unique("oracle-w-pv")}]}
            if sg:
                body["sharing_group_id"] = sg["id"]
            r = pub.post("/events/add", body)
            assert r.status_code == 200, r.text
            local[name] = (r.json()["Event"], reaches)
        # a copy the peer delivers, and events that claim local things
        copy = str(uuid.uuid4())
        cattr = str(uuid.uuid4())
        peer.offer("json", misp_event(copy, [{"uuid": cattr, "type": "text", "value": "copy",
                                              "timestamp": "1700000000",
                                              "distribution": "5"}]), copy)
        peer.index[-1]["sighting_timestamp"] = str(now)
        hijack = local["shared"][0]
        peer.offer("json", misp_event(hijack["uuid"], []), hijack["uuid"])
        peer.index[-1]["timestamp"] = str(now + 1000)
        intruder = str(uuid.uuid4())
        ev = misp_event(intruder, [])
        ev["Event"].update({"distribution": "4", "sharing_group_id": outside_g["id"],
                            "SharingGroup": claimed_group(w, outside_g, third)})
        ev["Event"]["SharingGroup"]["SharingGroupOrg"].append(
            {"extend": True, "Organisation": {"uuid": peer.version["uuid"], "name": "peer"}})
        peer.offer("json", ev, intruder)
        # local sightings, by the owner and by a third organisation
        mine = {}
        for name, (e, _) in local.items():
            r = w.actors[(owner, 3)].client.post("/sightings/add/%s" % e["Attribute"][0]["uuid"],
                                                 {"source": "local"})
            assert r.status_code == 200, r.text
            mine[name] = r.json()["Sighting"]["uuid"]
            peer.index.append({"id": str(len(peer.index) + 1), "uuid": e["uuid"],
                               "timestamp": "1600000000", "sighting_timestamp": str(now),
                               "published": True})
        r = w.actors[(third, 3)].client.post(
            "/sightings/add/%s" % local["shared"][0]["Attribute"][0]["uuid"], {"source": "3rd"})
        assert r.status_code == 200, r.text
        third_s = r.json()["Sighting"]["uuid"]

        def s(eu, au, **f):
            x = {"uuid": str(uuid.uuid4()), "attribute_uuid": au, "event_uuid": eu, "type": "0",
                 "source": "hostile", "date_sighting": str(now - 10), "org_id": "0"}
            x.update(f)
            return {"Sighting": x}
        sent = {name: s(e["uuid"], e["Attribute"][0]["uuid"]) for name, (e, _) in local.items()}
        on_copy = s(copy, cattr)
        peer.sightings = list(sent.values()) + [on_copy] + [
            s(e["uuid"], e["Attribute"][0]["uuid"], uuid=mine[name], deleted=True)
            for name, (e, _) in local.items()] + [
            s(hijack["uuid"], hijack["Attribute"][0]["uuid"], uuid=third_s, deleted=True)]
        before_hijack = event_state(w, hijack["uuid"])
        r = w.admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 200, r.text
        assert event_state(w, hijack["uuid"]) == before_hijack
        got = w.admin.get("/events/view/%s" % intruder)
        assert got.status_code == 404 or \
            str(got.json()["Event"]["sharing_group_id"]) != str(outside_g["id"]), got.text
        assert event_state(w, copy) is not None
        for name, (e, reaches) in local.items():
            have = set(sightings_of(w, e["uuid"]))
            assert mine[name] in have, "the peer deleted a local sighting on %s" % name
            assert (sent[name]["Sighting"]["uuid"] in have) == reaches, name
        assert third_s in sightings_of(w, hijack["uuid"])
        assert on_copy["Sighting"]["uuid"] in sightings_of(w, copy)
        # and what the peer delivered it may take back
        peer.sightings = [s(copy, cattr, uuid=on_copy["Sighting"]["uuid"], deleted=True),
                          s(hijack["uuid"], hijack["Attribute"][0]["uuid"],
                            uuid=sent["shared"]["Sighting"]["uuid"], deleted=True)]
        for e in peer.index:
            e["sighting_timestamp"] = str(now + 5)
        r = w.admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 200, r.text
        assert on_copy["Sighting"]["uuid"] not in sightings_of(w, copy)
        assert sent["shared"]["Sighting"]["uuid"] not in sightings_of(w, hijack["uuid"])
    finally:
        w.admin.post("/servers/delete/%s" % sid)
        peer.httpd.shutdown()
