"""Federation: nodes pulling from each other over MISP's sync protocol.

Three real nodes on 127.0.0.1: B pulls from A, C pulls from B; A and C are not
linked.  What reaches B and C must be exactly what the distribution rules, the
received-side rewriting and TLP allow.
"""
import tempfile
import uuid

import pytest

from conftest import Client, Server, unique


class Node:
    def __init__(self, name, worker=False):
        self.name = name
        self.srv = Server(tempfile.mkdtemp(prefix="liaison-%s-" % name.lower()),
                          extra_env={"LIAISON_ORG_NAME": "CERT-" + name,
                                     "LIAISON_SYNC_WORKER": "1" if worker else "0"})
        self.admin = Client(self.srv)
        me = self.admin.get("/users/view/me").json()
        self.org = me["Organisation"]

    def sync_key_for(self, other):
        """A sync user here, in `other`'s organisation (created here if new)."""
        r = self.admin.post("/admin/organisations/add",
                            {"name": other.org["name"], "uuid": other.org["uuid"]})
        if r.status_code == 200:
            org_id = r.json()["Organisation"]["id"]
        else:
            org_id = [o["Organisation"]["id"] for o in
                      self.admin.get("/organisations/index").json()
                      if o["Organisation"]["uuid"] == other.org["uuid"]][0]
        r = self.admin.post("/admin/users/add", {"email": unique("sync") + "@x.example",
                                                 "org_id": org_id, "role_id": 5})
        assert r.status_code == 200, r.text
        r = self.admin.post("/auth_keys/add/%s" % r.json()["User"]["id"], {})
        return r.json()["AuthKey"]["authkey_raw"]

    def link(self, peer, **fields):
        """A sync link from here to peer (with a sync user there); returns its id."""
        body = {"url": peer.srv.url, "name": "to " + peer.name,
                "authkey": peer.sync_key_for(self),
                "RemoteOrg": {"uuid": peer.org["uuid"], "name": peer.org["name"]}}
        body.update(fields)
        r = self.admin.post("/servers/add", body)
        assert r.status_code == 200, r.text
        return r.json()["Server"]["id"]

    def link_pull_from(self, source, **fields):
        return self.link(source, pull=True, **fields)

    def pull(self, sid, technique=""):
        r = self.admin.get("/servers/pull/%s%s" % (sid, "/" + technique if technique else ""))
        assert r.status_code == 200, r.text
        return r.json()

    def event(self, uid, deleted=False):
        r = self.admin.get("/events/view/%s%s" % (uid, "/deleted[]:0/deleted[]:1" if deleted
                                                   else ""))
        return r.json()["Event"] if r.status_code == 200 else None


def publish_event(node, dist, tags=(), attrs=None, **fields):
    body = {"info": unique("sync event"), "distribution": dist, "published": True,
            "Attribute": attrs if attrs is not None else
            [{"type": "ip-dst", "value": "198.51.100.%d" % (len(tags) + dist + 1)},
             {"type": "domain", "value": unique("d") + ".example"}],
            "Tag": [{"name": t} for t in tags]}
    body.update(fields)
    r = node.admin.post("/events/add", body)
    assert r.status_code == 200, r.text
    ev = r.json()["Event"]
    assert ev["published"] is True
    return ev


@pytest.fixture(scope="module")
def net():
    a, b, c = Node("A"), Node("B"), Node("C")
    b.from_a = b.link_pull_from(a)
    c.from_b = c.link_pull_from(b)
    yield a, b, c
    for n in (a, b, c):
        log = (n.srv.dir / "server.log").read_text(errors="replace")
        assert n.srv.stop() == 0, log[-3000:]
        assert "AddressSanitizer" not in log and "runtime error:" not in log, log


def test_distribution_levels_and_tlp(net):
    a, b, c = net
    ev = {name: publish_event(a, dist, tags) for name, dist, tags in (
        ("org", 0, ()), ("community", 1, ()), ("connected", 2, ()), ("all", 3, ()),
        ("red", 3, ("tlp:red",)), ("amber", 1, ("tlp:amber",)), ("green", 3, ("tlp:green",)))}
    draft = a.admin.post("/events/add", {"info": "unpublished", "distribution": 3}).json()
    report = b.pull(b.from_a)
    assert report["success"] is True and report["failed"] == 0, report
    assert report["liaison_peer"] is True

    got = {k: b.event(v["uuid"]) for k, v in ev.items()}
    assert got["org"] is None and got["red"] is None and got["amber"] is None
    assert b.event(draft["Event"]["uuid"]) is None
    # MISP's received-side rewriting: 1 -> 0, 2 -> 1; TLP:GREEN leaves as 2
    assert {k: got[k]["distribution"] for k in ("community", "connected", "all", "green")} == \
        {"community": "0", "connected": "1", "all": "3", "green": "1"}
    for k in ("community", "connected", "all", "green"):
        e = got[k]
        assert e["locked"] is True and e["timestamp"] == ev[k]["timestamp"]
        assert e["Orgc"]["uuid"] == a.org["uuid"]  # the creator stays A
        assert e["Org"]["uuid"] == b.org["uuid"]   # owned by the link's organisation
        assert sorted(x["value"] for x in e["Attribute"]) == \
            sorted(x["value"] for x in ev[k]["Attribute"])

    report = c.pull(c.from_b)
    assert report["failed"] == 0, report
    # C is two hops from A: only what A shared beyond its own community
    assert c.event(ev["community"]["uuid"]) is None
    assert c.event(ev["org"]["uuid"]) is None and c.event(ev["red"]["uuid"]) is None
    assert c.event(ev["connected"]["uuid"])["distribution"] == "0"
    assert c.event(ev["green"]["uuid"])["distribution"] == "0"
    assert c.event(ev["all"]["uuid"])["distribution"] == "3"
    assert c.event(ev["all"]["uuid"])["Orgc"]["uuid"] == a.org["uuid"]


