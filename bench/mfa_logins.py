"""Drives the logins of bench/mfa.sh over plain HTTP to the benchmark's nginx (no TLS on either side).

    python3 bench/mfa_logins.py setup BASE ADMIN_EMAIL PASSWORD COUNT OUT.json
        COUNT users with TOTP on (made with the administrator's token, each logged in once to enrol and confirm);
        OUT.json keeps their emails, secrets and the step their confirming code used.
    python3 bench/mfa_logins.py plain BASE EMAIL PASSWORD COUNT THREADS
        COUNT password logins of one account without a second factor, THREADS at a time.
    python3 bench/mfa_logins.py totp BASE USERS.json FIRST COUNT THREADS
        COUNT logins of users FIRST… of USERS.json, each its own user: the password (401 mfa_required), then
        /auth/mfa/verify with the user's next TOTP code (a code is accepted once per user and step, so every
        login of a run needs a user of its own).
plain and totp print "SECONDS LOGINS" for the whole batch, measured by the wall clock around the threads.
"""

import base64
import hashlib
import hmac
import http.client
import json
import struct
import sys
import threading
import time
import urllib.parse


def totp(secret: str, step: int) -> str:
    """RFC 6238 with Gatehouse's parameters (SHA-1, 6 digits, 30 s)."""
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


class Client:
    """One keep-alive connection to nginx."""

    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port)

    def post(self, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.connection.request("POST", path, json.dumps(body), headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})


def setup(base, admin_email, password, count, out):
    client = Client(base)
    status, admin = client.post("/auth/login", {"email": admin_email, "password": password})
    assert status == 200, admin
    users = []
    for n in range(count):
        email = f"mfa-{n}-{time.time_ns()}@bench.example"
        status, body = client.post("/users", {"email": email, "password": password, "name": "MFA bench"},
                                   admin["access_token"])
        assert status == 201, body
        status, tokens = client.post("/auth/login", {"email": email, "password": password})
        assert status == 200, tokens
        status, enrolment = client.post("/auth/mfa/totp/enroll", {}, tokens["access_token"])
        assert status == 200, enrolment
        step = int(time.time()) // 30
        status, body = client.post("/auth/mfa/totp/confirm", {"code": totp(enrolment["secret"], step)},
                                   tokens["access_token"])
        assert status == 200, body
        users.append({"email": email, "secret": enrolment["secret"], "confirmed_step": step})
    with open(out, "w") as f:
        json.dump({"password": password, "users": users}, f)


def run_threads(count, threads, one_login):
    """Runs one_login(client, index) for index 0..count-1 over `threads` connections; prints seconds and logins."""
    next_index = [0]
    lock = threading.Lock()
    failures = []

    def worker():
        client = Client(BASE)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= count:
                return
            try:
                one_login(client, index)
            except AssertionError as error:
                failures.append(str(error))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    if failures:
        print(f"{len(failures)} failed logins, first: {failures[0]}", file=sys.stderr)
        sys.exit(1)
    print(f"{elapsed:.4f} {count}")


def plain(email, password, count, threads):
    def one_login(client, _):
        status, body = client.post("/auth/login", {"email": email, "password": password})
        assert status == 200, body

    run_threads(count, threads, one_login)


def totp_logins(path, first, count, threads):
    with open(path) as f:
        data = json.load(f)
    users = data["users"][first:first + count]
    assert len(users) == count, f"{path} holds {len(data['users'])} users, fewer than {first + count}"

    def one_login(client, index):
        user = users[index]
        status, step = client.post("/auth/login", {"email": user["email"], "password": data["password"]})
        assert status == 401 and step.get("code") == "mfa_required", step
        # The confirming code used its step: the next one, or the current one once time has moved past it.
        code = totp(user["secret"], max(int(time.time()) // 30, user["confirmed_step"] + 1))
        status, body = client.post("/auth/mfa/verify", {"mfa_token": step["mfa_token"], "code": code})
        assert status == 200, body

    run_threads(count, threads, one_login)


if __name__ == "__main__":
    verb, BASE = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    if verb == "setup":
        setup(BASE, args[0], args[1], int(args[2]), args[3])
    elif verb == "plain":
        plain(args[0], args[1], int(args[2]), int(args[3]))
    elif verb == "totp":
        totp_logins(args[0], int(args[1]), int(args[2]), int(args[3]))
    else:
        sys.exit(f"unknown verb {verb}")
