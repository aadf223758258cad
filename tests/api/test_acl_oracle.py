"""The leak oracle: a seeded, randomized property test of who sees what.

It builds random organisations, users of every role, sharing groups with random
members, and events with random distributions, sharing groups, TLP tags,
objects and published states; then, for every user, it compares what each read
endpoint returns with a reference model written here in plain Python sets (not
a copy of the C logic), following MISP's rules:

- a site admin sees everything;
- an event is visible if the user's org owns it, or its distribution is 1-3, or
  it is 4 and the user's org may see its sharing group;
- a sharing group is visible to its creator org, its member orgs, and everyone
  when its entry for this node has all_orgs;
- an attribute (or object) of a visible event is visible if the user's org owns
  the event, or its own distribution is 1, 2, 3 or 5 (inherit), or 4 with a
  visible sharing group; an attribute inside an object also needs the object;
- an event's RelatedEvent lists the other visible events holding, in a visible
  attribute, a value of a visible attribute of the viewed event;
- beyond MISP, what a sync user (a peer pulling) reads of events and attributes
  is also cut by TLP: each distribution is narrowed to what the TLP allows (red: 0 or a
  sharing group, amber: 0, green: up to 2), and what is then below 1 and not a
  sharing group is not served; peers get no RelatedEvent;
- every user, peers included, on the other read paths: POST /lookup, sightings
  (restSearch, index, listSightings) under MISP's "event owner" policy, and the
  sync endpoints filterEventIdsForPush and filterSightingUuidsForPush; there a
  peer reaches an item only if it leaves by TLP or its organisation owns the
  event (docs/access-control.md "What a peer reaches").
Writes, pushes and pulls: test_acl_oracle_writes.py.

ORACLE_CASES (default 2000) events (and a tenth as many sightings); ORACLE_SEED
(default 1) seeds the run.
`ORACLE_CASES=100000 make test-oracle` runs the large version.
"""
import csv
import io
import os
import random
import uuid

import pytest

from conftest import unique

CASES = int(os.environ.get("ORACLE_CASES", "2000"))
SEED = int(os.environ.get("ORACLE_SEED", "1"))
ROLES = [1, 2, 3, 4, 5, 6]  # admin, Org Admin, User, Publisher, Sync user, Read Only
CORR_POOL = int(os.environ.get("ORACLE_CORR_POOL", "30"))  # distinct correlating values
CORR_THRESHOLD = 1000  # correlation_threshold's default: a value held by more events is
# over-correlating and lists no RelatedEvent (docs/api.md)
TLP = ["tlp:clear", "tlp:white", "tlp:green", "tlp:amber", "tlp:amber+strict", "tlp:red"]