def test_nothing_new_is_cheap_and_state_is_shown(net):
    a, b, _ = net
    b.pull(b.from_a)
    again = b.pull(b.from_a)
    assert again["not_modified"] is True and again["created"] == 0
    full = b.pull(b.from_a, "full")
    assert full["not_modified"] is False and full["created"] == 0 and full["updated"] == 0
    assert full["unchanged"] == full["listed"] > 0
    link = [s for s in b.admin.get("/servers/index").json()
            if s["Server"]["id"] == b.from_a][0]
    state = link["sync"]["pull"]
    assert state["last_success"] > 0 and state["last_error"] == ""
    assert state["total_events"] >= 4


def test_updates_deletions_and_tags_propagate(net):
    a, b, _ = net
    e = publish_event(a, 3, ("sync:keep", "sync:drop"),
                      [{"type": "ip-dst", "value": "192.0.2.10"},
                       {"type": "ip-dst", "value": "192.0.2.11"},
                       {"type": "ip-dst", "value": "192.0.2.12"}])
    gone = publish_event(a, 3)
    narrowed = publish_event(a, 3)
    b.pull(b.from_a)
    assert b.event(e["uuid"]) and b.event(gone["uuid"]) and b.event(narrowed["uuid"])

    soft, hard = e["Attribute"][0], e["Attribute"][1]
    assert a.admin.post("/attributes/delete/%s" % soft["id"]).status_code == 200
    assert a.admin.post("/attributes/delete/%s/1" % hard["id"]).status_code == 200
    r = a.admin.post("/attributes/add/%s" % e["id"], {"type": "domain", "value": "new.example"})
    assert r.status_code == 200, r.text
    r = a.admin.post("/tags/removeTagFromObject", {"uuid": e["uuid"], "tag": "sync:drop"})
    assert r.status_code == 200, r.text
    assert a.admin.post("/events/publish/%s" % e["id"]).status_code == 200
    assert a.admin.post("/events/delete/%s" % gone["id"]).status_code == 200
    r = a.admin.post("/events/edit/%s" % narrowed["id"], {"distribution": 0, "published": True})
    assert r.status_code == 200, r.text

    report = b.pull(b.from_a)
    assert report["updated"] >= 1 and report["removed"] == 2 and report["failed"] == 0, report
    now_a = a.event(e["uuid"], deleted=True)
    now_b = b.event(e["uuid"], deleted=True)
    assert now_b["timestamp"] == now_a["timestamp"]
    assert {x["value"]: x["deleted"] for x in now_b["Attribute"]} == \
        {"192.0.2.10": True, "192.0.2.12": False, "new.example": False}
    assert [t["name"] for t in now_b["Tag"]] == ["sync:keep"]
    assert b.event(gone["uuid"]) is None and b.event(narrowed["uuid"]) is None

    # shared again: the copy comes back (it was removed, not marked deleted)
    r = a.admin.post("/events/edit/%s" % narrowed["id"], {"distribution": 3, "published": True})
    assert r.status_code == 200, r.text
    report = b.pull(b.from_a)
    assert report["created"] == 1 and report["failed"] == 0, report
    assert b.event(narrowed["uuid"])["distribution"] == "3"


def test_local_event_is_never_overwritten(net):
    a, b, _ = net
    uid = str(uuid.uuid4())
    mine = b.admin.post("/events/add", {"uuid": uid, "info": "B's own", "distribution": 0})
    assert mine.status_code == 200
    theirs = publish_event(a, 3, uuid=uid, info="A's claim")
    assert theirs["uuid"] == uid
    report = b.pull(b.from_a)
    assert report["failed"] == 0
    kept = b.event(uid)
    assert kept["info"] == "B's own" and kept["locked"] is False


