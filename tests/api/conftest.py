"""Fixtures for black-box API tests: a real `liaison serve` on an ephemeral
port with a fresh SQLite database, started and stopped by the suite.

The binary is $LIAISON_BIN (make test-api sets it to the ASan build), else
./liaison.  Only the public interface is used, as a user's script would.
"""
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


class Server:
    """A running liaison serve process and a client bound to it."""

    def __init__(self, tmpdir, extra_env=None, args=(), db_name="liaison.db"):
        self.dir = pathlib.Path(tmpdir)
        self.db = self.dir / db_name
        env = dict(os.environ)
        # the background sync worker would race the tests' on-demand runs;
        # tests about it turn it on
        env.update({"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
                    "LIAISON_LOG_LEVEL": "warn", "LIAISON_SYNC_WORKER": "0"})
        env.update(extra_env or {})
        self.log = open(self.dir / "server.log", "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:0", "--db", str(self.db), "--threads", "2",
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