class World:
    """What the test created, and the reference model over it."""

    def __init__(self):
        self.orgs = []            # org ids (strings)
        self.users = []           # (client, org_id, role_id)
        self.groups = {}          # sg id -> {"creator", "members": set, "all_orgs": bool}
        self.events = {}          # uuid -> {"org", "dist", "sg", "attrs": {uuid: (dist, sg, obj)}}
        self.objects = {}         # object uuid -> (dist, sg)
        self.values = {}          # attribute value -> uuid (values are unique here)
        self.sightings = {}       # sighting uuid -> (event uuid, attribute uuid, reporter org)

    def sg_visible(self, sg, org):
        g = self.groups[sg]
        return g["creator"] == org or org in g["members"] or g["all_orgs"]

    def event_visible(self, ev, org, admin):
        if admin or ev["org"] == org:
            return True
        if ev["dist"] in (1, 2, 3):
            return True
        return ev["dist"] == 4 and self.sg_visible(ev["sg"], org)

    def child_visible(self, ev, dist, sg, org, admin):
        if admin or ev["org"] == org:
            return True
        if dist in (1, 2, 3, 5):
            return True
        return dist == 4 and self.sg_visible(sg, org)

    def related(self, eu, org, admin):
        """RelatedEvent of event eu as org sees it: the other visible events
        holding, in an attribute org may see, a value org sees in eu."""
        ev = self.events[eu]
        if not hasattr(self, "corr_holders"):
            self.corr_holders = {}
            for f in self.events.values():
                for v in f["corr"]:
                    self.corr_holders[v] = self.corr_holders.get(v, 0) + 1
        mine = {v for v, (d, sg) in ev["corr"].items()
                if self.child_visible(ev, d, sg, org, admin) and
                self.corr_holders[v] <= CORR_THRESHOLD}
        out = set()
        for fu, f in self.events.items():
            if fu == eu or not self.event_visible(f, org, admin):
                continue
            if any(v in mine and self.child_visible(f, d, sg, org, admin)
                   for v, (d, sg) in f["corr"].items()):
                out.add(fu)
        return out

    @staticmethod
    def tlp_cap(tlp, dist):
        allowed = {"tlp:red": (0, 4, 5), "tlp:amber": (0, 5), "tlp:amber+strict": (0, 5),
                   "tlp:green": (0, 1, 2, 4, 5)}.get(tlp)
        if allowed is None or dist in allowed:
            return dist
        if dist == 4:
            return 0
        return 2 if tlp == "tlp:green" else 0

    @staticmethod
    def may_leave(dist):
        return dist in (1, 2, 3, 4)

    def expected(self, org, admin, sync=False):
        events, attrs = set(), set()
        for eu, ev in self.events.items():
            if not self.event_visible(ev, org, admin):
                continue
            edist = self.tlp_cap(ev["tlp"], ev["dist"])
            if sync and not self.may_leave(edist):
                continue
            events.add(eu)
            for au, (dist, sg, obj) in ev["attrs"].items():
                if not self.child_visible(ev, dist, sg, org, admin):
                    continue
                parent = edist
                if obj is not None:
                    odist, osg = self.objects[obj]
                    if not self.child_visible(ev, odist, osg, org, admin):
                        continue
                    parent = edist if odist == 5 else self.tlp_cap(ev["tlp"], odist)
                    if sync and not self.may_leave(parent):
                        continue
                mine = parent if dist == 5 else self.tlp_cap(ev["tlp"], dist)
                if sync and not self.may_leave(mine):
                    continue
                attrs.add(au)
        return events, attrs


    # ---- what a peer reaches, and sightings (docs/access-control.md "Who
    # sees a sighting", "What a peer reaches") ----

    def reaches(self, ev, dist, sg, obj, org, admin, sync):
        """May org read this attribute of ev (dist, sg, obj as in ev["attrs"]),
        through a look-up or a sighting read?  Everyone by the visibility
        rules; a peer (sync) also only what leaves by TLP, unless its
        organisation owns the event here."""
        if not self.event_visible(ev, org, admin) or \
                not self.child_visible(ev, dist, sg, org, admin):
            return False
        if obj is not None and not self.child_visible(ev, *self.objects[obj], org, admin):
            return False
        if not sync or admin or ev["org"] == org:
            return True
        parent = self.tlp_cap(ev["tlp"], ev["dist"])
        if not self.may_leave(parent):
            return False
        if obj is not None:
            odist = self.objects[obj][0]
            parent = parent if odist == 5 else self.tlp_cap(ev["tlp"], odist)
            if not self.may_leave(parent):
                return False
        return self.may_leave(parent if dist == 5 else self.tlp_cap(ev["tlp"], dist))

    def event_reaches(self, ev, org, admin, sync):
        if not self.event_visible(ev, org, admin):
            return False
        return not sync or admin or ev["org"] == org or \
            self.may_leave(self.tlp_cap(ev["tlp"], ev["dist"]))

    def sighting_visible(self, su, org, admin, sync):
        """MISP's "event owner" policy: on an attribute the reader reaches, all
        sightings for the event's owner, site admins and peers, else only
        those its own organisation reported."""
        eu, au, reporter = self.sightings[su]
        ev = self.events[eu]
        if not self.reaches(ev, *ev["attrs"][au], org, admin, sync):
            return False
        return admin or sync or ev["org"] == org or reporter == org