def test_pull_rules_filter(net):
    a, b, _ = net
    wanted = publish_event(a, 3, ("feed:wanted",))
    other = publish_event(a, 3, ("feed:other",))
    r = b.admin.post("/servers/edit/%s" % b.from_a,
                     {"pull_rules": '{"tags": {"OR": ["feed:wanted"], "NOT": []}}'})
    assert r.status_code == 200, r.text
    try:
        b.pull(b.from_a)
    finally:
        b.admin.post("/servers/edit/%s" % b.from_a, {"pull_rules": ""})
    assert b.event(wanted["uuid"]) is not None
    assert b.event(other["uuid"]) is None
    b.pull(b.from_a)
    assert b.event(other["uuid"]) is not None


def test_only_site_admins_start_a_sync(net, make_user):
    _, b, _ = net
    user = Client(b.srv, b.sync_key_for(b))
    assert user.get("/servers/pull/%s" % b.from_a).status_code == 403
    assert b.admin.get("/servers/pull/999999").status_code == 404
    off = b.admin.post("/servers/add", {"url": "http://127.0.0.1:9", "authkey": "Q" * 40,
                                        "RemoteOrg": {"uuid": str(uuid.uuid4()),
                                                      "name": unique("nobody")}})
    r = b.admin.get("/servers/pull/%s" % off.json()["Server"]["id"])
    assert r.status_code == 403 and "not enabled" in r.json()["message"]


# ---- a node killed in the middle of a pull ----

class GatedProxy:
    """Forwards to a node; after `free` event views, holds the rest until opened."""

    def __init__(self, target, free):
        import http.server
        import threading
        import urllib.request
        self.gate = threading.Event()
        self.served = 0
        lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                if self.path.startswith("/events/view/"):
                    with lock:
                        proxy.served += 1
                        held = proxy.served > free
                    if held:
                        proxy.gate.wait(60)
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                req = urllib.request.Request(target + self.path, data=body,
                                             method=self.command)
                for h in ("Authorization", "Accept", "Content-Type", "If-None-Match"):
                    if self.headers.get(h):
                        req.add_header(h, self.headers[h])
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, data, hdrs = r.status, r.read(), r.headers
                except urllib.error.HTTPError as e:
                    status, data, hdrs = e.code, e.read(), e.headers
                self.send_response(status)
                for h in ("Content-Type", "ETag"):
                    if hdrs.get(h):
                        self.send_header(h, hdrs[h])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = forward

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.gate.set()
        self.httpd.shutdown()


def index_of(node):
    r = node.admin.post("/events/index", {})
    assert r.status_code == 200, r.text
    return r.json()


def test_kill_during_pull_resumes_without_duplicates_or_gaps():
    import signal
    import threading
    import time
    import requests
    a, b = Node("A2"), Node("B2")
    try:
        for i in range(200):
            publish_event(a, 3, attrs=[{"type": "domain", "value": "k%d-%d.example" % (i, j)}
                                       for j in range(20)])
        proxy = GatedProxy(a.srv.url, free=100)
        sid = b.link_pull_from(a, url=proxy.url)

        def pull():
            try:
                requests.get(b.srv.url + "/servers/pull/%s" % sid, timeout=120,
                             headers={"Authorization": b.srv.admin_key,
                                      "Accept": "application/json"})
            except requests.RequestException:
                pass  # the node is killed under it

        t = threading.Thread(target=pull, daemon=True)
        t.start()
        deadline = time.time() + 60
        while time.time() < deadline and len(index_of(b)) < 64:
            time.sleep(0.05)
        landed = len(index_of(b))
        assert 64 <= landed < 200, landed
        b.srv.proc.send_signal(signal.SIGKILL)
        b.srv.proc.wait()
        b.srv.log.close()
        proxy.gate.set()
        t.join(5)

        b.srv = Server(b.srv.dir)  # the same database
        b.admin = Client(b.srv)
        report = b.pull(sid)
        assert report["failed"] == 0 and report["created"] == 200 - landed, report
        want = {e["uuid"]: (e["timestamp"], e["attribute_count"]) for e in index_of(a)}
        got = index_of(b)
        assert len(got) == len({e["uuid"] for e in got})  # no duplicates
        assert {e["uuid"]: (e["timestamp"], e["attribute_count"]) for e in got} == want
        proxy.close()
    finally:
        for n in (a, b):
            n.srv.stop()


# ---- peers that misbehave ----

class FakePeer:
    """A MISP-speaking peer that answers what each test sets in `views`."""

    def __init__(self):
        import http.server
        import json
        import threading
        import time
        self.version = {"version": "2.4.199", "perm_sync": True, "perm_sighting": True,
                        "uuid": str(uuid.uuid4())}
        self.index = []
        self.index_status = 200
        self.views = {}
        self.sightings = []  # what sightings/restSearch/event answers
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body):
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/servers/getVersion":
                    return self.answer(200, peer.version)
                if self.path.startswith("/events/view/"):
                    uid = self.path.split("/")[3]
                    kind, body = peer.views.get(uid, ("status", 404))
                    if kind == "status":
                        return self.answer(body, {"message": "no"})
                    if kind == "sleep":
                        time.sleep(body)
                        return self.answer(200, {})
                    return self.answer(200, body)
                self.answer(404, {})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                if self.path == "/events/index":
                    return self.answer(peer.index_status, peer.index)
                if self.path == "/sightings/restSearch/event":
                    return self.answer(200, {"response": peer.sightings})
                self.answer(404, {})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def offer(self, kind, body, uid=None):
        uid = uid or str(uuid.uuid4())
        self.index.append({"id": str(len(self.index) + 1), "uuid": uid,
                           "timestamp": "1700000000", "published": True,
                           "orgc_uuid": self.version["uuid"]})
        self.views[uid] = (kind, body)
        return uid


