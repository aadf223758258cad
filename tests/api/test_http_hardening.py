"""The HTTP server under hostile clients (issue 10): requests refused on their
headers before any body is read, a memory budget for request bodies,
per-address connection limits, the header time-out (slowloris), log lines
that cannot be forged, and RFC 9112 framing.

Raw sockets on 127.0.0.1 (and 127.0.0.2 as a second client address), every
wait bounded.
"""
import pathlib
import re
import socket
import tempfile
import threading
import time
from urllib.parse import urlparse

import pytest
import requests

from conftest import Server

HEADER_TIMEOUT = 2
PER_IP = 8
BODY_MEMORY = 1024 * 1024  # the smallest budget allowed
MAX_BODY = 512 * 1024


@pytest.fixture(scope="module")
def srv():
    tmp = tempfile.mkdtemp(prefix="liaison-http-")
    s = Server(tmp, extra_env={"LIAISON_LOG_LEVEL": "info"},
               args=("--max-connections-per-ip", str(PER_IP), "--max-connections", "64",
                     "--header-timeout", str(HEADER_TIMEOUT),
                     "--body-memory-max", str(BODY_MEMORY), "--max-body", str(MAX_BODY)))
    s.addr = (urlparse(s.url).hostname, urlparse(s.url).port)
    yield s
    assert s.stop() == 0
    log = (s.dir / "server.log").read_text(errors="replace")
    assert "ERROR: AddressSanitizer" not in log, log
    assert "runtime error:" not in log, log