def pick_distribution(rng, world, org, allow_inherit):
    """A random distribution and, for 4, a group org may use (else another level)."""
    choices = [0, 1, 2, 3, 4] + ([5] if allow_inherit else [])
    dist = rng.choice(choices)
    if dist != 4:
        return dist, None
    usable = [sg for sg in world.groups if world.sg_visible(sg, org)]
    if not usable:
        return 0, None
    return 4, rng.choice(usable)


@pytest.fixture(scope="module")
def world(server, admin, make_user):
    rng = random.Random(SEED)
    w = World()
    n_orgs = 6
    for _ in range(n_orgs):
        r = admin.post("/admin/organisations/add", {"name": unique("oracle-org")})
        assert r.status_code == 200, r.text
        w.orgs.append(r.json()["Organisation"]["id"])
    # users of every role in every org, plus the instance admin
    for org in w.orgs:
        for role in ROLES:
            c = make_user(role_id=role, org_id=org)
            w.users.append((c, org, role))
    writers = {org: [c for c, o, r in w.users if o == org and r in (2, 4, 5)] for org in w.orgs}
    # sharing groups created by org admins, with random members
    for _ in range(8):
        creator = rng.choice(w.orgs)
        c = [x for x, o, r in w.users if o == creator and r == 2][0]
        r = c.post("/sharing_groups/add", {"name": unique("oracle-sg")})
        assert r.status_code == 200, r.text
        sg = r.json()["SharingGroup"]["id"]
        members = set(rng.sample([o for o in w.orgs if o != creator], rng.randint(0, 3)))
        for m in members:
            assert c.post("/sharing_groups/addOrg/%s/%s" % (sg, m)).status_code == 200
        all_orgs = rng.random() < 0.15
        if all_orgs:
            assert c.post("/sharing_groups/addServer/%s/0/all_orgs:1" % sg).status_code == 200
        w.groups[sg] = {"creator": creator, "members": members, "all_orgs": all_orgs}
    # events
    for i in range(CASES):
        org = rng.choice(w.orgs)
        client = rng.choice(writers[org])
        dist, sg = pick_distribution(rng, w, org, False)
        tlp = rng.choice(TLP)
        body = {"info": "oracle %d" % i, "distribution": dist,
                "Tag": [{"name": tlp}], "Attribute": [], "Object": []}
        if sg:
            body["sharing_group_id"] = sg
        ev = {"org": org, "dist": dist, "sg": sg, "attrs": {}, "tlp": tlp}
        for j in range(rng.randint(1, 3)):
            adist, asg = pick_distribution(rng, w, org, True)
            au = str(uuid.uuid4())
            a = {"uuid": au, "type": "text", "value": "oracle %d/%d" % (i, j),
                 "distribution": adist}
            if asg:
                a["sharing_group_id"] = asg
            body["Attribute"].append(a)
            ev["attrs"][au] = (adist, asg, None)
            w.values[a["value"]] = au
        ev["corr"], ev["corr_uuid"] = {}, {}
        if rng.random() < 0.7:
            # a correlating value from a small pool, shared by many events
            cdist, csg = pick_distribution(rng, w, org, True)
            cv = "corr-%d.oracle.example" % rng.randrange(CORR_POOL)
            cu = str(uuid.uuid4())
            a = {"uuid": cu, "type": "domain", "value": cv, "distribution": cdist}
            if csg:
                a["sharing_group_id"] = csg
            body["Attribute"].append(a)
            ev["corr"][cv] = (cdist, csg)
            ev["corr_uuid"][cu] = (cdist, csg)
        if rng.random() < 0.3:
            odist, osg = pick_distribution(rng, w, org, True)
            ou = str(uuid.uuid4())
            obj = {"uuid": ou, "name": "oracle-object", "distribution": odist, "Attribute": []}
            if osg:
                obj["sharing_group_id"] = osg
            adist, asg = pick_distribution(rng, w, org, True)
            au = str(uuid.uuid4())
            a = {"uuid": au, "type": "text", "object_relation": "text",
                 "value": "oracle %d/object" % i, "distribution": adist}
            if asg:
                a["sharing_group_id"] = asg
            obj["Attribute"].append(a)
            body["Object"].append(obj)
            w.objects[ou] = (odist, osg)
            ev["attrs"][au] = (adist, asg, ou)
            w.values[a["value"]] = au
        r = client.post("/events/add", body)
        assert r.status_code == 200, r.text
        eu = r.json()["Event"]["uuid"]
        ev["published"] = rng.random() < 0.5
        if ev["published"]:
            assert client.post("/events/publish/%s" % eu).status_code == 200
        w.events[eu] = ev
    record_sightings(rng, w)
    return w