def misp_event(uid, attrs):
    return {"Event": {"uuid": uid, "info": "from a MISP peer", "date": "2023-11-14",
                      "timestamp": "1700000000", "published": True, "distribution": "3",
                      "threat_level_id": "4", "analysis": "0",
                      "Orgc": {"uuid": "5f6a3c3e-1d2b-4c5a-9e8f-0a1b2c3d4e5f",
                               "name": "Fake MISP Org"},
                      "Attribute": attrs}}


def test_faulty_peer_is_reported_and_the_rest_lands(admin):
    peer = FakePeer()
    good = str(uuid.uuid4())
    peer.offer("json", misp_event(good, [{"uuid": str(uuid.uuid4()), "type": "ip-dst",
                                          "category": "Network activity",
                                          "value": "203.0.113.5", "timestamp": "1700000000",
                                          "distribution": "5", "to_ids": True}]), good)
    garbage = peer.offer("json", b"<html>oops</html>")
    e500 = peer.offer("status", 500)
    slow = peer.offer("sleep", 4)
    bad_attr = str(uuid.uuid4())
    peer.offer("json", misp_event(bad_attr, [
        {"uuid": str(uuid.uuid4()), "type": "ip-dst", "value": "203.0.113.6"},
        {"uuid": str(uuid.uuid4()), "type": "no-such-type", "value": "x"}]), bad_attr)
    other = str(uuid.uuid4())
    mismatch = peer.offer("json", misp_event(other, []))
    peer.index.append({"uuid": "not-a-uuid", "timestamp": "1700000000"})
    r = admin.post("/servers/add", {"url": peer.url, "authkey": "F" * 40, "pull": True,
                                    "timeout": 2, "RemoteOrg": {"uuid": peer.version["uuid"],
                                                                "name": unique("fake-misp")}})
    assert r.status_code == 200, r.text
    sid = r.json()["Server"]["id"]
    try:
        r = admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 200, r.text
        rep = r.json()
        assert rep["listed"] == 7 and rep["created"] == 1 and rep["failed"] == 6, rep
        assert rep["liaison_peer"] is False and rep["error"]
        ev = admin.get("/events/view/%s" % good).json()["Event"]
        assert ev["locked"] is True and ev["Attribute"][0]["value"] == "203.0.113.5"
        assert ev["Orgc"]["name"] == "Fake MISP Org"
        for uid in (garbage, e500, slow, bad_attr, mismatch, other):
            assert admin.get("/events/view/%s" % uid).status_code == 404, uid
        # failures are retried: the checkpoint does not skip them
        peer.views[bad_attr] = ("json", misp_event(bad_attr, []))
        rep = admin.get("/servers/pull/%s" % sid).json()
        assert rep["not_modified"] is False and rep["created"] == 1, rep

        peer.index_status = 500
        r = admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 502 and "HTTP 500" in r.json()["message"], r.text
        peer.version = "garbage"
        r = admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 502, r.text
        link = [s for s in admin.get("/servers/index").json() if s["Server"]["id"] == sid][0]
        assert link["sync"]["pull"]["last_error"] and link["sync"]["pull"]["last_success"] > 0
    finally:
        admin.post("/servers/delete/%s" % sid)
        peer.httpd.shutdown()