def connect(srv, source="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(srv.addr)
    return s


def read_head(s, limit=3.0):
    """Reads until the end of a response head (or EOF / limit seconds)."""
    s.settimeout(limit)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def read_all(s, limit=3.0):
    """Reads until EOF (or limit seconds); returns (bytes, closed by peer)."""
    s.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, True
            data += chunk
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def status_of(reply):
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.") else None


def rss_kib(pid):
    for line in pathlib.Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def closed_by_peer(s):
    """True when the server has closed (or reset) this idle socket."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, OSError):
        return True
    finally:
        s.setblocking(True)


# ---- defect 6: nothing is read before the key is checked ----

def test_unauthenticated_huge_upload_is_refused_before_its_body(srv):
    """A 1 GiB /lookup upload without a key gets its 403 at once, without
    100 Continue and without the server reading (and keeping) the body."""
    before = rss_kib(srv.proc.pid)
    socks = []
    for _ in range(4):
        s = connect(srv)
        s.sendall(b"POST /lookup HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n")
        t0 = time.monotonic()
        head = read_head(s)
        assert status_of(head) == 403, head
        assert time.monotonic() - t0 < 2
        assert b"100 Continue" not in head
        socks.append(s)
    # the clients push 16 MiB each anyway: the server must not take it in
    chunk = b"10.0.0.1\n" * 100000

    def push(s):
        s.settimeout(2)
        sent = 0
        try:
            while sent < 16 * 1024 * 1024:
                s.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass

    threads = [threading.Thread(target=push, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for s in socks:
        s.close()
    grown = rss_kib(srv.proc.pid) - before
    assert grown < 24 * 1024, "server RSS grew by %d KiB" % grown


def test_wrong_key_with_body_is_403_at_once_and_closes(srv):
    s = connect(srv)
    s.sendall(b"POST /events/add HTTP/1.1\r\nHost: x\r\nAuthorization: " + b"x" * 40 +
              b"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
    data, closed = read_all(s)
    s.close()
    assert status_of(data) == 403
    assert b"Authentication failed" in data
    assert closed


def post_head(srv, path, length, key=None):
    """Sends a POST's headers only; returns the socket."""
    s = connect(srv)
    s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: " +
              (key or srv.admin_key).encode() + b"\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % length)
    return s


@pytest.mark.parametrize("path,length,setting", [
    (b"/events/add", MAX_BODY + 1, b"larger than max_body"),
    # lookup_max_body (1 GiB) is above the whole memory budget
    (b"/lookup", BODY_MEMORY, b"larger than body_memory_max"),
])
def test_declared_length_over_the_limit_is_413_before_the_body(srv, path, length, setting):
    s = post_head(srv, path, length)
    t0 = time.monotonic()
    data, closed = read_all(s)
    s.close()
    assert status_of(data) == 413, data
    assert setting in data
    assert closed and time.monotonic() - t0 < 2


def test_body_memory_budget_answers_503_with_retry_after(srv):
    # holds 900 KiB of the 1 MiB budget while its body trickles in
    holder = post_head(srv, b"/lookup", 900 * 1024)
    holder.sendall(b"10.0.0.1\n")
    time.sleep(0.3)
    s = post_head(srv, b"/events/add", 200 * 1024)
    data, _ = read_all(s)
    s.close()
    assert status_of(data) == 503, data
    assert b"\r\nRetry-After: 5\r\n" in data
    assert b"body_memory_max" in data
    # a chunked body is counted as it grows
    body = b'{"info": "' + b"x" * (300 * 1024) + b'"}'
    r = requests.post(srv.url + "/events/add", data=iter([body[i:i + 65536]
                                                        for i in range(0, len(body), 65536)]),
                      headers={"Authorization": srv.admin_key,
                               "Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    holder.close()
    # once the holder is gone its share is back
    deadline = time.monotonic() + 5
    while True:
        r = requests.post(srv.url + "/events/add", json={"info": "x" * (300 * 1024)},
                          headers={"Authorization": srv.admin_key}, timeout=30)
        if r.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 200, r.text


# ---- defect 7: connection exhaustion ----

def test_per_address_limit_leaves_room_for_other_clients(srv):
    idle = [connect(srv) for _ in range(PER_IP * 4)]
    try:
        time.sleep(0.5)
        kept = [s for s in idle if not closed_by_peer(s)]
        assert len(kept) <= PER_IP, "%d idle connections kept" % len(kept)
        # another address is served at once
        t0 = time.monotonic()
        s = connect(srv, source="127.0.0.2")
        s.sendall(b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                  srv.admin_key.encode() + b"\r\nConnection: close\r\n\r\n")
        data, _ = read_all(s)
        s.close()
        assert status_of(data) == 200, data
        assert time.monotonic() - t0 < 2
    finally:
        for s in idle:
            s.close()
        # the server may not have seen the closes yet: later tests need their slots
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s = connect(srv)
            s.sendall(b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data, _ = read_all(s, limit=1)
            s.close()
            if status_of(data) == 403:
                break
            time.sleep(0.1)


def test_slowloris_headers_are_cut_at_the_header_timeout(srv):
    s = connect(srv)
    t0 = time.monotonic()
    s.sendall(b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\n")
    closed_at = None
    try:
        for i in range(int(HEADER_TIMEOUT * 4 + 8)):  # a header line every 0.5 s
            time.sleep(0.5)
            s.sendall(b"X-Slow-%d: 1\r\n" % i)
            if closed_by_peer(s):
                closed_at = time.monotonic() - t0
                break
    except OSError:
        closed_at = time.monotonic() - t0
    s.close()
    assert closed_at is not None, "never closed"
    assert HEADER_TIMEOUT - 0.5 <= closed_at <= HEADER_TIMEOUT + 2, closed_at


def test_header_timeout_does_not_cut_a_slow_body_or_a_prompt_keep_alive(srv):
    s = connect(srv)
    key = srv.admin_key.encode()
    s.sendall(b"POST /events/index HTTP/1.1\r\nHost: x\r\nAuthorization: " + key +
              b"\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{")
    time.sleep(HEADER_TIMEOUT + 1)  # the headers were complete: only idle_timeout applies
    s.sendall(b"}")
    head = read_head(s)
    assert status_of(head) == 200, head
    read_all(s, limit=0.5)
    # a second request on the same connection, within the header time-out
    s.sendall(b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\nAuthorization: " + key +
              b"\r\n\r\n")
    assert status_of(read_head(s)) == 200
    s.close()


# ---- defect 10: log lines cannot be forged ----

def test_url_cannot_forge_log_lines(srv):
    s = connect(srv)
    s.sendall(b"GET /servers/getVersion%22%0Ats=2020-01-01T00:00:00.000Z%20level=fatal%20"
              b"msg=%22forged%0D%0A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data, _ = read_all(s)
    s.close()
    assert status_of(data) in (403, 404)
    time.sleep(0.2)
    log = (srv.dir / "server.log").read_bytes().decode(errors="replace")
    lines = log.split("\n")
    assert not [l for l in lines if l.startswith("ts=2020")], log
    for line in lines[:-1]:  # every line is one whole entry of the server's
        assert re.match(r'ts=\S+Z level=(error|warn|info|debug) msg="', line), line
    assert lines[-1] == ""
    access = [l for l in lines if "forged" in l]
    assert len(access) == 1
    assert ' msg="access" ' in access[0]
    assert 'path="/servers/getVersion\\"\\nts=2020-01-01T00:00:00.000Z level=fatal ' \
           'msg=\\"forged\\r\\n"' in access[0]


# ---- defect 12: ambiguous framing is refused ----

def framing_reply(srv, headers, body=b""):
    s = connect(srv)
    s.sendall(b"POST /events/index HTTP/1.1\r\nHost: x\r\nAuthorization: " +
              srv.admin_key.encode() + b"\r\nContent-Type: application/json\r\n" + headers +
              b"\r\n" + body)
    data, closed = read_all(s)
    s.close()
    return data, closed


SMUGGLED = b"GET /servers/getVersion HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("headers,status,message", [
    (b"Content-Length: 2\r\nContent-Length: %d\r\n" % (2 + len(SMUGGLED)), 400,
     b"Conflicting Content-Length"),
    (b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", 400,
     b"Content-Length and Transfer-Encoding"),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", 400,
     b"Content-Length and Transfer-Encoding"),
    (b"Transfer-Encoding: gzip\r\n", 400, b"must be chunked"),
    (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400, b"must be chunked"),
    (b"Transfer-Encoding: chunked, gzip\r\n", 400, b"must be chunked"),
    (b"Transfer-Encoding: gzip, chunked\r\n", 501, b"Only the chunked"),
])
def test_ambiguous_framing_is_400_and_closes(srv, headers, status, message):
    data, closed = framing_reply(srv, headers, b"{}" + SMUGGLED)
    assert status_of(data) == status, data
    assert message in data
    assert b"\r\nConnection: close\r\n" in data
    assert closed
    assert data.count(b"HTTP/1.1 ") == 1  # nothing after it was taken as a request


def test_content_length_list_is_refused(srv):
    data, closed = framing_reply(srv, b"Content-Length: 2, 5\r\n", b"{}abc")
    assert status_of(data) == 400 and closed


def test_transfer_encoding_in_http_1_0_is_refused(srv):
    s = connect(srv)
    s.sendall(b"POST /events/index HTTP/1.0\r\nHost: x\r\nAuthorization: " +
              srv.admin_key.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    data, closed = read_all(s)
    s.close()
    assert status_of(data) == 400 and b"HTTP/1.0" in data


def test_sound_framing_still_works(srv):
    data, _ = framing_reply(srv, b"Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n",
                            b"{}")
    assert status_of(data) == 200, data
    data, _ = framing_reply(srv, b"Transfer-Encoding: Chunked\r\nConnection: close\r\n",
                            b"2\r\n{}\r\n0\r\n\r\n")
    assert status_of(data) == 200, data


def test_answers_held_for_slow_readers_share_a_memory_budget():
    """An answer built whole stays in memory until its client has read it: the
    sum is bounded by response_memory_max, so slow readers cannot pin the
    server's memory (issue 10, defect 9: memory per server)."""
    tmp = tempfile.mkdtemp(prefix="liaison-answers-")
    s = Server(tmp, args=("--response-memory-max", str(12 * 1024 * 1024)))
    try:
        addr = (urlparse(s.url).hostname, urlparse(s.url).port)
        attrs = [{"type": "domain", "value": "a%d.answers.example" % i, "comment": "c" * 1000}
                 for i in range(8000)]  # events/view: about 9 MB
        r = requests.post(s.url + "/events/add", json={"info": "big answer", "Attribute": attrs},
                          headers={"Authorization": s.admin_key, "Accept": "application/json"},
                          timeout=120)
        assert r.status_code == 200, r.text[:300]
        uid = r.json()["Event"]["uuid"]
        get = ("GET /events/view/%s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
               "Accept: application/json\r\n\r\n" % (uid, s.admin_key)).encode()
        slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing
        slow.connect(addr)
        slow.sendall(get)
        time.sleep(1.5)  # built and queued, mostly unsent
        r = requests.get(s.url + "/events/view/%s" % uid, timeout=60,
                         headers={"Authorization": s.admin_key, "Accept": "application/json"})
        assert r.status_code == 503, r.status_code
        assert r.headers.get("Retry-After") and "response_memory_max" in r.text
        # small answers still go out meanwhile
        r = requests.get(s.url + "/servers/getVersion", timeout=10,
                         headers={"Authorization": s.admin_key, "Accept": "application/json"})
        assert r.status_code == 200
        slow.close()  # the held answer is given back
        deadline = time.time() + 10
        while True:
            r = requests.get(s.url + "/events/view/%s" % uid, timeout=60,
                             headers={"Authorization": s.admin_key,
                                      "Accept": "application/json"})
            if r.status_code == 200 or time.time() > deadline:
                break
            time.sleep(0.5)
        assert r.status_code == 200 and len(r.json()["Event"]["Attribute"]) == 8000
    finally:
        assert s.stop() == 0
