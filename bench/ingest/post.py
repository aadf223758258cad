#!/usr/bin/python3
"""POSTs every event file to /events/add with N concurrent clients.

    post.py URL KEY_FILE WORKERS TIMEOUT REJECTS_OUT FILE...

Bodies are read and their attributes counted before the clock starts; each
worker is a thread with its own requests.Session (keep-alive) taking the
next file from a shared list, so the big events do not all land on one
worker.  The time is the wall time from the first request to the last
response, responses read in full (not decoded).  A refused event (any
non-2xx answer: Liaison refuses an event as a whole) counts its attributes
as rejected; its file name goes to REJECTS_OUT, one a line.  TIMEOUT bounds
the whole run in seconds: workers stop taking files after it.

Prints one line, "accepted ATTRS rejected ATTRS events OK FAILED seconds S
missed N" (N: files not sent before TIMEOUT), then up to five refusals with
their status and message on stderr.
"""
import json
import sys
import threading
import time

import requests


def main():
    url, key_file, workers, timeout, rejects_out = sys.argv[1:6]
    files = sys.argv[6:]
    with open(key_file, encoding="ascii") as f:
        key = f.read().strip()
    bodies = []
    for path in files:
        with open(path, "rb") as f:
            body = f.read()
        bodies.append((path, body, len(json.loads(body)["Attribute"])))
    headers = {"Authorization": key, "Accept": "application/json",
               "Content-Type": "application/json"}
    lock = threading.Lock()
    state = {"next": 0, "accepted": 0, "rejected": 0, "ok": 0, "failed": 0}
    refusals = []
    deadline = time.monotonic() + float(timeout)

    def work():
        session = requests.Session()
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies) or time.monotonic() > deadline:
                break
            path, body, n_attrs = bodies[i]
            try:
                r = session.post(url + "/events/add", data=body, headers=headers,
                                 timeout=float(timeout))
                status, text = r.status_code, r.content
            except requests.RequestException as e:
                status, text = 0, str(e).encode()
            with lock:
                if 200 <= status < 300:
                    state["accepted"] += n_attrs
                    state["ok"] += 1
                else:
                    state["rejected"] += n_attrs
                    state["failed"] += 1
                    refusals.append((path, status, text[:300]))
        session.close()

    threads = [threading.Thread(target=work) for _ in range(int(workers))]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    with open(rejects_out, "w", encoding="utf-8") as f:
        for path, _, _ in refusals:
            f.write(path + "\n")
    missed = max(0, len(bodies) - state["ok"] - state["failed"])
    print("accepted %d rejected %d events %d %d seconds %.3f missed %d"
          % (state["accepted"], state["rejected"], state["ok"], state["failed"], elapsed, missed))
    for path, status, text in refusals[:5]:
        print("post.py: %s: HTTP %d: %s" % (path, status, text.decode("utf-8", "replace")),
              file=sys.stderr)


if __name__ == "__main__":
    main()