SIGHTING_SOURCE = "oracle-%d" % SEED


def record_sightings(rng, w):
    """Sightings by users of random organisations on attributes they may see
    (site admins, org admins, users, publishers: perm_sighting)."""
    reporters = [(c, o, r) for c, o, r in w.users if r in (1, 2, 3, 4)]
    events = sorted(w.events)
    for _ in range(max(60, CASES // 10)):
        eu = rng.choice(events)
        ev = w.events[eu]
        au = rng.choice(sorted(ev["attrs"]))
        able = [x for x in reporters if w.reaches(ev, *ev["attrs"][au], x[1], x[2] == 1, False)]
        c, org, _ = rng.choice(able)
        r = c.post("/sightings/add/%s" % au, {"source": SIGHTING_SOURCE})
        assert r.status_code == 200, r.text
        w.sightings[r.json()["Sighting"]["uuid"]] = (eu, au, org)


def describe(world, eu, au=None):
    ev = world.events[eu]
    s = "event %s org=%s dist=%s sg=%s" % (eu, ev["org"], ev["dist"], ev["sg"])
    if ev["sg"]:
        s += " group=%s" % world.groups[ev["sg"]]
    if au:
        s += "; attribute %s (dist, sg, object)=%s" % (au, ev["attrs"][au])
    return s


COMPARED = [0]  # objects compared with the model (printed at the end, with -s)


@pytest.fixture(scope="module", autouse=True)
def report_compared():
    yield
    print("\noracle: %d events, %d sightings; %d objects compared with the model" % (
        CASES, max(60, CASES // 10), COMPARED[0]))


def check_sets(world, who, what, got, want, attrs=False):
    COMPARED[0] += len(got | want)
    leaked, missing = got - want, want - got
    if leaked or missing:
        sample = sorted(leaked)[:3] or sorted(missing)[:3]
        lines = []
        for u in sample:
            if attrs:
                eu = next(e for e, ev in world.events.items() if u in ev["attrs"])
                lines.append(describe(world, eu, u))
            else:
                lines.append(describe(world, u))
        pytest.fail("%s, %s: %d leaked, %d missing; e.g.\n  %s" % (
            who, what, len(leaked), len(missing), "\n  ".join(lines)))


def ours(world, uuids):
    """Only the data this test created (the server is shared with other tests)."""
    return {u for u in uuids if u in world.events}


def our_attrs(world, uuids):
    mine = {au for ev in world.events.values() for au in ev["attrs"]}
    return {u for u in uuids if u in mine}


def readers(world):
    for c, org, role in world.users:
        yield c, org, role == 1, "user of org %s role %d" % (org, role)


def is_peer(world, c, org):
    """Is this reader a sync user (a peer's), whose reads are cut by TLP?"""
    return (c, org, 5) in world.users


def event_readers(world):
    """Readers of events, with the model that applies to each (sync users are peers)."""
    for c, org, role in world.users:
        yield c, org, world.expected(org, role == 1, sync=role == 5), \
            "user of org %s role %d" % (org, role)


def test_events_index_matches_the_model(world):
    for c, org, (want, _), who in event_readers(world):
        r = c.post("/events/index", {"eventinfo": "oracle %"})
        assert r.status_code == 200
        check_sets(world, who, "events/index", ours(world, {e["uuid"] for e in r.json()}), want)


def test_attributes_rest_search_json_matches_the_model(world):
    for c, org, admin, who in readers(world):
        _, want = world.expected(org, admin, sync=is_peer(world, c, org))
        r = c.post("/attributes/restSearch", {"value": "oracle %"})
        assert r.status_code == 200
        got = {a["uuid"] for a in r.json()["response"]["Attribute"]}
        check_sets(world, who, "attributes/restSearch", our_attrs(world, got), want, True)


def test_attributes_rest_search_csv_matches_the_model(world):
    for c, org, admin, who in readers(world):
        _, want = world.expected(org, admin, sync=is_peer(world, c, org))
        r = c.post("/attributes/restSearch", {"value": "oracle %", "returnFormat": "csv",
                                              "requested_attributes": ["uuid"],
                                              "headerless": 1})
        assert r.status_code == 200
        got = {row[0] for row in csv.reader(io.StringIO(r.text)) if row}
        check_sets(world, who, "attributes/restSearch csv", our_attrs(world, got), want, True)


def test_attributes_rest_search_text_matches_the_model(world):
    """The text export defaults to published events; values map back to uuids."""
    published = {au for ev in world.events.values() if ev["published"] for au in ev["attrs"]}
    for c, org, admin, who in readers(world):
        _, want = world.expected(org, admin, sync=is_peer(world, c, org))
        r = c.post("/attributes/restSearch", {"value": "oracle %", "returnFormat": "text",
                                              "to_ids": 0})
        assert r.status_code == 200
        got = {world.values[v] for v in r.text.splitlines() if v in world.values}
        check_sets(world, who, "attributes/restSearch text", got, want & published, True)


def test_events_rest_search_matches_the_model(world):
    for c, org, (want_events, want_attrs), who in event_readers(world):
        r = c.post("/events/restSearch", {"eventinfo": "oracle %"})
        assert r.status_code == 200
        events = [e["Event"] for e in r.json()["response"]]
        check_sets(world, who, "events/restSearch", ours(world, {e["uuid"] for e in events}),
                   want_events)
        got_attrs = set()
        for e in events:
            got_attrs |= {a["uuid"] for a in e.get("Attribute", [])}
            for o in e.get("Object", []):
                got_attrs |= {a["uuid"] for a in o.get("Attribute", [])}
        check_sets(world, who, "events/restSearch attributes", our_attrs(world, got_attrs),
                   want_attrs, True)


def test_event_and_attribute_views_match_the_model(world):
    rng = random.Random(SEED + 1)
    sample = rng.sample(sorted(world.events), min(60, len(world.events)))
    for c, org, admin, who in readers(world):
        want_events, want_attrs = world.expected(org, admin, sync=is_peer(world, c, org))
        for eu in sample:
            r = c.get("/events/view/%s" % eu)
            COMPARED[0] += 2
            visible = r.status_code == 200
            assert r.status_code in (200, 404)
            if visible != (eu in want_events):
                pytest.fail("%s, events/view: %s but the model says %s; %s" % (
                    who, "visible" if visible else "hidden",
                    "visible" if eu in want_events else "hidden", describe(world, eu)))
            au = next(iter(world.events[eu]["attrs"]))
            r = c.get("/attributes/view/%s" % au)
            if (r.status_code == 200) != (au in want_attrs):
                pytest.fail("%s, attributes/view: status %d; %s" % (
                    who, r.status_code, describe(world, eu, au)))


def test_correlations_match_the_model(world):
    rng = random.Random(SEED + 2)
    sample = rng.sample(sorted(world.events), min(25, len(world.events)))
    for c, org, admin, who in readers(world):
        if is_peer(world, c, org):
            continue  # peers are served no correlations
        want_events, _ = world.expected(org, admin)
        for eu in sample:
            if eu not in want_events:
                continue
            r = c.get("/events/view/%s" % eu)
            assert r.status_code == 200, r.text
            got = {x["Event"]["uuid"] for x in r.json()["Event"]["RelatedEvent"]}
            want = world.related(eu, org, admin)
            got = ours(world, got)
            if got != want:
                extra, missing = sorted(got - want)[:2], sorted(want - got)[:2]
                pytest.fail("%s, RelatedEvent of %s: %d leaked, %d missing; e.g.\n  %s" % (
                    who, describe(world, eu), len(got - want), len(want - got),
                    "\n  ".join(describe(world, u) + " corr=%s" % world.events[u]["corr"]
                                 for u in extra + missing)))


def test_sync_pull_index_matches_the_model(world):
    """A pulling peer's view: events/index minimal and published, as MISP's pull
    asks it, lists exactly the published events of the sync model."""
    for c, org, role in world.users:
        if role != 5:
            continue
        want, _ = world.expected(org, False, sync=True)
        want = {u for u in want if world.events[u]["published"]}
        r = c.post("/events/index", {"minimal": 1, "published": 1, "eventinfo": "oracle %"})
        assert r.status_code == 200, r.text
        check_sets(world, "sync user of org %s" % org, "events/index minimal published",
                   ours(world, {e["uuid"] for e in r.json()}), want)


# ---- every reader on the other read paths, peers (sync users) included:
# look-ups, sightings and the sync endpoints, with the TLP cut ----

def all_readers(world):
    """(client, org, admin, sync, who) for every user of the world."""
    for c, org, role in world.users:
        yield c, org, role == 1, role == 5, "user of org %s role %d" % (org, role)


def corr_attributes(world):
    for eu, ev in world.events.items():
        for cu, (d, sg) in ev["corr_uuid"].items():
            yield eu, ev, cu, d, sg


def test_lookup_matches_the_model(world):
    """POST /lookup of every correlating value: the attribute uuids that come
    back are those the reader reaches (for a peer, by TLP too)."""
    values = ["corr-%d.oracle.example" % i for i in range(CORR_POOL)]
    ours_corr = {cu for _, _, cu, _, _ in corr_attributes(world)}
    owner = {cu: eu for eu, _, cu, _, _ in corr_attributes(world)}
    for c, org, admin, sync, who in all_readers(world):
        r = c.post("/lookup", values)
        assert r.status_code == 200, r.text
        got = {m["attribute_uuid"] for res in r.json()["results"] for m in res["matches"]}
        got &= ours_corr
        want = {cu for _, ev, cu, d, sg in corr_attributes(world)
                if world.reaches(ev, d, sg, None, org, admin, sync)}
        COMPARED[0] += len(got | want)
        leaked, missing = got - want, want - got
        if leaked or missing:
            u = sorted(leaked or missing)[0]
            pytest.fail("%s, /lookup: %d leaked, %d missing; e.g. %s attribute %s %s" % (
                who, len(leaked), len(missing), "leaked" if leaked else "missing", u,
                describe(world, owner[u]) + " tlp=" + world.events[owner[u]]["tlp"]))


def check_sightings(world, who, what, got, want):
    got &= set(world.sightings)
    COMPARED[0] += len(got | want)
    leaked, missing = got - want, want - got
    if leaked or missing:
        su = sorted(leaked or missing)[0]
        eu, au, reporter = world.sightings[su]
        pytest.fail("%s, %s: %d leaked, %d missing; e.g. %s sighting by org %s on %s tlp=%s" % (
            who, what, len(leaked), len(missing), "leaked" if leaked else "missing", reporter,
            describe(world, eu, au), world.events[eu]["tlp"]))


def test_sightings_rest_search_matches_the_model(world):
    for c, org, admin, sync, who in all_readers(world):
        r = c.post("/sightings/restSearch", {"source": SIGHTING_SOURCE, "includeUuid": 1})
        assert r.status_code == 200, r.text
        got = {x["Sighting"]["uuid"] for x in r.json()["response"]}
        want = {su for su in world.sightings if world.sighting_visible(su, org, admin, sync)}
        check_sightings(world, who, "sightings/restSearch", got, want)


def test_sightings_index_matches_the_model(world):
    for c, org, admin, sync, who in all_readers(world):
        r = c.get("/sightings/index")
        assert r.status_code == 200, r.text
        got = {x["uuid"] for x in r.json()}
        want = {su for su in world.sightings if world.sighting_visible(su, org, admin, sync)}
        check_sightings(world, who, "sightings/index", got, want)


def test_list_sightings_matches_the_model(world):
    """listSightings of an event and of an attribute: 404 where the reader may
    not reach it (a peer: by TLP too), else exactly the sightings it sees."""
    rng = random.Random(SEED + 3)
    sighted = sorted({eu for eu, _, _ in world.sightings.values()})
    sample = rng.sample(sighted, min(25, len(sighted)))
    for c, org, admin, sync, who in all_readers(world):
        for eu in sample:
            ev = world.events[eu]
            r = c.post("/sightings/listSightings", {"id": eu, "context": "event"})
            COMPARED[0] += 2
            reach = world.event_reaches(ev, org, admin, sync)
            if (r.status_code == 200) != reach:
                pytest.fail("%s, listSightings event: status %d, model %s; %s tlp=%s" % (
                    who, r.status_code, "reaches" if reach else "hidden", describe(world, eu),
                    ev["tlp"]))
            if reach:
                got = {x["Sighting"]["uuid"] for x in r.json()}
                want = {su for su, (e, _, _) in world.sightings.items()
                        if e == eu and world.sighting_visible(su, org, admin, sync)}
                check_sightings(world, who, "listSightings event", got, want)
            au = next(a for e, a, _ in world.sightings.values() if e == eu)
            r = c.post("/sightings/listSightings", {"id": au, "context": "attribute"})
            reach = world.reaches(ev, *ev["attrs"][au], org, admin, sync)
            if (r.status_code == 200) != reach:
                pytest.fail("%s, listSightings attribute: status %d, model %s; %s tlp=%s" % (
                    who, r.status_code, "reaches" if reach else "hidden",
                    describe(world, eu, au), ev["tlp"]))
            if reach:
                got = {x["Sighting"]["uuid"] for x in r.json()}
                want = {su for su, (e, a, _) in world.sightings.items()
                        if a == au and world.sighting_visible(su, org, admin, sync)}
                check_sightings(world, who, "listSightings attribute", got, want)


def test_filter_event_ids_for_push_matches_the_model(world):
    """MISP's filterEventIdsForPush answers the offered uuids this node would
    take: unknown ones, or newer versions of synced copies; never one of its
    own (unlocked) events, whoever owns it.  Sync users and site admins only."""
    rng = random.Random(SEED + 4)
    offered = rng.sample(sorted(world.events), min(40, len(world.events)))
    fresh = [str(uuid.uuid4()) for _ in range(5)]
    body = [{"Event": {"uuid": u, "timestamp": "4000000000"}} for u in offered + fresh]
    for c, org, admin, sync, who in all_readers(world):
        r = c.post("/events/filterEventIdsForPush", body)
        if not (admin or sync):
            assert r.status_code == 403, "%s: %d %s" % (who, r.status_code, r.text)
            continue
        assert r.status_code == 200, r.text
        COMPARED[0] += len(body)
        assert r.json() == fresh, "%s, filterEventIdsForPush: %s" % (who, r.json())


def test_filter_sighting_uuids_for_push_matches_the_model(world):
    """filterSightingUuidsForPush/{event}: 404 for an event the peer may not
    reach (by TLP too); else the offered uuids this event already has."""
    rng = random.Random(SEED + 5)
    by_event = {}
    for su, (eu, _, _) in world.sightings.items():
        by_event.setdefault(eu, set()).add(su)
    sample = rng.sample(sorted(world.events), min(30, len(world.events)))
    others = sorted(world.sightings)
    for c, org, admin, sync, who in all_readers(world):
        for eu in sample:
            have = by_event.get(eu, set())
            offered = sorted(have) + [str(uuid.uuid4())] + rng.sample(others, min(2, len(others)))
            r = c.post("/sightings/filterSightingUuidsForPush/%s" % eu, offered)
            COMPARED[0] += 1 + len(offered)
            if not (admin or sync):
                assert r.status_code == 403, "%s: %d %s" % (who, r.status_code, r.text)
                break
            reach = world.event_reaches(world.events[eu], org, admin, sync)
            if (r.status_code == 200) != reach:
                pytest.fail("%s, filterSightingUuidsForPush: status %d, model %s; %s tlp=%s" % (
                    who, r.status_code, "reaches" if reach else "hidden", describe(world, eu),
                    world.events[eu]["tlp"]))
            if reach:
                assert set(r.json()) == {u for u in offered if u in have}, (who, eu)
