"""The client side of bench/webauthn.sh: password logins and passwordless passkey logins through nginx, THREADS at
a time (one keep-alive connection each), with the software authenticator of the e2e suite (Tests/e2e/softauthn.py).

    webauthn_logins.py setup BASE ORIGIN THREADS FILE     users with a passkey each (ES256 and EdDSA), as JSON
    webauthn_logins.py password BASE FILE COUNT THREADS   COUNT password logins  → "seconds count"
    webauthn_logins.py passkey BASE FILE ALG COUNT THREADS  COUNT passkey logins (ALG -7 or -8) → "seconds count"

Each thread signs with its own credential (a signature counter is per credential: two logins of one credential in
flight at once could reach the server out of order).
"""
import base64
import json
import pathlib
import sys
import threading
import time
import uuid

import requests
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Tests/e2e"))
from softauthn import SoftAuthenticator  # noqa: E402

PASSWORD = "bench-password-123"


def setup(base, origin, threads, path):
    users = []
    s = requests.Session()
    for alg in (-7, -8):
        for _ in range(threads):
            email = f"passkey-{uuid.uuid4().hex[:10]}@example.com"
            r = s.post(f"{base}/auth/register", json={"email": email, "password": PASSWORD, "name": "Bench"})
            assert r.status_code == 201, r.text
            tokens = s.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD}).json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            authenticator = SoftAuthenticator(alg)
            options = s.post(f"{base}/auth/webauthn/register/options", headers=auth).json()
            r = s.post(f"{base}/auth/webauthn/register", headers=auth,
                       json={"credential": authenticator.register(options, origin)})
            assert r.status_code == 201, r.text
            key = authenticator.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            users.append({"email": email, "alg": alg, "origin": origin, "key": key.decode(),
                          "credential_id": base64.b64encode(authenticator.credential_id).decode()})
    pathlib.Path(path).write_text(json.dumps(users))


def run(count, threads, one_login):
    """Runs `count` logins over `threads` threads; `one_login(thread)` does one. Prints seconds and count."""
    per = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    failures = []

    def worker(index):
        for _ in range(per[index]):
            if not one_login(index):
                failures.append(index)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - start
    if failures:
        print(f"{len(failures)} logins failed", file=sys.stderr)
        sys.exit(1)
    print(f"{seconds:.4f} {count}")


def main():
    mode = sys.argv[1]
    if mode == "setup":
        setup(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    base, users = sys.argv[2], json.loads(pathlib.Path(sys.argv[3]).read_text())
    if mode == "password":
        count, threads = int(sys.argv[4]), int(sys.argv[5])
        sessions = [requests.Session() for _ in range(threads)]
        email = users[0]["email"]

        def password_login(i):
            r = sessions[i].post(f"{base}/auth/login", json={"email": email, "password": PASSWORD})
            return r.status_code == 200

        run(count, threads, password_login)
        return
    alg, count, threads = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    mine = [u for u in users if u["alg"] == alg][:threads]
    assert len(mine) == threads, "setup made fewer users than threads"
    authenticators = []
    for u in mine:
        key = serialization.load_pem_private_key(u["key"].encode(), password=None)
        a = SoftAuthenticator(alg, credential_id=base64.b64decode(u["credential_id"]), private_key=key)
        a.counter = int(time.time())  # above every counter an earlier batch left
        authenticators.append((a, u))
    sessions = [requests.Session() for _ in range(threads)]

    def passkey_login(i):
        a, u = authenticators[i]
        s = sessions[i]
        options = s.post(f"{base}/auth/webauthn/login/options", json={}).json()
        credential = a.authenticate(options["options"], u["origin"])
        r = s.post(f"{base}/auth/webauthn/login",
                   json={"challenge_token": options["challenge_token"], "credential": credential})
        return r.status_code == 200

    run(count, threads, passkey_login)


if __name__ == "__main__":
    main()