def test_hostile_peer_puts_no_sightings_where_it_may_not_reach(admin):
    """Issue 10, defect 3: a pull saved the sightings a peer sent for any uuid
    in its index with an all-seeing filter: a hostile peer added sightings to a
    distribution-0 event never shared with it and deleted a local
    organisation's own sighting."""
    import time
    peer = FakePeer()
    peer.version["liaison_sync"] = 1
    now = int(time.time())
    private = admin.post("/events/add", {"info": unique("private"), "distribution": 0,
                                         "Attribute": [{"type": "domain",
                                                        "value": unique("p") + ".example"}]})
    shared = admin.post("/events/add", {"info": unique("shared"), "distribution": 3,
                                        "published": True,
                                        "Attribute": [{"type": "domain",
                                                       "value": unique("s") + ".example"}]})
    private, shared = private.json()["Event"], shared.json()["Event"]
    local = {}
    for ev in (private, shared):
        r = admin.post("/sightings/add/%s" % ev["Attribute"][0]["id"], {"source": "local"})
        assert r.status_code == 200, r.text
        local[ev["uuid"]] = r.json()["Sighting"]
        peer.index.append({"id": str(len(peer.index) + 1), "uuid": ev["uuid"],
                           "timestamp": "1600000000", "sighting_timestamp": str(now),
                           "published": True})

    def sighting(ev, **fields):
        s = {"uuid": str(uuid.uuid4()), "attribute_uuid": ev["Attribute"][0]["uuid"],
             "event_uuid": ev["uuid"], "type": "0", "source": "hostile",
             "date_sighting": str(now - 10), "org_id": "0"}
        s.update(fields)
        return {"Sighting": s}

    forged = sighting(private)
    feedback = sighting(shared)
    peer.sightings = [forged, feedback,
                      sighting(private, uuid=local[private["uuid"]]["uuid"], deleted=True),
                      sighting(shared, uuid=local[shared["uuid"]]["uuid"], deleted=True)]
    r = admin.post("/servers/add", {"url": peer.url, "authkey": "H" * 40, "pull": True,
                                    "timeout": 5,
                                    "RemoteOrg": {"uuid": peer.version["uuid"],
                                                  "name": unique("hostile")}})
    assert r.status_code == 200, r.text
    sid = r.json()["Server"]["id"]
    try:
        r = admin.get("/servers/pull/%s" % sid)
        assert r.status_code == 200, r.text

        def sighted(ev):
            rows = admin.post("/sightings/listSightings",
                              {"id": ev["id"], "context": "event"}).json()
            return sorted(x["Sighting"]["uuid"] for x in rows)

        # nothing lands on the event never shared with the peer
        assert sighted(private) == [local[private["uuid"]]["uuid"]]
        # feedback on what was shared with it does, but the local org's own
        # sighting stays
        assert sighted(shared) == sorted([local[shared["uuid"]]["uuid"],
                                          feedback["Sighting"]["uuid"]])
    finally:
        admin.post("/servers/delete/%s" % sid)
        peer.httpd.shutdown()


# ---- push ----

def push(node, sid, technique=""):
    r = node.admin.get("/servers/push/%s%s" % (sid, "/" + technique if technique else ""))
    assert r.status_code == 200, r.text
    return r.json()


def test_push_sends_what_the_rules_allow(net):
    a, b, c = net
    sid = a.link(c, push=True)  # A and C are not linked by pull
    ev = {name: publish_event(a, dist, tags) for name, dist, tags in (
        ("org", 0, ()), ("community", 1, ()), ("connected", 2, ()), ("all", 3, ()),
        ("red", 3, ("tlp:red",)), ("green", 3, ("tlp:green",)))}
    draft = a.admin.post("/events/add", {"info": "draft", "distribution": 3}).json()["Event"]
    report = push(a, sid)
    assert report["success"] is True and report["failed"] == 0, report
    got = {k: c.event(v["uuid"]) for k, v in ev.items()}
    assert got["org"] is None and got["community"] is None and got["red"] is None
    assert c.event(draft["uuid"]) is None
    # MISP's push: connected communities arrive as this community; TLP:GREEN caps at 2
    assert {k: got[k]["distribution"] for k in ("connected", "all", "green")} == \
        {"connected": "1", "all": "3", "green": "1"}
    for k in ("connected", "all", "green"):
        assert got[k]["locked"] is True and got[k]["timestamp"] == ev[k]["timestamp"]
        assert got[k]["Org"]["uuid"] == a.org["uuid"]  # the pushing sync user's org
        assert got[k]["Orgc"]["uuid"] == a.org["uuid"]

    again = push(a, sid)
    assert again["created"] == 0 and again["updated"] == 0 and again["failed"] == 0, again

    e = ev["all"]
    r = a.admin.post("/attributes/add/%s" % e["id"], {"type": "domain", "value": "pushed.example"})
    assert r.status_code == 200, r.text
    assert a.admin.post("/events/publish/%s" % e["id"]).status_code == 200
    assert a.admin.post("/events/delete/%s" % ev["green"]["id"]).status_code == 200
    report = push(a, sid)
    assert report["updated"] == 1 and report["removed"] == 1 and report["failed"] == 0, report
    assert "pushed.example" in [x["value"] for x in c.event(e["uuid"])["Attribute"]]
    assert c.event(ev["green"]["uuid"]) is None


def test_pushed_event_never_overwrites_a_local_one(net):
    a, _, c = net
    sid = [s["Server"]["id"] for s in a.admin.get("/servers/index").json()
           if s["Server"]["url"] == c.srv.url][0]
    uid = str(uuid.uuid4())
    assert c.admin.post("/events/add", {"uuid": uid, "info": "C's own"}).status_code == 200
    publish_event(a, 3, uuid=uid, info="A's claim")
    report = push(a, sid)
    assert report["failed"] == 0, report
    assert c.event(uid)["info"] == "C's own"


