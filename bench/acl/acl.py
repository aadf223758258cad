#!/usr/bin/python3
"""Builds the bench/acl data set through the API and times restSearch.

    acl.py URL ADMIN_KEY_FILE EVENTS [LABEL]

Data: 25 sharing groups created by the host organisation; a reader
organisation that belongs to 20 of them; EVENTS events of 100 attributes
(ip-dst, domain, sha256) from the host organisation, with distribution 0
(30%), 1 (40%) or 4 (30%, a random group).  Queries (best of 3 each):
  scan:  value LIKE '%.7.example' - every row is examined, few match
  fetch: type = sha256 - a third of the rows are returned as JSON
Each is reported per query and per returned row (time / rows): the two users
get different numbers of rows, so per query alone would favour the one that
sees fewer.  LABEL (e.g. "[postgresql]") follows the name of every figure
printed, for runs that measure more than one backend.
"""
import json
import random
import sys
import threading
import time

import requests


def per_row_us(seconds, rows):
    return seconds * 1e6 / rows if rows else float("nan")


def main():
    url, key_file, n_events = sys.argv[1], sys.argv[2], int(sys.argv[3])
    label = " " + sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else ""
    key = open(key_file).read().strip()
    s = requests.Session()
    s.headers.update({"Authorization": key, "Accept": "application/json",
                      "Content-Type": "application/json"})
    rng = random.Random(7)
    org = s.post(url + "/admin/organisations/add", json={"name": "acl-reader"}).json()
    org_id = org["Organisation"]["id"]
    user = s.post(url + "/admin/users/add", json={"email": "reader@acl.example",
                                                  "org_id": org_id, "role_id": 3}).json()
    reader_key = s.post(url + "/auth_keys/add/%s" % user["User"]["id"],
                        json={}).json()["AuthKey"]["authkey_raw"]
    groups = []
    for i in range(25):
        g = s.post(url + "/sharing_groups/add", json={"name": "acl-sg-%d" % i}).json()
        sg = g["SharingGroup"]["id"]
        groups.append(sg)
        if i < 20:
            s.post(url + "/sharing_groups/addOrg/%s/%s" % (sg, org_id))

    bodies = []
    for e in range(n_events):
        r = rng.random()
        dist = 0 if r < 0.3 else 1 if r < 0.7 else 4
        body = {"info": "acl bench %d" % e, "distribution": dist, "Attribute": []}
        if dist == 4:
            body["sharing_group_id"] = rng.choice(groups)
        for a in range(100):
            k = a % 3
            if k == 0:
                v = {"type": "ip-dst", "value": "10.%d.%d.%d" % (e % 250, a, e // 250 % 250)}
            elif k == 1:
                v = {"type": "domain", "value": "h%d-%d.%d.example" % (e, a, a % 10)}
            else:
                v = {"type": "sha256", "value": "%064x" % rng.getrandbits(256)}
            body["Attribute"].append(v)
        bodies.append(json.dumps(body))

    t0 = time.time()
    lock = threading.Lock()
    todo = list(range(len(bodies)))

    def post():
        c = requests.Session()
        c.headers.update(s.headers)
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            r = c.post(url + "/events/add", data=bodies[i], timeout=120)
            if r.status_code != 200:
                raise SystemExit("add failed: %s" % r.text[:300])

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("acl%s: loaded %d events, %d attributes in %.1f s" %
          (label, n_events, n_events * 100, time.time() - t0))

    reader = requests.Session()
    reader.headers.update(dict(s.headers, Authorization=reader_key))
    queries = {"scan": {"value": "%.7.example"}, "fetch": {"type": "sha256"}}
    results = {}
    for name, q in queries.items():
        for who, sess in (("admin", s), ("restricted", reader)):
            best, count = None, 0
            for _ in range(3):
                t = time.time()
                r = sess.post(url + "/attributes/restSearch", json=q, timeout=600)
                dt = time.time() - t
                if r.status_code != 200:
                    raise SystemExit("restSearch failed: %s" % r.text[:300])
                count = len(r.json()["response"]["Attribute"])
                best = dt if best is None else min(best, dt)
            results[(name, who)] = (best, count)
            print("acl %s %s%s: %.3f s (%d attributes returned, %.2f us per row)" % (
                name, who, label, best, count, per_row_us(best, count)))
        (ta, na), (tr, nr) = results[(name, "admin")], results[(name, "restricted")]
        print("ratio %s restricted/admin per query%s: %.2f" % (name, label, tr / ta))
        if na and nr:
            print("ratio %s restricted/admin per row%s: %.2f" % (
                name, label, per_row_us(tr, nr) / per_row_us(ta, na)))


if __name__ == "__main__":
    main()
