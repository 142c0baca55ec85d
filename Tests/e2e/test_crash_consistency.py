"""Crash consistency: a write-heavy load while workers and the supervisor are killed with SIGKILL.

For CRASH_SECONDS (default 30) threads log in, refresh their chains, write assets and send wrong passwords, while
the test kills a random worker every few tenths of a second to a few seconds and, now and then, the supervisor
(its workers with it, or left to end by themselves), then starts the supervisor again. The run ends with one more
SIGKILL of everything. Then, before and after a restart:

* the database is intact: SQLite's `PRAGMA integrity_check` and `foreign_key_check`; on PostgreSQL amcheck's
  `bt_index_check` (with `heapallindexed`) over every B-tree index, plus consistency queries;
* every write that was answered 2xx is there: each created asset, each session of a login answered 200;
* no refresh chain is broken: each chain's newest token refreshes, and in the database each chain has exactly one
  unused token, every used token names a successor that exists;
* no lockout counter went backwards: each identifier's stored failures are at least the wrong logins answered
  401 for it, and never fell between samples;
* derived rows agree: the per-branch asset counts equal the assets.

A request in flight when its worker dies gets nginx's 502; the load retries it (a refresh with the same token,
which the grace window answers with the same successor, REFRESH_GRACE being longer than a restart here).
"""
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
import uuid

import pytest
import requests

from conftest import BACKEND, psql
from helpers import PASSWORD, claims_of, unique_email