def test_receiving_a_push_directly(net):
    """What MISP does when it pushes to us: events/add and events/edit by a sync user."""
    a, b, _ = net
    sync = Client(b.srv, b.sync_key_for(a))
    uid = str(uuid.uuid4())
    doc = {"Event": {"uuid": uid, "info": "pushed", "timestamp": "1700000000",
                     "distribution": "3", "published": True,
                     "Orgc": {"uuid": a.org["uuid"], "name": a.org["name"]},
                     "Attribute": [{"type": "ip-dst", "value": "192.0.2.77",
                                    "timestamp": "1700000000"}]}}
    r = sync.post("/events/add/metadata:1", doc)
    assert r.status_code == 200, r.text
    assert r.json()["Event"]["locked"] is True
    assert sync.head("/events/view/%s" % uid).status_code == 200
    again = sync.post("/events/edit/%s/metadata:1" % uid, doc)
    assert again.status_code == 403 and "not newer" in again.json()["message"]
    doc["Event"]["timestamp"] = "1700000100"
    doc["Event"]["info"] = "pushed, edited"
    r = sync.post("/events/edit/%s/metadata:1" % uid, doc)
    assert r.status_code == 200, r.text
    assert b.event(uid)["info"] == "pushed, edited"
    local = b.admin.post("/events/add", {"info": "B's", "distribution": 3}).json()["Event"]
    doc["Event"]["uuid"] = local["uuid"]
    doc["Event"]["timestamp"] = str(int(local["timestamp"]) + 100)
    r = sync.post("/events/edit/%s/metadata:1" % local["uuid"], doc)
    assert r.status_code == 403 and "never overwritten" in r.json()["message"]
    assert b.event(local["uuid"])["info"] == "B's"


def test_background_worker_pulls_on_schedule_and_pushes_on_publish():
    import time
    p, q = Node("P", worker=True), Node("Q", worker=True)

    def arrives(uid, within=20):
        deadline = time.time() + within
        while time.time() < deadline:
            if q.event(uid) is not None:
                return True
            time.sleep(0.2)
        return False

    try:
        first = publish_event(p, 3)
        sid = q.link(p, pull=True, pull_interval=60)  # a new link is pulled at once
        assert arrives(first["uuid"])
        state = [s for s in q.admin.get("/servers/index").json()
                 if s["Server"]["id"] == sid][0]["sync"]["pull"]
        assert state["last_success"] > 0 and state["total_events"] >= 1
        p.link(q, push=True)
        second = publish_event(p, 3)
        assert arrives(second["uuid"])  # pushed soon after publication
        r = q.admin.post("/servers/edit/%s" % sid, {"pull_interval": 5})
        assert r.status_code == 403 and "pull_interval" in r.json()["errors"]
    finally:
        for n in (p, q):
            n.srv.stop()


# ---- sightings ----

def sightings_of(node, uid):
    ev = node.event(uid)
    return sorted((s["uuid"], s["source"]) for a in ev["Attribute"] for s in a.get("Sighting", []))


def test_sightings_are_pulled_and_their_deletions_follow(net):
    a, b, _ = net
    e = publish_event(a, 3)
    attr = e["Attribute"][0]
    seen = []
    for src in ("sensor-1", "sensor-2"):
        r = a.admin.post("/sightings/add/%s" % attr["id"], {"source": src})
        assert r.status_code == 200, r.text
        seen.append(r.json()["Sighting"])
    report = b.pull(b.from_a)
    assert report["failed"] == 0 and report["sightings"] == 2, report
    assert sightings_of(b, e["uuid"]) == sorted((s["uuid"], s["source"]) for s in seen)
    again = b.pull(b.from_a)
    assert again["sightings"] == 0 and again["not_modified"] is True, again

    assert a.admin.post("/sightings/delete/%s" % seen[0]["id"]).status_code == 200
    report = b.pull(b.from_a)
    assert report["failed"] == 0 and report["sightings"] == 1, report
    assert sightings_of(b, e["uuid"]) == [(seen[1]["uuid"], "sensor-2")]


def test_sightings_are_pushed(net):
    a, _, c = net
    sid = [s["Server"]["id"] for s in a.admin.get("/servers/index").json()
           if s["Server"]["url"] == c.srv.url][0]
    r = a.admin.post("/servers/edit/%s" % sid, {"push_sightings": True})
    assert r.status_code == 200, r.text
    e = publish_event(a, 3)
    push(a, sid)
    r = a.admin.post("/sightings/add/%s" % e["Attribute"][1]["id"], {"source": "honeypot"})
    assert r.status_code == 200, r.text
    s = r.json()["Sighting"]
    report = push(a, sid)
    assert report["failed"] == 0 and report["sightings"] == 1, report
    assert sightings_of(c, e["uuid"]) == [(s["uuid"], "honeypot")]
    assert a.admin.post("/sightings/delete/%s" % s["id"]).status_code == 200
    report = push(a, sid)
    assert report["failed"] == 0, report
    assert sightings_of(c, e["uuid"]) == []


# ---- sharing groups ----

def org_here(node, other):
    """The id, on node, of the organisation standing for other (same uuid)."""
    return [o["Organisation"]["id"] for o in node.admin.get("/organisations/index").json()
            if o["Organisation"]["uuid"] == other.org["uuid"]][0]


