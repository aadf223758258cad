"""Several nodes on PostgreSQL, and the operations around them (issue 20).

Black-box tests of what docs/operations.md and the PostgreSQL backend claim
once more than one process shares a database, or the database itself goes
away:

- `liaison migrate` copies a node SQLite -> PostgreSQL and PostgreSQL ->
  SQLite or PostgreSQL without loss, refuses a destination that holds a node,
  and leaves the counters above the copied ids;
- three nodes on one database behind nginx (round robin) show every user
  exactly what MISP's rule allows (the model of test_acl_oracle.py), find a
  value written on any node from every node within 1.5 s (LISTEN/NOTIFY), and
  honour a key revoked on one node on the others within 3 s (AUTH_CACHE_TTL);
- a node killed with SIGKILL under write load loses no acknowledged event and
  the others go on answering;
- PostgreSQL restarted or stopped under load, and restarted while idle: 503
  naming the cause while it is away (never 500, never a hang), then success
  again at once without restarting liaison, and no half-written event;
- a read-only node on a streaming hot standby serves the primary's data and
  answers writes with 503; on an uninitialised database it refuses to start;
- two nodes with the sync worker on one database: the pull runs and at no
  moment do both hold its lease (table job_leases).

Measured figures (look-up latency, revocation delay, lease takes) are printed
for `pytest -s`.  Everything runs in the PostgreSQL pass only (make test; scripts/with-pg).
Each test starts what it needs on 127.0.0.1 and Unix sockets in folders of its
own - databases on the suite's server, or private PostgreSQL servers started
with scripts/pg-server - and stops all of it, whatever the outcome.  Private
server folders live under /tmp, not tmp_path: PostgreSQL runs as the user
postgres when the suite runs as root, and pytest's base folder is 0700.
"""
import concurrent.futures
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests

from conftest import BACKEND, BIN, PG_DIR, ROOT, Client, Server, pg_createdb, unique
from test_acl_oracle import World  # MISP's visibility rule as plain sets

pytestmark = pytest.mark.skipif(BACKEND != "postgresql",
                                reason="multi-node and PostgreSQL operations: the PostgreSQL "
                                       "pass only (LIAISON_TEST_BACKEND=postgresql)")

PG_SERVER = str(ROOT / "scripts" / "pg-server")
PG_BIN = "/usr/lib/postgresql/15/bin"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


# ---- processes ----