SECONDS = float(os.environ.get("CRASH_SECONDS", "30"))
SETTINGS = {
    "WORKERS": "4", "REGISTRATION_OPEN": "true",
    "RATE_LIMIT_LOGIN": "100000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "100000/1m", "RATE_LIMIT_REFRESH": "100000/1m",
    "RATE_LIMIT_API": "1000000/1m", "RATE_LIMIT_REGISTER": "100000/1m",
    # Wrong logins count but never lock: the counters are what is checked.
    "LOCKOUT_THRESHOLD": "1000", "LOCKOUT_WINDOW": "1h",
    # A retried refresh whose first try was committed but not answered gets the same successor.
    "REFRESH_GRACE": "120s",
}
TIMEOUT = 10


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def restart(stack):
    """Starts the supervisor again (its old workers gone) and waits until it answers through nginx."""
    if stack.gatehouse.poll() is None:
        stack.gatehouse.wait()
    log = stack.log_path.open("ab")
    stack.gatehouse = subprocess.Popen(
        [stack.bin, "serve", "--config", str(stack.config), "--pidfile", str(stack.dir / "run/gatehouse.pid")],
        stdout=log, stderr=log)
    deadline = time.time() + 20
    s = stack.session()
    while time.time() < deadline:
        try:
            if s.get(stack.url("/health"), timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError("the supervisor did not come back:\n" + stack.log()[-3000:])


def kill_everything(stack, workers_too: bool):
    """SIGKILL of the supervisor, then of its workers (or they end on their own: they get SIGTERM from the kernel
    when their parent dies)."""
    workers = stack.worker_pids()
    os.kill(stack.supervisor_pid, signal.SIGKILL)
    if workers_too:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    stack.gatehouse.wait()
    deadline = time.time() + 15
    while any(alive(pid) for pid in workers):
        assert time.time() < deadline, "workers outlived their supervisor"
        time.sleep(0.02)


class Load:
    """The write-heavy load and what it was told."""

    def __init__(self, stack, admin_token: str, branch_id: str, chains: list[tuple[str, str]], emails: list[str]):
        self.stack = stack
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.branch_id = branch_id
        self.chains = [{"email": email, "token": token, "sid": None, "refreshes": 0} for email, token in chains]
        self.emails = emails
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.assets: list[str] = []         # answered 201
        self.sessions: list[str] = []       # logins answered 200 (their sid)
        self.wrong: dict[str, int] = {}     # identifier -> wrong logins answered 401
        self.wrong_sent: dict[str, int] = {}
        self.unexpected: list[str] = []     # answers no crash explains
        self.failed_requests = 0            # connection errors and 502/503/504 while processes died

    def transient(self, r) -> bool:
        return r is None or r.status_code in (502, 503, 504)

    def call(self, http, method, path, **kw):
        try:
            return http.request(method, self.stack.url(path), timeout=TIMEOUT, **kw)
        except requests.RequestException:
            return None

    def note(self, what, r):
        if self.transient(r):
            with self.lock:
                self.failed_requests += 1
            return False
        return True

    def writer(self):
        http = self.stack.session()
        while not self.stop.is_set():
            r = self.call(http, "POST", "/v1/assets", headers=self.admin, json={
                "branch_id": self.branch_id, "zone": "Crash", "tag": uuid.uuid4().hex[:12], "name": "Crash",
                "category": "it"})
            if not self.note("asset", r):
                continue
            if r.status_code == 201:
                with self.lock:
                    self.assets.append(r.json()["id"])
            else:
                self.unexpected.append(f"POST /v1/assets {r.status_code} {r.text[:200]}")

    def chain(self, index):
        http = self.stack.session()
        chain = self.chains[index]
        while not self.stop.is_set():
            # Refresh; a lost answer is retried with the same token (the grace window gives the same successor).
            r = self.call(http, "POST", "/auth/refresh", json={"refresh_token": chain["token"]})
            if not self.note("refresh", r):
                continue
            if r.status_code == 200:
                body = r.json()
                with self.lock:
                    chain["token"] = body["refresh_token"]
                    chain["sid"] = claims_of(body["access_token"])["sid"]
                    chain["refreshes"] += 1
            else:
                self.unexpected.append(f"refresh of chain {index}: {r.status_code} {r.text[:200]}")
                return

    def logins(self):
        http = self.stack.session()
        rng = random.Random()
        while not self.stop.is_set():
            if rng.random() < 0.5:
                email = rng.choice(self.emails)
                with self.lock:
                    self.wrong_sent[email] = self.wrong_sent.get(email, 0) + 1
                r = self.call(http, "POST", "/auth/login", json={"email": email, "password": "wrong password 1"})
                if not self.note("wrong", r):
                    continue
                if r.status_code == 401:
                    with self.lock:
                        self.wrong[email] = self.wrong.get(email, 0) + 1
                else:
                    self.unexpected.append(f"wrong login {r.status_code} {r.text[:200]}")
            else:
                r = self.call(http, "POST", "/auth/login",
                              json={"email": rng.choice(self.chains)["email"], "password": PASSWORD})
                if not self.note("login", r):
                    continue
                if r.status_code == 200:
                    with self.lock:
                        self.sessions.append(claims_of(r.json()["access_token"])["sid"])
                else:
                    self.unexpected.append(f"login {r.status_code} {r.text[:200]}")

    def threads(self):
        targets = [self.writer, self.writer, self.logins, self.logins]
        targets += [lambda i=i: self.chain(i) for i in range(len(self.chains))]
        return [threading.Thread(target=t, daemon=True) for t in targets]


def failures_by_identifier(stack, emails) -> dict[str, int]:
    listed = ", ".join(f"'{e}'" for e in emails)
    return {row[0]: int(row[1]) for row in stack.sql(
        f"SELECT identifier, failures FROM lockouts WHERE identifier IN ({listed})")}


def check_integrity(stack):
    url = stack.setting("DATABASE_URL")
    if stack.backend == "sqlite":
        path = url.removeprefix("sqlite://")
        # Opened read-write, as a restarted worker would: the WAL left by the killed processes is recovered.
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    else:
        psql(url, "CREATE EXTENSION IF NOT EXISTS amcheck")
        rows = psql(url, """
            SELECT c.relname, bt_index_check(index => c.oid, heapallindexed => true)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE a.amname = 'btree' AND n.nspname = current_schema() AND c.relpersistence = 'p'""")
        assert len(rows) >= 10, rows  # every index of the schema was checked
        # Rows whose parent is gone (foreign keys are enforced, but check what the checks rely on).
        assert psql(url, "SELECT count(*) FROM sessions s LEFT JOIN users u ON u.id = s.user_id "
                         "WHERE u.id IS NULL") == [["0"]]
        assert psql(url, "SELECT count(*) FROM refresh_tokens t LEFT JOIN sessions s ON s.id = t.session_id "
                         "WHERE s.id IS NULL") == [["0"]]


def check_state(stack, load: Load):
    # Every asset answered 201 is stored.
    stored = {row[0] for row in stack.sql("SELECT id FROM assets")}
    missing = [a for a in load.assets if a not in stored]
    assert not missing, f"{len(missing)} of {len(load.assets)} answered assets are missing"
    # The per-branch counts the trigger keeps agree with the rows.
    counted = stack.sql(f"SELECT coalesce(sum(count), 0) FROM asset_counts WHERE branch_id = '{load.branch_id}'")
    assert int(counted[0][0]) == len([a for a in stored]), (counted, len(stored))
    # Every session of a login answered 200, and of every chain, is stored.
    sessions = {row[0] for row in stack.sql("SELECT id FROM sessions")}
    missing = [s for s in load.sessions if s not in sessions]
    assert not missing, f"{len(missing)} of {len(load.sessions)} answered logins lost their session"
    # Each chain: one unused token, every used token's successor exists, nothing revoked.
    for chain in load.chains:
        sid = chain["sid"]
        if sid is None:
            continue
        assert sid in sessions
        revoked = stack.sql(f"SELECT revoked_at FROM sessions WHERE id = '{sid}'")[0][0]
        assert revoked == "", f"chain session {sid} was revoked"
        unused = stack.sql(f"SELECT count(*) FROM refresh_tokens WHERE session_id = '{sid}' AND used_at IS NULL")
        assert unused == [("1",)], (sid, unused)
        dangling = stack.sql(
            "SELECT count(*) FROM refresh_tokens t LEFT JOIN refresh_tokens s ON s.token_hash = t.successor_hash "
            f"WHERE t.session_id = '{sid}' AND t.used_at IS NOT NULL AND s.token_hash IS NULL")
        assert dangling == [("0",)], (sid, dangling)
    # Lockout counters hold every wrong login answered 401, and no more than were sent.
    stored_failures = failures_by_identifier(stack, load.emails)
    for email, answered in load.wrong.items():
        assert answered <= stored_failures.get(email, 0) <= load.wrong_sent[email], \
            (email, answered, stored_failures.get(email), load.wrong_sent[email])


@pytest.mark.parametrize("seed", [20261205])
def test_kill_9_under_write_load_loses_no_answered_write(fresh_stack, seed):
    rng = random.Random(seed)
    stack = fresh_stack(SETTINGS)
    http = stack.session()
    admin_email = unique_email("crash-admin")
    stack.cli("create-admin", "--email", admin_email, "--password-stdin", input=PASSWORD + "\n")
    r = http.post(stack.url("/auth/login"), json={"email": admin_email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    admin = r.json()["access_token"]
    r = http.post(stack.url("/v1/branches"), headers={"Authorization": f"Bearer {admin}"},
                  json={"name": "Crash depot", "address": "1 Quay St", "zone": "Crash"})
    assert r.status_code == 201, r.text
    branch = r.json()["id"]
    chains = []
    for _ in range(4):
        email = unique_email("crash")
        r = http.post(stack.url("/auth/register"), json={"email": email, "password": PASSWORD, "name": "Crash"})
        assert r.status_code == 201, r.text
        r = http.post(stack.url("/auth/login"), json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        chains.append((email, r.json()["refresh_token"]))
    wrong_emails = [unique_email("nobody") for _ in range(3)]
    load = Load(stack, admin, branch, chains, wrong_emails)
    threads = load.threads()
    for t in threads:
        t.start()

    kills = {"worker": 0, "supervisor": 0}
    samples: list[dict[str, int]] = []
    deadline = time.time() + SECONDS
    while time.time() < deadline:
        time.sleep(rng.uniform(0.3, 2.5))
        if rng.random() < 0.25:
            kill_everything(stack, workers_too=rng.random() < 0.5)
            kills["supervisor"] += 1
            restart(stack)
        else:
            workers = sorted(stack.worker_pids())
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills["worker"] += 1
        samples.append(failures_by_identifier(stack, wrong_emails))
    # The last blow, with the load still running: everything at once, nothing shut down cleanly.
    kill_everything(stack, workers_too=True)
    kills["supervisor"] += 1
    load.stop.set()
    for t in threads:
        t.join(timeout=30)
    print(f"\ncrash ({BACKEND}): {kills['worker']} workers and {kills['supervisor']} supervisors killed; "
          f"{len(load.assets)} assets, {len(load.sessions)} logins, "
          f"{sum(c['refreshes'] for c in load.chains)} refreshes, {sum(load.wrong.values())} wrong logins "
          f"answered; {load.failed_requests} requests lost to the kills")
    assert kills["supervisor"] >= 2 and kills["worker"] >= 3, kills
    assert not load.unexpected, load.unexpected[:10]
    assert load.assets and load.sessions and all(c["refreshes"] for c in load.chains) and load.wrong

    # No lockout counter ever went backwards between samples.
    for before, after in zip(samples, samples[1:]):
        for email, n in before.items():
            assert after.get(email, 0) >= n, (email, before, after)

    check_integrity(stack)
    check_state(stack, load)
    restart(stack)
    check_integrity(stack)
    check_state(stack, load)
    # Each chain's newest token still refreshes, after every crash.
    for chain in load.chains:
        r = http.post(stack.url("/auth/refresh"), json={"refresh_token": chain["token"]})
        assert r.status_code == 200, (chain["email"], r.status_code, r.text)
    assert "panic" not in stack.log().lower()