def make_group(node, *members):
    r = node.admin.post("/sharing_groups/add", {"name": unique("sync-sg")})
    assert r.status_code == 200, r.text
    sg = r.json()["SharingGroup"]
    for m in members:
        r = node.admin.post("/sharing_groups/addOrg/%s/%s" % (sg["id"], m))
        assert r.status_code == 200, r.text
    return sg


def test_sharing_groups_travel_to_members_only(net):
    a, b, c = net
    with_b = make_group(a, org_here(a, b))
    without_b = make_group(a)
    ev_b = publish_event(a, 4, sharing_group_id=with_b["id"])
    ev_x = publish_event(a, 4, sharing_group_id=without_b["id"])
    open_value, closed_value = unique("open") + ".example", unique("closed") + ".example"
    mixed = publish_event(a, 3, attrs=[
        {"type": "domain", "value": open_value},
        {"type": "domain", "value": closed_value, "distribution": 4,
         "sharing_group_id": without_b["id"]}])
    report = b.pull(b.from_a)
    assert report["failed"] == 0, report
    got = b.event(ev_b["uuid"])
    assert got["distribution"] == "4"
    sg = b.admin.get("/sharing_groups/view/%s" % got["sharing_group_id"]).json()["SharingGroup"]
    assert sg["uuid"] == with_b["uuid"] and sg["name"] == with_b["name"]
    assert b.event(ev_x["uuid"]) is None
    assert [x["value"] for x in b.event(mixed["uuid"])["Attribute"]] == [open_value]
    c.pull(c.from_b)
    assert c.event(ev_b["uuid"]) is None  # C is not in the group
    assert c.event(mixed["uuid"]) is not None


def test_sharing_groups_are_pushed_to_members_only(net):
    a, _, c = net
    sid = [s["Server"] for s in a.admin.get("/servers/index").json()
           if s["Server"]["url"] == c.srv.url][0]
    with_c = make_group(a, sid["remote_org_id"])
    without_c = make_group(a)
    ev_c = publish_event(a, 4, sharing_group_id=with_c["id"])
    ev_x = publish_event(a, 4, sharing_group_id=without_c["id"])
    report = push(a, sid["id"])
    assert report["failed"] == 0, report
    got = c.event(ev_c["uuid"])
    assert got["distribution"] == "4" and got["locked"] is True
    sg = c.admin.get("/sharing_groups/view/%s" % got["sharing_group_id"]).json()["SharingGroup"]
    assert sg["uuid"] == with_c["uuid"]
    assert c.event(ev_x["uuid"]) is None


def test_peer_cannot_put_items_into_a_local_group_it_is_not_in(net):
    """Issue 10, defect 4: a push (events/add/metadata:1 by a sync user) and a
    pull attached received items to a local sharing group found by the uuid
    the sender claimed, trusting the member list it sent."""
    a, b, _ = net
    sync = Client(b.srv, b.sync_key_for(a))  # A's sync user on B
    local_only = make_group(b)  # B's own group: A's organisation is not in it
    assert sync.get("/sharing_groups/view/%s" % local_only["id"]).status_code == 404
    claimed = {"uuid": local_only["uuid"], "name": local_only["name"],
               "Organisation": {"uuid": a.org["uuid"], "name": a.org["name"]},
               "SharingGroupOrg": [{"extend": True,
                                    "Organisation": {"uuid": a.org["uuid"],
                                                     "name": a.org["name"]}}],
               "SharingGroupServer": []}
    uid = str(uuid.uuid4())
    value = unique("sg-claim") + ".example"
    doc = {"Event": {"uuid": uid, "info": "into your group", "timestamp": "1700000000",
                     "distribution": "4", "sharing_group_id": "1", "published": True,
                     "SharingGroup": claimed,
                     "Orgc": {"uuid": a.org["uuid"], "name": a.org["name"]},
                     "Attribute": [{"type": "domain", "value": value,
                                    "timestamp": "1700000000"}]}}
    r = sync.post("/events/add/metadata:1", doc)
    got = b.event(uid)
    assert got is None or got.get("sharing_group_id") != local_only["id"], got
    # an attribute claiming the group, in an event the peer may send
    uid2 = str(uuid.uuid4())
    doc2 = {"Event": {"uuid": uid2, "info": "attribute into your group",
                      "timestamp": "1700000000", "distribution": "3", "published": True,
                      "Orgc": {"uuid": a.org["uuid"], "name": a.org["name"]},
                      "Attribute": [{"type": "domain", "value": value, "distribution": "4",
                                     "sharing_group_id": "1", "SharingGroup": claimed,
                                     "timestamp": "1700000000"},
                                    {"type": "domain", "value": "ok-" + value,
                                     "timestamp": "1700000000"}]}}
    r = sync.post("/events/add/metadata:1", doc2)
    assert r.status_code == 200, r.text
    assert [x["value"] for x in b.event(uid2)["Attribute"]] == ["ok-" + value]
    # nothing in the group for its members either
    r = b.admin.post("/attributes/restSearch", {"value": value})
    assert r.json()["response"]["Attribute"] == [], r.text


