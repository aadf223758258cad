#!/usr/bin/python3
"""The REST calls of the sync benchmark, as an operator would make them.

    api.py link A_URL A_KEY_FILE B_URL B_KEY_FILE
        On A: an organisation with B's host-organisation uuid and name, a sync
        user in it (role 5) and an API key.  On B: a pull link to A with that
        key, RemoteOrg = A's host organisation.  Prints the link's id on B.

    api.py pull B_URL B_KEY_FILE LINK_ID full|incremental TIMEOUT
        GET /servers/pull/LINK_ID[/full] on B; prints one line:
        "WALL SECONDS LISTED WANTED CREATED UPDATED UNCHANGED FAILED ATTRIBUTES
        REMOVED NOT_MODIFIED" (WALL: the request's wall time in seconds,
        SECONDS: the report's; NOT_MODIFIED: 1 or 0).  Exits 1 if the answer
        is not 200 or the report names an error.

    api.py link-push A_URL A_KEY_FILE C_URL C_KEY_FILE
        On C: an organisation with A's host-organisation uuid and name, a sync
        user in it and a key.  On A: a push link to C with that key.  Prints
        the link's id on A.

    api.py push A_URL A_KEY_FILE LINK_ID TIMEOUT
        GET /servers/push/LINK_ID/full on A; prints "WALL SECONDS LISTED
        WANTED CREATED FAILED ATTRIBUTES".  Exits 1 as pull does.

    api.py change A_URL A_KEY_FILE N VALUES_OUT
        Adds one new ip-dst attribute to N published events of A spread over
        its event list (POST /attributes/add/ID), then publishes each again
        (POST /events/publish/ID).  Writes the new values to VALUES_OUT, one a
        line.
"""
import sys
import time

import requests


def session(key_file):
    with open(key_file, encoding="ascii") as f:
        key = f.read().strip()
    s = requests.Session()
    s.headers.update({"Authorization": key, "Accept": "application/json",
                      "Content-Type": "application/json"})
    return s


def call(s, method, url, body=None, timeout=60):
    r = s.request(method, url, json=body, timeout=timeout)
    if r.status_code != 200:
        sys.exit("bench/sync: %s %s: %d %s" % (method, url, r.status_code, r.text[:500]))
    return r.json()


def host_org(s, url):
    return call(s, "GET", url + "/users/view/me")["Organisation"]


def sync_key(s, url, other_org):
    """On the node at url: an organisation standing for other_org, a sync user in
    it and an API key."""
    org = call(s, "POST", url + "/admin/organisations/add",
               {"name": other_org["name"], "uuid": other_org["uuid"]})["Organisation"]
    user = call(s, "POST", url + "/admin/users/add",
                {"email": "sync-%s@bench.example" % org["id"], "org_id": org["id"],
                 "role_id": 5})["User"]
    return call(s, "POST", url + "/auth_keys/add/%s" % user["id"], {})["AuthKey"]["authkey_raw"]


def link(a_url, a_key, b_url, b_key, direction="pull"):
    """A link on b_url to a_url (pull), made with a sync user's key on a_url."""
    a, b = session(a_key), session(b_key)
    a_org, b_org = host_org(a, a_url), host_org(b, b_url)
    key = sync_key(a, a_url, b_org)
    server = call(b, "POST", b_url + "/servers/add",
                  {"url": a_url, "name": "node at " + a_url, "authkey": key, direction: True,
                   "RemoteOrg": {"uuid": a_org["uuid"], "name": a_org["name"]}})["Server"]
    print(server["id"])


def link_push(a_url, a_key, c_url, c_key):
    link(c_url, c_key, a_url, a_key, "push")


def timed_get(url, key_file, path, timeout):
    """GET path as an operator would; the wall time and the JSON report."""
    s = session(key_file)
    t0 = time.perf_counter()
    r = s.get(url + path, timeout=float(timeout))
    wall = time.perf_counter() - t0
    if r.status_code != 200:
        sys.exit("bench/sync: GET %s: %d %s" % (path, r.status_code, r.text[:500]))
    return wall, r.json()


def exit_on_error(what, rep):
    """After the report's line is printed: exit 1 if it names an error."""
    if rep.get("error"):
        sys.exit("bench/sync: %s reported: %s" % (what, rep["error"]))


def pull(b_url, b_key, link_id, technique, timeout):
    path = "/servers/pull/%s%s" % (link_id, "/full" if technique == "full" else "")
    wall, rep = timed_get(b_url, b_key, path, timeout)
    print("%.3f %.3f %d %d %d %d %d %d %d %d %d" % (
        wall, rep["seconds"], rep["listed"], rep["wanted"], rep["created"], rep["updated"],
        rep["unchanged"], rep["failed"], rep["attributes"], rep["removed"],
        1 if rep["not_modified"] else 0))
    exit_on_error("pull", rep)


def push(a_url, a_key, link_id, timeout):
    wall, rep = timed_get(a_url, a_key, "/servers/push/%s/full" % link_id, timeout)
    print("%.3f %.3f %d %d %d %d %d" % (wall, rep["seconds"], rep["listed"], rep["wanted"],
                                        rep["created"], rep["failed"], rep["attributes"]))
    exit_on_error("push", rep)


def change(a_url, a_key, n, values_out):
    s = session(a_key)
    events = call(s, "POST", a_url + "/events/index", {"minimal": 1, "published": 1})
    ids = sorted(int(e["id"]) for e in events)
    n = int(n)
    chosen = [ids[i * len(ids) // n] for i in range(n)]
    values = []
    for i, event_id in enumerate(chosen):
        value = "198.51.100.%d" % (i + 1)
        call(s, "POST", a_url + "/attributes/add/%d" % event_id,
             {"type": "ip-dst", "value": value, "comment": "bench/sync: changed on A"})
        call(s, "POST", a_url + "/events/publish/%d" % event_id)
        values.append(value)
    with open(values_out, "w", encoding="ascii") as f:
        f.write("".join(v + "\n" for v in values))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"link": link, "link-push": link_push, "pull": pull, "push": push,
     "change": change}[cmd](*args)


if __name__ == "__main__":
    main()