def run(cmd, timeout=120, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def as_postgres(cmd):
    """cmd as the owner of a private cluster (scripts/pg-server: postgres when root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else list(cmd)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def private_dir(prefix):
    """A folder under /tmp that another local user (postgres, nginx's nobody) can reach."""
    d = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    d.chmod(0o755)
    return d


def pg_url(sock_dir, name):
    return "postgresql:///%s?host=%s&user=liaison" % (name, sock_dir)


def shared_db(prefix):
    """A fresh database on the suite's PostgreSQL server: its URL."""
    return pg_createdb("%s_%d_%s" % (prefix, os.getpid(), uuid.uuid4().hex[:8]))


def psql(sock_dir, db, sql, timeout=30):
    r = run(["psql", "-X", "-q", "-h", sock_dir, "-U", "liaison", "-d", db, "-v",
             "ON_ERROR_STOP=1", "-tA", "-F", "\t", "-c", sql], timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout


def db_name(url):
    return re.match(r"postgresql:///([^?]+)\?", url).group(1)


class Node(Server):
    """`liaison serve` on a database given as is (several nodes may share it).
    The admin key is read from key_file when it exists; key_flag passes it as
    --admin-key-file (PostgreSQL: where first start writes it)."""

    def __init__(self, dirpath, db, key_file=None, key_flag=None, args=(), extra_env=None,
                 cwd=None):
        self.dir = pathlib.Path(dirpath)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = db
        self.killed = False
        env = dict(os.environ)
        env.update({"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                    "LIAISON_LOG_LEVEL": "warn", "LIAISON_SYNC_WORKER": "0"})
        env.update(extra_env or {})
        cmd = [BIN, "serve", "--listen", "127.0.0.1:0", "--db", db, "--threads", "2"]
        if key_flag if key_flag is not None else (key_file and db.startswith("postgresql:")):
            cmd += ["--admin-key-file", str(key_file)]
        self.log = open(self.dir / "server.log", "ab")
        self.proc = subprocess.Popen(cmd + list(args), stdout=subprocess.PIPE, stderr=self.log,
                                     env=env, cwd=str(cwd or self.dir))
        self.url = self._wait_for_url()
        self.admin_key = None
        if key_file and pathlib.Path(key_file).exists():
            self.admin_key = pathlib.Path(key_file).read_text().strip()

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=20)
        self.killed = True

    def log_text(self):
        return (self.dir / "server.log").read_text(errors="replace")


class Proxy:
    """nginx in front of several nodes, round robin; answers carry X-Upstream."""

    def __init__(self, nodes):
        self.dir = private_dir("liaison-nginx-")
        for sub in ("body", "proxy"):
            (self.dir / sub).mkdir()
            (self.dir / sub).chmod(0o777)  # workers run as nobody when we are root
        port = free_port()
        upstreams = "\n".join("        server %s max_fails=1 fail_timeout=30s;" %
                              n.url.replace("http://", "") for n in nodes)
        (self.dir / "nginx.conf").write_text("""
daemon off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 256; }
http {
    access_log %(d)s/access.log;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/proxy;
    uwsgi_temp_path %(d)s/proxy;
    scgi_temp_path %(d)s/proxy;
    upstream liaison {
%(up)s
        keepalive 16;
    }
    server {
        listen 127.0.0.1:%(port)d;
        client_max_body_size 50m;
        location / {
            proxy_pass http://liaison;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }
    }
}
""" % {"d": self.dir, "up": upstreams, "port": port})
        self.err = open(self.dir / "stderr", "wb")
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", self.dir / "nginx.conf"],
                                     stdout=self.err, stderr=self.err)
        self.url = "http://127.0.0.1:%d" % port
        self.admin_key = nodes[0].admin_key
        deadline = time.time() + 10
        while True:
            try:
                requests.get(self.url + "/servers/getVersion", timeout=2)
                break
            except requests.ConnectionError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("nginx did not start: %s" % (
                        (self.dir / "stderr").read_text(errors="replace")))
                time.sleep(0.1)

    session = Server.session

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class PgCluster:
    """A private PostgreSQL server (scripts/pg-server) in a folder of its own."""

    def __init__(self):
        self.dir = private_dir("liaison-pgx-")
        self.started = False

    def url(self, name="liaison"):
        return pg_url(self.dir, name)

    def start(self, name="liaison"):
        r = run([PG_SERVER, "start", self.dir, name])
        assert r.returncode == 0, r.stderr
        self.started = True
        return r.stdout.strip()

    def stop(self):
        r = run([PG_SERVER, "stop", self.dir])
        assert r.returncode == 0, r.stderr

    def restart(self):
        r = run([PG_SERVER, "restart", self.dir])
        assert r.returncode == 0, r.stderr

    def createdb(self, name):
        r = run([PG_SERVER, "createdb", self.dir, name])
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def psql(self, sql, db="liaison"):
        return psql(self.dir, db, sql)

    def cleanup(self):
        if self.started:
            run([PG_SERVER, "stop", self.dir])
        shutil.rmtree(self.dir, ignore_errors=True)


class Standby:
    """A streaming hot standby of a PgCluster (pg_basebackup -R), with its own socket."""

    def __init__(self):
        self.dir = private_dir("liaison-pgs-")
        self.data = self.dir / "pgdata"
        self.started = False

    def start(self, primary):
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        r = run(as_postgres([PG_BIN + "/pg_basebackup", "-D", self.data, "-R", "-X", "stream",
                             "-c", "fast", "-h", primary.dir, "-U", "liaison"]))
        assert r.returncode == 0, r.stderr
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\nunix_socket_directories = '%s'\nhot_standby = on\n" % self.dir)
        r = run(as_postgres([PG_BIN + "/pg_ctl", "-D", self.data, "-l", self.dir / "postgres.log",
                             "-w", "-t", "60", "start"]))
        self.started = r.returncode == 0
        assert self.started, r.stderr + (self.dir / "postgres.log").read_text()

    def url(self, name="liaison"):
        return pg_url(self.dir, name)

    def cleanup(self):
        if self.started:
            run(as_postgres([PG_BIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]))
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def lab():
    """Starts nodes, proxies and private PostgreSQL servers for one test and
    stops them all afterwards; nodes that were not killed must exit cleanly
    (status 0, no sanitizer report)."""

    class Lab:
        def __init__(self):
            self.nodes, self.others = [], []

        def node(self, *a, **kw):
            n = Node(*a, **kw)
            self.nodes.append(n)
            return n

        def proxy(self, nodes):
            p = Proxy(nodes)
            self.others.append(p.stop)
            return p

        def pg(self):
            c = PgCluster()
            self.others.append(c.cleanup)
            return c

        def standby(self, primary):
            s = Standby()
            self.others.append(s.cleanup)
            s.start(primary)
            return s

    lab = Lab()
    try:
        yield lab
    finally:
        bad = []
        for n in lab.nodes:
            rc = n.stop()
            log = n.log_text()
            if "AddressSanitizer" in log or "runtime error:" in log:
                bad.append("%s: sanitizer report\n%s" % (n.url, log[-4000:]))
            elif not n.killed and rc != 0:
                bad.append("%s: exit status %s\n%s" % (n.url, rc, log[-3000:]))
        for stop in reversed(lab.others):
            stop()
        assert not bad, "\n".join(bad)


# ---- API helpers ----

def new_org(client, name):
    r = client.post("/admin/organisations/add", {"name": name})
    assert r.status_code == 200, r.text
    return r.json()["Organisation"]["id"]


def new_user(client, org_id, role_id, key_client_of):
    """A user and a key; returns (Client bound to key_client_of's server, user, key id)."""
    r = client.post("/admin/users/add", {"email": unique("u") + "@example.org",
                                         "org_id": org_id, "role_id": role_id})
    assert r.status_code == 200, r.text
    user = r.json()["User"]
    r = client.post("/auth_keys/add/%s" % user["id"], {"comment": "test"})
    assert r.status_code == 200, r.text
    k = r.json()["AuthKey"]
    c = Client(key_client_of, k["authkey_raw"])
    c.user, c.org_id, c.key_id, c.key = user, org_id, k["id"], k["authkey_raw"]
    return c


def add_event(client, body):
    r = client.post("/events/add", body)
    assert r.status_code == 200, r.text
    return r.json()["Event"]


def lookup_hits(client, values, timeout=10):
    r = client.s.post(client.server.url + "/lookup", json=values, timeout=timeout)
    assert r.status_code == 200, r.text
    return {(res["value"], m["attribute_uuid"]) for res in r.json()["results"]
            for m in res["matches"]}


# =====================================================================
# 1. liaison migrate: SQLite -> PostgreSQL -> SQLite
# =====================================================================

def populate(admin):
    """Organisations, users, a sharing group, events of every distribution with
    tags, an object, a soft-deleted attribute, a sighting and a sync link;
    returns what the comparisons need."""
    a_org, b_org = new_org(admin, unique("mig-A")), new_org(admin, unique("mig-B"))
    a = new_user(admin, a_org, 2, admin.server)   # org admin: events, sharing groups
    b = new_user(admin, b_org, 3, admin.server)   # a user of another organisation
    r = a.post("/sharing_groups/add", {"name": unique("mig-sg"), "releasability": "A and B"})
    assert r.status_code == 200, r.text
    sg = r.json()["SharingGroup"]["id"]
    assert a.post("/sharing_groups/addOrg/%s/%s" % (sg, b_org)).status_code == 200
    t = uuid.uuid4().hex[:8]
    values = []

    def attrs(n, dist=5):
        out = []
        for i, (typ, val) in enumerate([("domain", "mig-%s-%d.example" % (t, n)),
                                        ("ip-dst", "198.51.100.%d" % (n + 10)),
                                        ("sha256", ("%s%02d" % (t, n)).ljust(64, "0"))]):
            values.append(val)
            out.append({"type": typ, "value": val, "distribution": dist if i == 0 else 5,
                        "comment": "c%d" % i})
        return out

    evs = []
    evs.append(add_event(a, {"info": "mig org-only", "distribution": 0,
                             "Tag": [{"name": "tlp:amber"}], "Attribute": attrs(1)}))
    evs.append(add_event(a, {"info": "mig community", "distribution": 1, "threat_level_id": 2,
                             "Attribute": attrs(2),
                             "Object": [{"name": "mig-object", "meta-category": "network",
                                         "distribution": 5, "Attribute": [
                                             {"type": "text", "object_relation": "text",
                                              "value": "mig object %s" % t}]}]}))
    evs.append(add_event(a, {"info": "mig all", "distribution": 3, "published": True,
                             "Tag": [{"name": "tlp:green"}, {"name": "mig:%s" % t}],
                             "Attribute": attrs(3, dist=1)}))
    evs.append(add_event(a, {"info": "mig group", "distribution": 4, "sharing_group_id": sg,
                             "Attribute": attrs(4)}))
    evs.append(add_event(admin, {"info": "mig host connected", "distribution": 2,
                                 "Attribute": attrs(5)}))
    values.append("mig object %s" % t)
    # a sighting by B on a visible attribute, and a soft-deleted attribute
    seen = evs[2]["Attribute"][1]
    r = b.post("/sightings/add/%s" % seen["uuid"], {"source": "mig-sensor"})
    assert r.status_code == 200, r.text
    r = a.post("/attributes/delete/%s" % evs[1]["Attribute"][2]["uuid"])
    assert r.status_code == 200, r.text
    r = admin.post("/servers/add", {"url": "http://127.0.0.1:9/mig-%s" % t, "name": "mig link",
                                    "authkey": "A" * 40, "pull": True, "pull_interval": 0,
                                    "RemoteOrg": {"uuid": str(uuid.uuid4()),
                                                  "name": unique("mig-remote")}})
    assert r.status_code == 200, r.text
    return {"a": a, "b": b, "values": values + ["miss-%s.example" % t],
            "events": [e["uuid"] for e in evs]}


def snapshot(node, world):
    """What admin, A and B read of the node, as JSON (with the same keys on any node)."""
    out = {}
    who = {"admin": node.admin_key, "a": world["a"].key, "b": world["b"].key}
    for name, key in who.items():
        c = Client(node, key)
        reads = [("POST", "/events/index", {}),
                 ("POST", "/events/restSearch", {"includeEventTags": 1}),
                 ("POST", "/attributes/restSearch", {"deleted": [0, 1]}),
                 ("POST", "/sightings/restSearch", {"includeUuid": 1}),
                 ("GET", "/sharing_groups/index", None),
                 ("GET", "/organisations/index", None),
                 ("GET", "/users/view/me", None),
                 ("POST", "/lookup", world["values"])]
        reads += [("GET", "/events/view/%s" % u, None) for u in world["events"]]
        if name == "admin":
            reads += [("GET", "/admin/users/index", None), ("GET", "/servers/index", None),
                      ("GET", "/tags/index", None)]
        for method, path, body in reads:
            r = c.s.request(method, node.url + path, json=body, timeout=30)
            # a node names itself by its base URL (the local server of a sharing
            # group), which differs from run to run: the one thing normalised
            text = r.text.replace(node.url, "http://NODE")
            doc = json.loads(text) if r.headers.get("Content-Type", "").startswith(
                "application/json") else text
            if path == "/lookup":
                doc.get("stats", {}).pop("ms", None)
                doc.get("stats", {}).pop("seconds", None)
            out["%s %s %s %s" % (name, method, path, json.dumps(body))] = (r.status_code, doc)
    return out


def assert_same(before, after, what):
    assert before.keys() == after.keys()
    diffs = [k for k in before if before[k] != after[k]]
    assert not diffs, "%s: %d reads differ, the first: %s\nbefore: %s\nafter:  %s" % (
        what, len(diffs), diffs[0], json.dumps(before[diffs[0]])[:1500],
        json.dumps(after[diffs[0]])[:1500])


def max_ids(node):
    """The largest ids the node shows for each kind of row."""
    c = Client(node)
    evs = c.post("/events/restSearch", {"deleted": [0, 1]}).json()["response"]
    attrs = [a for e in evs for a in e["Event"].get("Attribute", [])] + \
        [a for e in evs for o in e["Event"].get("Object", []) for a in o.get("Attribute", [])]
    return {
        "event": max(int(e["Event"]["id"]) for e in evs),
        "attribute": max(int(a["id"]) for a in attrs),
        "object": max(int(o["id"]) for e in evs for o in e["Event"].get("Object", [])),
        "org": max(int(o["Organisation"]["id"]) for o in c.get("/organisations/index").json()),
        "user": max(int(u["User"]["id"]) for u in c.get("/admin/users/index").json()),
        "sharing_group": max(int(g["SharingGroup"]["id"]) for g in
                             c.get("/sharing_groups/index").json()["response"]),
        "sighting": max(int(s["Sighting"]["id"]) for s in
                        c.post("/sightings/restSearch", {}).json()["response"]),
        "tag": max(int(t["id"]) for t in c.get("/tags/index").json()["Tag"]),
        "server": max(int(s["Server"]["id"]) for s in c.get("/servers/index").json()),
    }


def write_after_migration(node, world, before):
    """Writes one row of each kind: every new id is above the copied ones."""
    c = Client(node)
    t = uuid.uuid4().hex[:8]
    org = new_org(c, unique("after"))
    u = new_user(c, org, 2, node)
    ev = add_event(u, {"info": "after migration", "distribution": 1,
                       "Tag": [{"name": "after:%s" % t}],
                       "Attribute": [{"type": "domain", "value": "after-%s.example" % t}],
                       "Object": [{"name": "after-object", "Attribute": [
                           {"type": "text", "object_relation": "text", "value": t}]}]})
    r = u.post("/sharing_groups/add", {"name": unique("after-sg")})
    assert r.status_code == 200, r.text
    sg = r.json()["SharingGroup"]["id"]
    r = u.post("/sightings/add/%s" % ev["Attribute"][0]["uuid"], {"source": "after"})
    assert r.status_code == 200, r.text
    sighting = r.json()["Sighting"]["id"]
    r = c.post("/servers/add", {"url": "http://127.0.0.1:9/after-%s" % t, "authkey": "B" * 40,
                                "RemoteOrg": {"uuid": str(uuid.uuid4()),
                                              "name": unique("after-remote")}})
    assert r.status_code == 200, r.text
    server = r.json()["Server"]["id"]
    tag = [x for x in c.get("/tags/index").json()["Tag"] if x["name"] == "after:%s" % t][0]
    new = {"event": ev["id"], "attribute": ev["Attribute"][0]["id"],
           "object": ev["Object"][0]["id"], "org": org, "user": u.user["id"],
           "sharing_group": sg, "sighting": sighting, "tag": tag["id"], "server": server}
    low = {k: (int(v), before[k]) for k, v in new.items() if int(v) <= before[k]}
    assert not low, "new ids not above the copied ones (new, copied max): %s" % low
    # and the new rows are readable and found
    assert lookup_hits(Client(node), ["after-%s.example" % t])


def dump_pg(url):
    r = run([PG_BIN + "/pg_dump", "-h", PG_DIR, "-U", "liaison", "-d", db_name(url)])
    assert r.returncode == 0, r.stderr
    # pg_dump guards its output with a random \restrict key per run
    return "\n".join(line for line in r.stdout.splitlines()
                     if not line.startswith(("\\restrict", "\\unrestrict")))


def dump_sqlite(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def migrate(src, dst):
    return run([BIN, "migrate", "--from", src, "--to", dst], timeout=120,
               env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))


def serve_copy(lab, where, db, world, admin_key, before, what):
    """Serves a migrated database: it needs no first start (no key file is
    written), the old keys work, and every read answers as before."""
    key = where / "never-written.key"
    node = lab.node(where, db, key_file=key, key_flag=True)
    assert not key.exists(), "%s: the copy was set up as a new node" % what
    node.admin_key = admin_key
    assert_same(before, snapshot(node, world), what)
    return node


def test_migrate_sqlite_to_postgresql_keeps_everything_and_refuses_a_used_destination(
        lab, tmp_path):
    # a SQLite node with data
    lite_dir = tmp_path / "lite"
    lite_db = str(lite_dir / "liaison.db")
    lite = lab.node(lite_dir, lite_db, key_file=lite_dir / "admin.key")
    world = populate(Client(lite))
    before = snapshot(lite, world)
    found = before["admin POST /lookup %s" % json.dumps(world["values"])][1]["stats"]["matched"]
    # all but the miss, the deleted attribute and the object's free text (no observable)
    assert found == len(world["values"]) - 3
    ids = max_ids(lite)
    assert lite.stop() == 0

    # -> a fresh PostgreSQL database, served with the same keys
    pg = shared_db("mig")
    r = migrate(lite_db, pg)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "done in" in r.stdout
    node = serve_copy(lab, tmp_path / "pg", pg, world, lite.admin_key, before,
                      "SQLite -> PostgreSQL")
    assert node.stop() == 0

    # the destination holds a node now: migrating into it is refused, changing
    # nothing (nor is a SQLite file that holds one overwritten)
    for src, dst, dump in ((lite_db, pg, dump_pg), (pg, lite_db, dump_sqlite)):
        dumped = dump(dst)
        r = migrate(src, dst)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "already holds a Liaison node" in r.stderr and "empty database" in r.stderr, \
            r.stderr
        assert dump(dst) == dumped, "a refused migrate changed %s" % dst

    # rows written after the migration get ids above the copied ones
    node = lab.node(tmp_path / "pg", pg, key_file=tmp_path / "pg" / "never-written.key",
                    key_flag=True)
    node.admin_key = lite.admin_key
    write_after_migration(node, world, ids)


def test_migrate_postgresql_to_sqlite_and_postgresql_keeps_everything(lab, tmp_path):
    # a PostgreSQL node with data
    pg = shared_db("migpg")
    pg_dir = tmp_path / "pg"
    node = lab.node(pg_dir, pg, key_file=pg_dir / "admin.key")
    world = populate(Client(node))
    before = snapshot(node, world)
    ids = max_ids(node)
    assert node.stop() == 0

    # -> a new SQLite file, and -> another PostgreSQL database
    lite_db = str(tmp_path / "lite" / "liaison.db")
    pg2 = shared_db("migpg2")
    for dst, where, what in ((lite_db, tmp_path / "lite", "PostgreSQL -> SQLite"),
                             (pg2, tmp_path / "pg2", "PostgreSQL -> PostgreSQL")):
        r = migrate(pg, dst)
        assert r.returncode == 0, r.stdout + r.stderr
        copy = serve_copy(lab, where, dst, world, node.admin_key, before, what)
        write_after_migration(copy, world, ids)
        assert copy.stop() == 0


# =====================================================================
# 2. three nodes on one database behind nginx
# =====================================================================

def start_cluster(lab, tmp_path, n=3, extra_env=None):
    db = shared_db("cluster")
    key = tmp_path / "admin.key"
    nodes = [lab.node(tmp_path / ("node%d" % i), db, key_file=key, key_flag=True,
                      extra_env=extra_env) for i in range(n)]
    for node in nodes:
        node.admin_key = nodes[0].admin_key
    return db, nodes


def test_three_nodes_behind_nginx_show_each_user_what_misp_allows(lab, tmp_path):
    _, nodes = start_cluster(lab, tmp_path)
    lb = lab.proxy(nodes)
    admin = Client(lb)
    prefix = unique("cluster")
    orgs = {x: new_org(admin, unique("cl-" + x)) for x in "ABC"}
    writers = {x: new_user(admin, orgs[x], 2, lb) for x in "ABC"}
    readers = {x: new_user(admin, orgs[x], 3, lb) for x in "ABC"}
    r = writers["A"].post("/sharing_groups/add", {"name": unique("cl-sg")})
    assert r.status_code == 200, r.text
    sg = r.json()["SharingGroup"]["id"]
    assert writers["A"].post("/sharing_groups/addOrg/%s/%s" % (sg, orgs["B"])).status_code == 200

    world = World()
    world.groups = {sg: {"creator": orgs["A"], "members": {orgs["B"]}, "all_orgs": False}}
    plan = {"A": [(0, None), (1, None), (3, None), (4, sg)], "B": [(0, None), (1, None), (3, None)],
            "C": [(0, None), (3, None), (0, None)]}
    upstreams = set()

    def write(x):
        c = Client(lb, writers[x].key)  # a session of its own per thread
        done = []
        for i, (dist, group) in enumerate(plan[x]):
            domain = "%s-%s-%d.example" % (prefix, x.lower(), i)
            body = {"info": "%s %s %d" % (prefix, x, i), "distribution": dist,
                    "Attribute": [{"type": "domain", "value": domain},
                                  {"type": "ip-dst", "value": "192.0.2.%d" % (10 + i)}]}
            if group:
                body["sharing_group_id"] = group
            r = c.post("/events/add", body)
            assert r.status_code == 200, r.text
            upstreams.add(r.headers["X-Upstream"])
            done.append((r.json()["Event"]["uuid"], dist, group, body))
        return x, done

    written = {}
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        for x, done in pool.map(write, "ABC"):
            for u, dist, group, body in done:
                world.events[u] = {"org": orgs[x], "dist": dist, "sg": group}
                written[u] = sorted(a["value"] for a in body["Attribute"])

    everyone = [(readers[x], orgs[x], False, "user of org " + x) for x in "ABC"] + \
        [(admin, None, True, "site admin")]
    for c, org, is_admin, who in everyone:
        want = {u for u, ev in world.events.items() if world.event_visible(ev, org, is_admin)}
        r = c.post("/events/index", {"eventinfo": prefix + " %"})
        assert r.status_code == 200, r.text
        upstreams.add(r.headers["X-Upstream"])
        assert {e["uuid"] for e in r.json()} == want, "%s: events/index" % who
        r = c.post("/events/restSearch", {"eventinfo": prefix + " %"})
        assert r.status_code == 200, r.text
        got = {e["Event"]["uuid"]: e["Event"] for e in r.json()["response"]}
        assert set(got) == want, "%s: events/restSearch" % who
        for u, e in got.items():
            assert sorted(a["value"] for a in e["Attribute"]) == written[u], (who, u)
        for u in world.events:
            r = c.get("/events/view/%s" % u)
            upstreams.add(r.headers["X-Upstream"])
            assert r.status_code == (200 if u in want else 404), \
                "%s: events/view of an event of org %s distribution %s: %d" % (
                    who, world.events[u]["org"], world.events[u]["dist"], r.status_code)
            if r.status_code == 200:
                assert sorted(a["value"] for a in r.json()["Event"]["Attribute"]) == written[u]
    # round robin really spread the writes and reads over the three nodes
    assert upstreams == {n.url.replace("http://", "") for n in nodes}, upstreams


def test_three_nodes_see_each_others_values_and_revocations_in_time(lab, tmp_path):
    _, nodes = start_cluster(lab, tmp_path)
    direct = [Client(n) for n in nodes]
    # a value written on each node is found by /lookup on every node within 1.5 s
    late, seen = [], []
    for i, writer in enumerate(direct):
        value = "%s.node%d.example" % (uuid.uuid4().hex[:12], i)
        ev = add_event(writer, {"info": "lookup spread", "distribution": 1,
                                "Attribute": [{"type": "domain", "value": value}]})
        t0 = time.monotonic()
        want = {(value, ev["Attribute"][0]["uuid"])}
        found = {}
        while len(found) < len(direct) and time.monotonic() - t0 < 5:
            for j, reader in enumerate(direct):
                if j not in found and lookup_hits(reader, [value]) == want:
                    found[j] = time.monotonic() - t0
            time.sleep(0.02)
        seen.extend(found.values())
        for j in range(len(direct)):
            if found.get(j, 99) > 1.5:
                late.append("written on node %d, found on node %d after %s s" % (
                    i, j, "%.2f" % found[j] if j in found else "more than 5"))
        assert found.get(i, 99) < 0.5, "a node does not find its own write at once"
    print("\nlook-up latency across nodes (s): %s" % sorted(round(x, 2) for x in seen))
    assert not late, late

    # a key revoked through node 0 stops working on nodes 1 and 2 within 3 s
    org = new_org(direct[0], unique("cl-rev"))
    user = new_user(direct[0], org, 3, nodes[0])
    for n in nodes:  # each node has verified (and cached) the key
        assert Client(n, user.key).get("/users/view/me").status_code == 200
    r = direct[0].post("/auth_keys/delete/%s" % user.key_id)
    assert r.status_code == 200, r.text
    t0 = time.monotonic()
    assert Client(nodes[0], user.key).get("/users/view/me").status_code == 403
    stopped = {}
    while len(stopped) < 2 and time.monotonic() - t0 < 8:
        for j in (1, 2):
            if j not in stopped and \
                    Client(nodes[j], user.key).get("/users/view/me").status_code == 403:
                stopped[j] = time.monotonic() - t0
        time.sleep(0.05)
    print("revoked key refused after (s): %s" % {j: round(t, 2) for j, t in stopped.items()})
    assert len(stopped) == 2 and max(stopped.values()) <= 3, \
        "revoked key still accepted: %s (seconds until refused, per node)" % stopped


# =====================================================================
# 3. kill -9 one node under write load
# =====================================================================

def event_body(tag, n_attrs=4, with_object=True):
    u = str(uuid.uuid4())
    body = {"uuid": u, "info": "load %s" % tag, "distribution": 1,
            "Attribute": [{"type": "domain", "value": "%s-%d.load.example" % (u[:13], i)}
                          for i in range(n_attrs)]}
    if with_object:
        body["Object"] = [{"name": "load-object", "Attribute": [
            {"type": "text", "object_relation": "text", "value": "object of %s" % u}]}]
    return u, body


def stored_shapes(client, info):
    """uuid -> (attributes, objects, object attributes) of every event whose
    info matches, read in one restSearch."""
    r = client.s.post(client.server.url + "/events/restSearch", json={"eventinfo": info},
                      timeout=60)
    assert r.status_code == 200, r.text
    out = {}
    for e in r.json()["response"]:
        e = e["Event"]
        objs = e.get("Object", [])
        out[e["uuid"]] = (len(e["Attribute"]), len(objs),
                          sum(len(o.get("Attribute", [])) for o in objs))
    return out


def half_written(shapes, sent, n_attrs):
    """What is wrong with the events sent [(uuid, status)]: an acknowledged
    one must be whole, any other whole or absent."""
    whole = (n_attrs, 1, 1)
    problems = []
    for u, status in sent:
        got = shapes.get(u)
        if status == 200 and got != whole:
            problems.append("acknowledged %s: %s" % (u, "absent" if got is None else got))
        elif got is not None and got != whole:
            problems.append("unacknowledged (%s) %s is half there: %s" % (status, u, got))
    return problems


def test_node_killed_under_write_load_loses_no_acknowledged_event(lab, tmp_path):
    _, nodes = start_cluster(lab, tmp_path)
    lb = lab.proxy(nodes)
    victim = nodes[1].url.replace("http://", "")
    results = []  # (uuid, status or exception name, upstream, time sent)
    stop = threading.Event()
    killed_at = []

    def writer(k):
        s = Proxy.session(lb)
        while not stop.is_set():
            u, body = event_body("w%d" % k)
            t = time.monotonic()
            try:
                r = s.post(lb.url + "/events/add", json=body, timeout=20)
                results.append((u, r.status_code, r.headers.get("X-Upstream", ""), t))
            except requests.RequestException as e:
                results.append((u, type(e).__name__, "", t))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        nodes[1].kill9()
        killed_at.append(time.monotonic())
        time.sleep(2.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert nodes[0].proc.poll() is None and nodes[2].proc.poll() is None
    acked = [u for u, st, _, _ in results if st == 200]
    other = [(u, st) for u, st, _, _ in results if st != 200]
    assert any(up.startswith(victim) for _, st, up, t in results
               if t < killed_at[0] and st == 200), \
        "the killed node took no write before it died: the test proves nothing"
    after = [u for u, st, _, t in results if st == 200 and t > killed_at[0] + 0.5]
    assert len(after) >= 5, "the surviving nodes stopped answering: %s" % other[-5:]
    for status in {st for _, st in other}:
        assert status in (502, 504), "unexpected answer under load: %s" % status
    problems = half_written(stored_shapes(Client(nodes[0]), "load %"),
                            [(u, st) for u, st, _, _ in results], 4)
    assert not problems, problems
    # the direct answer of each survivor, too
    for n in (nodes[0], nodes[2]):
        assert Client(n).get("/servers/getVersion").status_code == 200
    print("kill -9: %d writes acknowledged, %d not (%s)" % (
        len(acked), len(other), sorted({str(st) for _, st in other})))


# =====================================================================
# 4. PostgreSQL restarted and stopped under load
# =====================================================================

CLIENT_TIMEOUT = 8


def one_request(kind, n1, n2, event_uuid, value, s=None):
    """A write (events/add of a new event, on n1), read (events/view), search
    (events/restSearch) or look-up (on n2): (kind, uuid of the event written,
    status or exception name, body, time sent, time answered)."""
    s = s or (n1.session() if kind == "write" else n2.session())
    u, body = event_body(kind, n_attrs=5)
    t0 = time.monotonic()
    try:
        if kind == "write":
            r = s.post(n1.url + "/events/add", json=body, timeout=CLIENT_TIMEOUT)
        elif kind == "read":
            r = s.get(n2.url + "/events/view/%s" % event_uuid, timeout=CLIENT_TIMEOUT)
        elif kind == "search":
            r = s.post(n2.url + "/events/restSearch", json={"eventinfo": "before"},
                       timeout=CLIENT_TIMEOUT)
        else:
            r = s.post(n2.url + "/lookup", json=[value], timeout=CLIENT_TIMEOUT)
        return (kind, u, r.status_code, r.text[:4000], t0, time.monotonic())
    except requests.RequestException as e:
        return (kind, u, type(e).__name__, str(e)[:300], t0, time.monotonic())


def test_postgresql_restart_and_outage_answer_503_then_recover(lab, tmp_path):
    pg = lab.pg()
    url = pg.start()
    key = tmp_path / "admin.key"
    n1 = lab.node(tmp_path / "n1", url, key_file=key)
    n2 = lab.node(tmp_path / "n2", url, key_file=key)
    pids = (n1.proc.pid, n2.proc.pid)
    value = "before-%s.example" % uuid.uuid4().hex[:8]
    seeded = add_event(Client(n1), {"info": "before", "distribution": 1,
                                    "Attribute": [{"type": "domain", "value": value}]})
    log = []  # what one_request answers
    stop = threading.Event()

    def loop(kind):
        """One kind of request after the other until stopped."""
        s = n1.session() if kind == "write" else n2.session()
        while not stop.is_set():
            log.append(one_request(kind, n1, n2, seeded["uuid"], value, s))
            time.sleep(0.02)

    kinds = ("write", "read", "search", "lookup")
    threads = [threading.Thread(target=loop, args=(k,)) for k in kinds]
    for t in threads:
        t.start()
    marks = {}
    try:
        time.sleep(0.8)
        marks["restart"] = time.monotonic()
        pg.restart()                      # scripts/pg-server restart: fast shutdown, start
        marks["restarted"] = time.monotonic()
        time.sleep(1.0)
        marks["stop"] = time.monotonic()
        pg.stop()
        marks["stopped"] = time.monotonic()
        time.sleep(2.0)                   # down for two seconds
        marks["start"] = time.monotonic()
        pg.start()
        marks["started"] = time.monotonic()
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    def between(a, b):
        """The requests sent and answered entirely between marks a and b."""
        return [x for x in log if x[4] >= marks[a] and x[5] <= marks[b]]

    def sent_after(a, b=None):
        return [x for x in log if x[4] >= marks[a] and (b is None or x[4] < marks[b])]

    def ok(x):
        if x[2] != 200:
            return False
        if x[0] != "lookup":
            return True
        doc = json.loads(x[3])  # a look-up answered whole, and right
        return "error" not in doc and doc["stats"]["matched"] == 1

    assert (n1.proc.pid, n2.proc.pid) == pids and n1.proc.poll() is None and \
        n2.proc.poll() is None, "a node died"
    bad = [x[:4] for x in log if x[2] not in (200, 503)]
    assert not bad, "answers other than 200 and 503, or none within %d s: %s" % (
        CLIENT_TIMEOUT, bad[:5])
    unexplained = [x[:4] for x in log if x[2] == 503 and "database" not in x[3]]
    assert not unexplained, "a 503 that does not name the database: %s" % unexplained[:3]
    # while the server is down (look-ups: test_lookup_while_postgresql_is_down_answers_503)
    down = [x for x in between("stopped", "start") if x[0] != "lookup"]
    assert {x[0] for x in down} == {"write", "read", "search"}, "a thread sent nothing while down"
    assert all(x[2] == 503 for x in down), [x[:4] for x in down if x[2] != 503][:5]
    slow = ["%s %.1f s" % (x[0], x[5] - x[4]) for x in down if x[5] - x[4] > 2]
    assert not slow, "answers took long while the database was down: %s" % slow[:3]
    # once it is back, every request succeeds: no liaison restart, no failed first use
    for a, b in (("restarted", "stop"), ("started", None)):
        sent = sent_after(a, b)
        assert {x[0] for x in sent} == set(kinds)
        failed = [x[:4] for x in sent if not ok(x)]
        assert not failed, "after %s, requests failed: %s" % (a, failed[:5])
    # a restart while the nodes are idle: connections that saw nothing of it are
    # found broken on their first use after it, and must be reset, not fail
    pg.restart()
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        burst = list(pool.map(lambda k: one_request(k, n1, n2, seeded["uuid"], value),
                              ["write", "read", "search", "lookup"] * 4))
    failed = [x[:4] for x in burst if not ok(x)]
    assert not failed, "after an idle restart, requests failed: %s" % failed[:5]
    log.extend(burst)
    # nothing half-written: acknowledged events are whole, the others whole or absent
    problems = half_written(stored_shapes(Client(n2), "load write"),
                            [(x[1], x[2]) for x in log if x[0] == "write"], 5)
    assert not problems, problems
    assert sum(1 for x in log if x[0] == "write" and x[2] == 200) >= 10
    # each node's LISTEN session came back (the periodic refresh would hide its absence
    # from the look-up below)
    deadline = time.monotonic() + 5
    while int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'liaison' "
                      "AND query LIKE 'LISTEN %'")) < 2:
        assert time.monotonic() < deadline, "a node does not LISTEN after the restarts"
        time.sleep(0.1)
    # and a write on n1 reaches n2's index
    value = "after-%s.example" % uuid.uuid4().hex[:8]
    ev = add_event(Client(n1), {"info": "after", "distribution": 1,
                                "Attribute": [{"type": "domain", "value": value}]})
    t0 = time.monotonic()
    while not lookup_hits(Client(n2), [value]) and time.monotonic() - t0 < 5:
        time.sleep(0.05)
    took = time.monotonic() - t0
    assert lookup_hits(Client(n2), [value]) == {(value, ev["Attribute"][0]["uuid"])}
    assert took <= 1.5, "the other node's index caught up after %.1f s" % took


def test_lookup_while_postgresql_is_down_answers_503(lab, tmp_path):
    pg = lab.pg()
    url = pg.start()
    node = lab.node(tmp_path / "n", url, key_file=tmp_path / "admin.key")
    c = Client(node)
    value = "down-%s.example" % uuid.uuid4().hex[:8]
    add_event(c, {"info": "down", "distribution": 1,
                  "Attribute": [{"type": "domain", "value": value}]})
    assert lookup_hits(c, [value])  # the key is verified, and cached for 2 s
    pg.stop()
    r = c.s.post(node.url + "/lookup", json=[value], timeout=10)
    pg.start()
    assert r.status_code == 503 and "database" in r.text, (r.status_code, r.text)


# =====================================================================
# 5. read-only node on a hot standby
# =====================================================================

def test_read_only_node_on_a_hot_standby_serves_the_primarys_data(lab, tmp_path):
    primary = lab.pg()
    url = primary.start()
    key = tmp_path / "admin.key"
    rw = lab.node(tmp_path / "rw", url, key_file=key)
    admin = Client(rw)
    org = new_org(admin, unique("ro-org"))
    user = new_user(admin, org, 3, rw)
    first = add_event(admin, {"info": "ro first", "distribution": 1, "Attribute": [
        {"type": "domain", "value": "ro-first-%s.example" % uuid.uuid4().hex[:8]}]})
    standby = lab.standby(primary)

    ro_dir = tmp_path / "ro"
    ro = lab.node(ro_dir, standby.url(), args=["--read-only"])  # no admin key file given
    ro.admin_key = rw.admin_key
    assert not (ro_dir / "var").exists(), "a read-only node wrote an admin key file"
    reader = Client(ro)
    # data written on the primary after the standby started reaches it
    value = "ro-later-%s.example" % uuid.uuid4().hex[:8]
    later = add_event(admin, {"info": "ro later", "distribution": 3, "Tag": [{"name": "tlp:green"}],
                              "Attribute": [{"type": "domain", "value": value}]})
    deadline = time.monotonic() + 15
    while reader.get("/events/view/%s" % later["uuid"]).status_code != 200:
        assert time.monotonic() < deadline, "the standby never showed the primary's write"
        time.sleep(0.1)
    replicated = time.monotonic()
    for path in ("/events/view/%s" % first["uuid"], "/events/view/%s" % later["uuid"],
                 "/organisations/index", "/users/view/me"):
        for key_ in (rw.admin_key, user.key):
            a = Client(rw, key_).get(path)
            b = Client(ro, key_).get(path)
            assert (a.status_code, a.json()) == (b.status_code, b.json()), path
    for body in ({}, {"eventinfo": "ro %"}):
        a = admin.post("/events/index", body)
        b = reader.post("/events/index", body)
        assert a.status_code == b.status_code == 200 and a.json() == b.json()
    # its index follows the replica too (no NOTIFY reaches a standby: the periodic refresh)
    while not lookup_hits(reader, [value]):
        assert time.monotonic() - replicated < 3, "/lookup on the standby node misses %s" % value
        time.sleep(0.1)
    assert lookup_hits(reader, [value]) == {(value, later["Attribute"][0]["uuid"])}
    # every write: 503 naming the cause; nothing reaches the database
    for path, body in (("/events/add", {"info": "refused", "distribution": 1}),
                       ("/admin/organisations/add", {"name": unique("refused")}),
                       ("/attributes/add/%s" % first["uuid"], {"type": "domain",
                                                               "value": "refused.example"}),
                       ("/auth_keys/add/%s" % user.user["id"], {})):
        r = reader.post(path, body)
        assert r.status_code == 503, (path, r.status_code, r.text)
        assert "read-only" in r.text, (path, r.text)
    assert Client(ro, user.key).post("/sightings/add/%s" % later["Attribute"][0]["uuid"],
                                     {}).status_code == 503
    assert admin.post("/events/index", {"eventinfo": "refused"}).json() == []

    # a read-only node on a database that was never initialised does not start
    empty = primary.createdb("empty")
    r = run([BIN, "serve", "--listen", "127.0.0.1:0", "--db", empty, "--read-only"],
            timeout=30, cwd=str(tmp_path), env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    assert r.returncode != 0 and "serving on" not in r.stdout
    assert "initialised" in r.stderr and "primary" in r.stderr, r.stderr
    assert primary.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                        db="empty").strip() == "0", "the refused start created tables"


# =====================================================================
# 6. one job runner for two nodes
# =====================================================================

# Every change of a job_leases row, with the statement that made it: whatever
# happens between two looks at the table is on record.
AUDIT = """
CREATE TABLE lease_audit (
    id bigserial PRIMARY KEY, name text, old_holder text, new_holder text,
    old_expires bigint, at bigint, statement text);
CREATE FUNCTION lease_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lease_audit (name, old_holder, new_holder, old_expires, at, statement)
    VALUES (NEW.name, CASE WHEN TG_OP = 'UPDATE' THEN OLD.holder ELSE '' END, NEW.holder,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.expires ELSE 0 END,
            floor(extract(epoch FROM clock_timestamp()))::bigint,
            replace(replace(current_query(), E'\\t', ' '), E'\\n', ' '));
    RETURN NEW;
END $$;
CREATE TRIGGER lease_audit AFTER INSERT OR UPDATE ON job_leases
    FOR EACH ROW EXECUTE FUNCTION lease_audit();
"""


def test_two_nodes_with_the_sync_worker_run_a_pull_one_at_a_time(lab, tmp_path):
    # the peer to pull from: a node of its own with published events
    remote = lab.node(tmp_path / "remote", str(tmp_path / "remote" / "liaison.db"),
                      key_file=tmp_path / "remote" / "admin.key",
                      extra_env={"LIAISON_ORG_NAME": unique("CERT-REMOTE")})
    radmin = Client(remote)
    rorg = radmin.get("/users/view/me").json()["Organisation"]
    published = []
    for i in range(30):
        published.append(add_event(radmin, {
            "info": "remote %d" % i, "distribution": 3, "published": True,
            "Attribute": [{"type": "domain", "value": "r%d-%s.example" % (j, uuid.uuid4().hex)}
                          for j in range(6)]})["uuid"])

    db, nodes = start_cluster(lab, tmp_path, n=2,
                              extra_env={"LIAISON_SYNC_WORKER": "1",
                                         "LIAISON_ORG_NAME": unique("CERT-CLUSTER")})
    name = db_name(db)
    psql(PG_DIR, name, AUDIT)
    cluster_org = Client(nodes[0]).get("/users/view/me").json()["Organisation"]
    # a sync user on the remote for the cluster's organisation
    r = radmin.post("/admin/organisations/add", {"name": cluster_org["name"],
                                                 "uuid": cluster_org["uuid"]})
    assert r.status_code == 200, r.text
    sync_user = new_user(radmin, r.json()["Organisation"]["id"], 5, remote)
    # the link, made through node 0: both nodes' schedulers see it due at once
    r = Client(nodes[0]).post("/servers/add", {
        "url": remote.url, "name": "remote", "authkey": sync_user.key, "pull": True,
        "pull_interval": 60, "RemoteOrg": {"uuid": rorg["uuid"], "name": rorg["name"]}})
    assert r.status_code == 200, r.text
    sid = r.json()["Server"]["id"]

    # the background worker pulls (nobody asks for it): the events arrive
    deadline = time.monotonic() + 30
    reader = Client(nodes[1])
    while True:
        r = reader.post("/events/index", {"eventinfo": "remote %"})
        assert r.status_code == 200, r.text
        missing = set(published) - {e["uuid"] for e in r.json()}
        if not missing:
            break
        assert time.monotonic() < deadline, "%d events never arrived" % len(missing)
        time.sleep(0.3)
    scheduled = int(psql(PG_DIR, name, "SELECT count(*) FROM lease_audit WHERE name = "
                                       "'sync.pull.%s' AND new_holder <> ''"
                                       " AND new_holder <> old_holder" % sid))
    assert scheduled >= 1, "the events arrived without the pull's lease being taken"

    # then both nodes are asked for pulls on demand as well, which take the same lease
    statuses = []
    stop = threading.Event()

    def ask(node):
        c = Client(node)
        while not stop.is_set():
            r = c.get("/servers/pull/%s/full" % sid)
            statuses.append((node.url, r.status_code, r.text[:200]))

    threads = [threading.Thread(target=ask, args=(n,)) for n in nodes for _ in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    odd = [s for s in statuses if s[1] not in (200, 409)]
    assert not odd, odd[:3]

    rows = [line.split("\t") for line in psql(
        PG_DIR, name, "SELECT id, old_holder, new_holder, old_expires, at, statement FROM "
                      "lease_audit WHERE name = 'sync.pull.%s' ORDER BY id" % sid).splitlines()]
    pids = {str(n.proc.pid): i for i, n in enumerate(nodes)}

    def node_of(holder):
        return pids.get(holder.split(":")[1]) if holder.count(":") == 2 else None

    # a take writes holder and last_start (a renewal only expires, a release last_end)
    takes = [r for r in rows if "last_start" in r[5] and "last_end" not in r[5]]
    assert takes, "the pull's lease was never taken"
    unclassified = [r for r in rows if r[2] and r[2] != r[1] and r not in takes]
    assert not unclassified, "holder changes not recognised as takes: %s" % unclassified[:3]
    assert all(node_of(r[2]) is not None for r in takes), [r[2] for r in takes]
    assert {node_of(r[2]) for r in takes} == {0, 1}, \
        "only one node ever took the lease: the test proves nothing"
    # the one thing that must never happen: a take while another run holds it
    stolen = [r for r in takes if r[1] and int(r[3]) >= int(r[4])]
    assert not stolen, "the lease was taken while held and unexpired: %s" % stolen[:3]
    assert any(s[1] == 409 and "running already" in s[2] for s in statuses), \
        "no pull was ever refused for a running one: the lease was never contended"
    lease = psql(PG_DIR, name, "SELECT holder, last_rc FROM job_leases WHERE name = "
                               "'sync.pull.%s'" % sid).rstrip("\n").split("\t")
    assert lease == ["", "0"], "after the runs: (holder, last_rc) = %s" % lease
    print("\nscheduled takes before the events arrived: %d; takes by node: %s; on-demand "
          "answers: %s" % (scheduled, [sum(1 for r in takes if node_of(r[2]) == i) for i in (0, 1)],
                           sorted((st, sum(1 for x in statuses if x[1] == st))
                                  for st in {x[1] for x in statuses})))
