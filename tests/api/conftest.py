"""Fixtures for black-box API tests: a real `liaison serve` on an ephemeral
port with a fresh database, started and stopped by the suite.

The binary is $LIAISON_BIN (make test-api sets it to the ASan build), else
./liaison.  Only the public interface is used, as a user's script would.

The database is a SQLite file, or with LIAISON_TEST_BACKEND=postgresql a
fresh database on the private PostgreSQL server of LIAISON_TEST_PG_DIR
(`make test` runs the suite both ways, scripts/with-pg).  Tests name their
databases as SQLite paths and pass them through db_url / db_args, which give
each path its own PostgreSQL database in that mode.
"""
import hashlib
import os
import pathlib
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
# third-party fixtures (MISP schemas, describeTypes.json): tests/data/README.md
TEST_DATA = ROOT / "tests" / "data"
BIN = os.environ.get("LIAISON_BIN", str(ROOT / "liaison"))
BACKEND = os.environ.get("LIAISON_TEST_BACKEND", "sqlite")
PG_DIR = os.environ.get("LIAISON_TEST_PG_DIR", "")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError("LIAISON_TEST_BACKEND must be sqlite or postgresql")
if BACKEND == "postgresql" and not PG_DIR:
    raise RuntimeError("LIAISON_TEST_BACKEND=postgresql needs LIAISON_TEST_PG_DIR "
                       "(run the suite under scripts/with-pg)")

_pg_made = set()


def pg_createdb(name):
    """Creates database name on the test server (once) and returns its URL."""
    if name not in _pg_made:
        subprocess.run(["psql", "-q", "-h", PG_DIR, "-U", "liaison", "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-c", 'CREATE DATABASE "%s"' % name],
                       check=True, capture_output=True, timeout=60)
        _pg_made.add(name)
    return "postgresql:///%s?host=%s&user=liaison" % (name, PG_DIR)


def db_url(path):
    """The --db value for a database a test names by a SQLite path: the path
    itself, or on PostgreSQL the URL of a database of its own (the same one
    for the same path)."""
    path = str(path)
    if BACKEND == "sqlite":
        return path
    return pg_createdb("t_" + hashlib.sha1(path.encode()).hexdigest()[:20])


def db_args(path):
    """--db (and on PostgreSQL --admin-key-file, so that the key lands beside
    the path as SQLite puts it) for a CLI command."""
    args = ["--db", db_url(path)]
    if BACKEND == "postgresql":
        args += ["--admin-key-file", os.path.join(os.path.dirname(str(path)), "admin.key")]
    return args


class Server:
    """A running liaison serve process and a client bound to it."""

    def __init__(self, tmpdir, extra_env=None, args=(), db_name="liaison.db"):
        self.dir = pathlib.Path(tmpdir)
        self.db_path = self.dir / db_name
        self.db = db_url(self.db_path)
        env = dict(os.environ)
        # the background sync worker would race the tests' on-demand runs;
        # tests about it turn it on
        env.update({"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                    "LIAISON_LOG_LEVEL": "warn", "LIAISON_SYNC_WORKER": "0"})
        env.update(extra_env or {})
        self.log = open(self.dir / "server.log", "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:0", *db_args(self.db_path), "--threads", "2",
             *args],
            stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.url = self._wait_for_url()
        self.admin_key = (self.dir / "admin.key").read_text().strip()

    def _wait_for_url(self):
        deadline = time.time() + 30
        out = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                out += chunk
                m = re.search(rb"serving on (http://[0-9.]+:[0-9]+)", out)
                if m:
                    return m.group(1).decode()
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("liaison serve did not start: %r\n%s" % (
            out, (self.dir / "server.log").read_text(errors="replace")))

    def session(self, key=None):
        s = requests.Session()
        s.headers.update({"Authorization": key or self.admin_key,
                          "Accept": "application/json",
                          "Content-Type": "application/json"})
        s.base = self.url
        return s

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class Client:
    """Small helper around requests with the server's base URL."""

    def __init__(self, server, key=None):
        self.server = server
        self.s = server.session(key)

    def get(self, path, **kw):
        return self.s.get(self.server.url + path, timeout=30, **kw)

    def head(self, path, **kw):
        return self.s.head(self.server.url + path, timeout=30, **kw)

    def post(self, path, json=None, **kw):
        return self.s.post(self.server.url + path, json=json, timeout=60, **kw)

    def put(self, path, json=None, **kw):
        return self.s.put(self.server.url + path, json=json, timeout=60, **kw)

    def delete(self, path, **kw):
        return self.s.delete(self.server.url + path, timeout=30, **kw)


@pytest.fixture(scope="session")
def server():
    tmp = tempfile.mkdtemp(prefix="liaison-api-")
    srv = Server(tmp)
    yield srv
    rc = srv.stop()
    log = (pathlib.Path(tmp) / "server.log").read_text(errors="replace")
    shutil.rmtree(tmp, ignore_errors=True)
    assert "ERROR: AddressSanitizer" not in log, log
    assert "runtime error:" not in log, log
    assert rc == 0, "server exit code %s\n%s" % (rc, log[-4000:])


@pytest.fixture(scope="session")
def admin(server):
    return Client(server)


_counter = [0]


def unique(prefix):
    _counter[0] += 1
    return "%s-%d-%d" % (prefix, os.getpid(), _counter[0])


@pytest.fixture(scope="session")
def make_user(server, admin):
    """Creates an organisation (or reuses org_id) and a user with a role; returns a Client."""

    def make(role_id=3, org_id=None):
        if org_id is None:
            r = admin.post("/admin/organisations/add", {"name": unique("org")})
            assert r.status_code == 200, r.text
            org_id = r.json()["Organisation"]["id"]
        r = admin.post("/admin/users/add",
                       {"email": unique("user") + "@example.org", "org_id": org_id,
                        "role_id": role_id})
        assert r.status_code == 200, r.text
        user = r.json()["User"]
        r = admin.post("/auth_keys/add/%s" % user["id"], {"comment": "test"})
        assert r.status_code == 200, r.text
        c = Client(server, r.json()["AuthKey"]["authkey_raw"])
        c.user = user
        c.org_id = org_id
        c.key_id = r.json()["AuthKey"]["id"]
        return c

    return make