def test_cli_sync_pull_and_push(net, tmp_path):
    """liaison sync pull|push against a database, as cron would run it."""
    import json
    import os
    import subprocess
    from conftest import BIN, db_args
    a, b, _ = net
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1", LIAISON_LOG_LEVEL="warn")
    db = db_args(tmp_path / "cli-node.db")

    def run(*args):
        return subprocess.run([BIN, *args, *db], capture_output=True, timeout=120,
                              env=env)

    assert run("init").returncode == 0
    # a sync user on A (in B's organisation there, which will do)
    key = a.admin.post("/admin/users/add", {"email": unique("cli") + "@x.example",
                                            "org_id": org_here(a, b), "role_id": 5})
    key = a.admin.post("/auth_keys/add/%s" % key.json()["User"]["id"], {})
    key = key.json()["AuthKey"]["authkey_raw"]
    r = run("peer", "add", a.srv.url, "--key", key, "--pull", "--name", "node-a",
            "--remote-org-uuid", a.org["uuid"], "--remote-org-name", a.org["name"])
    assert r.returncode == 0, r.stderr
    e = publish_event(a, 3)
    r = run("sync", "pull", "node-a", "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["success"] is True and rep["created"] >= 1 and rep["failed"] == 0, rep
    r = run("sync", "pull", a.srv.url + "/")
    assert r.returncode == 0 and b"nothing changed on the peer" in r.stdout, r.stdout
    r = run("sync", "push", "node-a")
    assert r.returncode == 1 and b"pushing is not enabled" in r.stderr, r.stderr
    listed = run("peer", "list").stdout.decode().splitlines()[1].split()
    assert listed[4] == "ok" and listed[6] == "error", listed  # last pull, last push
    r = run("sync", "pull", "no-such-link")
    assert r.returncode == 1 and b"no sync link" in r.stderr
    assert run("sync", "pull").returncode == 2
    assert run("sync", "pull", "node-a", "--parallel", "0").returncode == 2
    r = run("export")
    assert r.returncode == 0 and e["uuid"].encode() in r.stdout


def test_sharing_group_naming_a_server_reaches_all_its_organisations(net):
    """MISP's server entries: a group listing B's server with all organisations
    reaches B (whose organisations all see it there), not C."""
    a, b, c = net
    to_b = a.link(b)  # a link on A naming B's server (neither pull nor push)
    sg = make_group(a)
    r = a.admin.post("/sharing_groups/addServer/%s/%s/all_orgs:1" % (sg["id"], to_b))
    assert r.status_code == 200, r.text
    ev = publish_event(a, 4, sharing_group_id=sg["id"])
    report = b.pull(b.from_a)
    assert report["failed"] == 0, report
    got = b.event(ev["uuid"])
    assert got is not None and got["distribution"] == "4"
    here = b.admin.get("/sharing_groups/view/%s" % got["sharing_group_id"]).json()
    assert here["SharingGroup"]["uuid"] == sg["uuid"]
    # B itself (server 0) with all organisations; A's own entry names B's link to A
    assert sorted((s["server_id"], s["all_orgs"]) for s in here["SharingGroupServer"]) == \
        [("0", True), (str(b.from_a), False)]
    c.pull(c.from_b)
    assert c.event(ev["uuid"]) is None


def test_background_worker_runs_every_link_however_many():
    """The worker's link table had 256 fixed entries: link 257 and later were
    never scheduled (issue 10).  300 pull links to a closed port on 127.0.0.1:
    every one of them must be tried, and report its error, within seconds."""
    import socket
    import time
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed_url = "http://127.0.0.1:%d" % s.getsockname()[1]
    s.close()  # nothing listens there: each pull fails at once
    n = Node("Many", worker=True)
    try:
        remote = {"uuid": str(uuid.uuid4()), "name": unique("unreachable")}
        ids = []
        for i in range(300):
            r = n.admin.post("/servers/add", {"url": "%s/peer%d" % (closed_url, i),
                                              "name": "dead %d" % i,
                                              "authkey": "F" * 40, "pull": True,
                                              "pull_interval": 3600, "timeout": 2,
                                              "RemoteOrg": remote})
            assert r.status_code == 200, r.text
            ids.append(r.json()["Server"]["id"])
        tried = {}
        deadline = time.time() + 60
        while time.time() < deadline:
            tried = {s["Server"]["id"]: s["sync"]["pull"]
                     for s in n.admin.get("/servers/index").json()}
            if all(tried[i]["last_error"] for i in ids):
                break
            time.sleep(0.5)
        missing = [i for i in ids if not tried[i]["last_error"]]
        assert not missing, "%d links never tried, the first %s" % (len(missing), missing[:3])
        assert all(tried[i]["last_run"] > 0 for i in ids)
    finally:
        rc = n.srv.stop()
        log = (n.srv.dir / "server.log").read_text(errors="replace")
        assert rc == 0 and "AddressSanitizer" not in log and "runtime error:" not in log, log
