"""The load and the recorder of bench/soak.sh (see there). Standard library only.

Writes to OUT: samples.csv (every SAMPLE seconds: time, RSS of the supervisor, of all workers, of the largest
worker and of nginx in KiB, open descriptors of the supervisor and of all workers, worker count, database and WAL
bytes) and latency.csv (per minute and kind of request: count, errors, p50/p90/p99/max in ms).
"""
import argparse
import csv
import http.client
import json
import os
import random
import threading
import time
import urllib.parse
import uuid

PASSWORD = "soak-password-123"


class Client:
    """One keep-alive HTTP connection to nginx."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, data, headers)
                r = self.conn.getresponse()
                payload = r.read()
                return r.status, payload, r.headers
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    return 0, b"", {}
        return 0, b"", {}


def setup(base):
    c = Client(base)
    _, body, _ = c.call("POST", "/auth/login", {"email": "soak@example.com", "password": PASSWORD})
    admin = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    c.call("PUT", "/roles/soak-editor", {"permissions": ["assets:read", "assets:write", "branches:read",
                                                          "branches:write", "dashboard:read"]}, admin)
    users = []
    for i in range(8):
        email = f"soak{i}@example.com"
        status, body, _ = c.call("POST", "/users", {"email": email, "password": PASSWORD, "name": f"Soak {i}"}, admin)
        uid = json.loads(body)["id"]
        c.call("POST", f"/users/{uid}/assignments",
               {"zone": "SoakZone", "department": "Ops", "role": "soak-editor", "primary": True}, admin)
        users.append(email)
    _, body, _ = c.call("POST", "/auth/login", {"email": users[0], "password": PASSWORD})
    token = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    status, body, _ = c.call("POST", "/v1/branches", {"name": "Soak depot", "address": "1 Quay St"}, token)
    assert status == 201, body
    return users, json.loads(body)["id"]


class Load:
    def __init__(self, base, users, branch, deadline):
        self.base, self.users, self.branch, self.deadline = base, users, branch, deadline
        self.records = []  # (second since start, kind, ms, ok)
        self.lock = threading.Lock()
        self.start = time.time()

    def run(self, index):
        rng = random.Random(index)
        c = Client(self.base)
        email = self.users[index % len(self.users)]
        records = []

        def timed(kind, method, path, body=None, headers=None, ok=(200,)):
            t0 = time.perf_counter()
            status, payload, h = c.call(method, path, body, headers)
            records.append((time.time() - self.start, kind, (time.perf_counter() - t0) * 1000, status in ok))
            return status, payload, h

        _, payload, _ = timed("login", "POST", "/auth/login", {"email": email, "password": PASSWORD})
        tokens = json.loads(payload)
        auth = {"Authorization": "Bearer " + tokens["access_token"]}
        refresh = tokens["refresh_token"]
        fresh_assets = []
        wrong = [f"nobody{n}@example.com" for n in range(50)]
        while time.time() < self.deadline:
            x = rng.random()
            if x < 0.35:
                timed("verify", "GET", "/auth/verify", headers=auth, ok=(200, 204))
            elif x < 0.50:
                timed("assets_read", "GET", "/v1/assets?limit=20", headers=auth)
            elif x < 0.60:
                timed("dashboard", "GET", "/v1/dashboard", headers=auth)
            elif x < 0.70:
                status, payload, h = timed("asset_write", "POST", "/v1/assets", {
                    "branch_id": self.branch, "tag": uuid.uuid4().hex[:12], "name": "Soak", "category": "it",
                    "value_cents": rng.randrange(100000)}, auth, ok=(201,))
                if status == 201:
                    fresh_assets.append((json.loads(payload)["id"], h.get("ETag")))
            elif x < 0.75:
                if fresh_assets:
                    aid, etag = fresh_assets.pop()
                    timed("asset_write", "PUT", f"/v1/assets/{aid}", {"status": "in_repair"},
                          {**auth, "If-Match": etag or '"1"'})
            elif x < 0.88:
                status, payload, _ = timed("refresh", "POST", "/auth/refresh", {"refresh_token": refresh})
                if status == 200:
                    tokens = json.loads(payload)
                    refresh = tokens["refresh_token"]
                    auth = {"Authorization": "Bearer " + tokens["access_token"]}
            elif x < 0.93:
                status, payload, _ = timed("login", "POST", "/auth/login", {"email": email, "password": PASSWORD})
            else:
                timed("wrong_login", "POST", "/auth/login", {"email": rng.choice(wrong), "password": "wrong-1234"},
                      ok=(401, 429))
        with self.lock:
            self.records += records


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def sampler(args, start, stop, rows):
    while not stop.wait(args.sample):
        workers = children(args.supervisor)
        worker_rss = [rss_kib(p) for p in workers]
        nginx = [args.nginx] + children(args.nginx)
        rows.append({
            "t": round(time.time() - start, 1),
            "supervisor_rss_kib": rss_kib(args.supervisor),
            "workers_rss_kib": sum(worker_rss),
            "max_worker_rss_kib": max(worker_rss, default=0),
            "nginx_rss_kib": sum(rss_kib(p) for p in nginx),
            "supervisor_fds": fds(args.supervisor),
            "workers_fds": sum(fds(p) for p in workers),
            "workers": len(workers),
            "db_bytes": size(args.database),
            "wal_bytes": size(args.database + "-wal"),
        })


def percentile(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    p = argparse.ArgumentParser()
    for name in ("base", "database", "out"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--supervisor", type=int, required=True)
    p.add_argument("--nginx", type=int, required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--sample", type=float, default=5)
    args = p.parse_args()

    users, branch = setup(args.base)
    start = time.time()
    deadline = start + args.minutes * 60
    rows, stop = [], threading.Event()
    recorder = threading.Thread(target=sampler, args=(args, start, stop, rows))
    recorder.start()
    load = Load(args.base, users, branch, deadline)
    load.start = start
    threads = [threading.Thread(target=load.run, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    recorder.join()

    with open(os.path.join(args.out, "samples.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    by_minute = {}
    for second, kind, ms, ok in load.records:
        by_minute.setdefault((int(second // 60), kind), []).append((ms, ok))
    with open(os.path.join(args.out, "latency.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["minute", "kind", "count", "errors", "p50_ms", "p90_ms", "p99_ms", "max_ms"])
        for (minute, kind), values in sorted(by_minute.items()):
            ms = sorted(v for v, _ in values)
            w.writerow([minute, kind, len(ms), sum(1 for _, ok in values if not ok),
                        *(round(percentile(ms, q), 2) for q in (0.5, 0.9, 0.99)), round(ms[-1], 2)])
    print(f"soak: {len(load.records)} requests in {args.minutes} minutes, {len(rows)} samples")


if __name__ == "__main__":
    main()
