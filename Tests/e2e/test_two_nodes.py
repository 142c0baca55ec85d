"""Two Gatehouse nodes behind one nginx upstream, sharing one PostgreSQL database (docs/INSTALL.md "More than one
node"): lockouts, revocations, refresh rotation and rate limits hold across nodes, and losing the database gives
503s, not crashes.

Each node is a supervisor of its own on its own socket, with the same signing keys and SERVICE_SECRET. nginx
balances `/auth/*` over both (round robin); a request carrying `X-Test-Node: a` or `b` goes to that node only (a
map in this test's nginx config), so a test can log out on one node and verify on the other.
"""
import concurrent.futures
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import BACKEND, Stack
from helpers import PASSWORD, bearer, login, new_user, register

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="two nodes share a PostgreSQL database")

NODE = {"a": {"X-Test-Node": "a"}, "b": {"X-Test-Node": "b"}}


class TwoNodes:
    """The stack's own supervisor is node A; node B is a second supervisor on the same database and keys."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.dir_b = stack.dir / "node-b"
        (self.dir_b / "run").mkdir(parents=True, exist_ok=True)
        self.config_b = stack.dir / "node-b.env"
        self.config_b.write_text(
            stack.config.read_text()
            + f"LISTEN=unix:{self.dir_b}/run/gatehouse.sock\nRUNTIME_DIR={self.dir_b}/run\n")
        os.chmod(self.config_b, 0o600)
        self.log_b = self.dir_b / "gatehouse.log"
        self.node_b = None
        self.start_b()
        sock_a = f"unix:{stack.dir}/run/gatehouse.sock"
        sock_b = f"unix:{self.dir_b}/run/gatehouse.sock"
        upstream = stack.dir / "nginx/conf.d/gatehouse-upstream.conf"
        text = upstream.read_text()
        assert "upstream gatehouse {" in text
        text = text.replace(f"    server {sock_a};\n", f"    server {sock_a};\n    server {sock_b};\n", 1)
        text += (f"upstream gatehouse_node_a {{\n    server {sock_a};\n}}\n"
                 f"upstream gatehouse_node_b {{\n    server {sock_b};\n}}\n"
                 "map $http_x_test_node $gatehouse_test_target {\n    default gatehouse;\n"
                 "    a gatehouse_node_a;\n    b gatehouse_node_b;\n}\n")
        upstream.write_text(text)
        for path in [stack.dir / "nginx/nginx.conf", *(stack.dir / "nginx/snippets").glob("*.conf")]:
            path.write_text(path.read_text().replace("fastcgi_pass gatehouse;", "fastcgi_pass $gatehouse_test_target;"))
        subprocess.run(["nginx", "-t", "-q", "-p", str(stack.dir / "nginx"), "-c", str(stack.dir / "nginx/nginx.conf")],
                       check=True)
        old_workers = self.nginx_workers()
        stack.nginx.send_signal(signal.SIGHUP)
        # Until the reload's old workers have exited, one of them can still accept a connection and then close it
        # with its idle ones as it shuts down: the client sees an EOF in the TLS handshake (a status 0 in the
        # outage test below, at the start of its load). So wait for them to go, then for node B.
        deadline = time.time() + 10
        while time.time() < deadline and self.nginx_workers() & old_workers:
            time.sleep(0.05)
        assert not self.nginx_workers() & old_workers, "nginx's old workers did not exit after the reload"
        while time.time() < deadline:
            if self.served_by_b_count() > 0 or self.health("b") == 200:
                break
            time.sleep(0.1)
        assert self.health("a") == 200 and self.health("b") == 200, stack.log()

    def nginx_workers(self) -> set[int]:
        """The nginx master's worker processes."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.stack.nginx.pid)], capture_output=True, text=True)
        return {int(pid) for pid in out.stdout.split()}

    def start_b(self):
        log = self.log_b.open("ab")
        self.node_b = subprocess.Popen(
            [self.stack.bin, "serve", "--config", str(self.config_b), "--pidfile", str(self.dir_b / "run/gatehouse.pid")],
            stdout=log, stderr=log)
        for _ in range(200):
            if (self.dir_b / "run/gatehouse.sock").exists():
                return
            time.sleep(0.05)
        raise RuntimeError("node B did not start:\n" + self.log_b.read_text())

    def health(self, node: str) -> int:
        try:
            return self.stack.session().get(self.stack.url("/health"), headers=NODE[node], timeout=5).status_code
        except requests.RequestException:
            return 0

    def served_by_b_count(self) -> int:
        return self.log_b.read_text(errors="replace").count("Request") if self.log_b.exists() else 0

    def logs(self) -> tuple[str, str]:
        return self.stack.log(), self.log_b.read_text(errors="replace")

    def stop(self):
        if self.node_b and self.node_b.poll() is None:
            self.node_b.send_signal(signal.SIGTERM)
            try:
                self.node_b.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.node_b.kill()
                self.node_b.wait()
        self.stack.stop()


SETTINGS = {"REGISTRATION_OPEN": "true", "RATE_LIMIT_LOGIN": "10000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "10000/1m",
            "RATE_LIMIT_REFRESH": "10000/1m", "RATE_LIMIT_API": "100000/1m", "RATE_LIMIT_REGISTER": "10000/1m",
            "WORKERS": "4", "LOCKOUT_THRESHOLD": "5"}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    n = TwoNodes(Stack(tmp_path_factory.mktemp("two-nodes"), SETTINGS))
    yield n
    n.stop()


def test_both_nodes_share_one_database(nodes):
    user = register(nodes.stack)
    for node in ("a", "b"):
        r = nodes.stack.session().post(nodes.stack.url("/auth/login"), headers=NODE[node],
                                       json={"email": user["email"], "password": PASSWORD})
        assert r.status_code == 200, (node, r.text)
    r = nodes.stack.session().get(nodes.stack.url("/connection/stats"), headers=NODE["b"])
    assert r.status_code in (401, 403)  # an ops route, not open; the backend is checked below on the database itself
    assert nodes.stack.backend == "postgresql"


def test_parallel_wrong_logins_over_both_nodes_let_exactly_threshold_through(nodes):
    user = register(nodes.stack)
    before_a, before_b = (log.count("Login failed") for log in nodes.logs())

    def attempt(i):
        return nodes.stack.session().post(nodes.stack.url("/auth/login"),
                                          json={"email": user["email"], "password": f"wrong guess {i}"})

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        results = list(pool.map(attempt, range(200)))
    codes = [r.json()["code"] for r in results]
    assert codes.count("invalid_credentials") == 5, {c: codes.count(c) for c in set(codes)}
    assert codes.count("account_locked") == 195
    # Both nodes took part: each logged some of the requests (round robin), and the five failures that reached
    # the password check are spread over them as it happened, five in all.
    log_a, log_b = nodes.logs()
    assert log_a.count("http.path=/auth/login") > 20 and log_b.count("http.path=/auth/login") > 20
    assert (log_a.count("Login failed") - before_a) + (log_b.count("Login failed") - before_b) == 5
    for node in ("a", "b"):
        r = nodes.stack.session().post(nodes.stack.url("/auth/login"), headers=NODE[node],
                                       json={"email": user["email"], "password": PASSWORD})
        assert r.status_code == 429 and r.json()["code"] == "account_locked"


def test_logout_on_one_node_is_refused_at_once_on_the_other(nodes):
    _, tokens = new_user(nodes.stack)
    s = nodes.stack.session()
    # Node B has verified (and cached) the token before the logout.
    for _ in range(3):
        assert s.get(nodes.stack.url("/auth/verify"), headers={**bearer(tokens), **NODE["b"]}).status_code == 204
    r = s.post(nodes.stack.url("/auth/logout"), headers={**bearer(tokens), **NODE["a"]})
    assert r.status_code == 204, r.text
    r = s.get(nodes.stack.url("/auth/verify"), headers={**bearer(tokens), **NODE["b"]})
    assert r.status_code == 401


def test_two_nodes_rotating_one_refresh_token_at_once_return_the_same_successor(nodes):
    for _ in range(5):
        _, tokens = new_user(nodes.stack)

        def rotate(node):
            return nodes.stack.session().post(nodes.stack.url("/auth/refresh"), headers=NODE[node],
                                              json={"refresh_token": tokens["refresh_token"]})

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            a, b = pool.map(rotate, ("a", "b"))
        assert a.status_code == b.status_code == 200, (a.text, b.text)
        assert a.json()["refresh_token"] == b.json()["refresh_token"]
        # The chain goes on from the one successor, on either node.
        r = nodes.stack.session().post(nodes.stack.url("/auth/refresh"), headers=NODE["b"],
                                       json={"refresh_token": a.json()["refresh_token"]})
        assert r.status_code == 200, r.text


def test_a_rate_limit_bucket_is_shared_by_both_nodes(tmp_path_factory):
    n = TwoNodes(Stack(tmp_path_factory.mktemp("two-nodes-limit"), {**SETTINGS, "RATE_LIMIT_LOGIN": "6/1m"}))
    try:
        codes = []
        for i in range(8):
            node = "a" if i % 2 == 0 else "b"
            r = n.stack.session().post(n.stack.url("/auth/login"), headers=NODE[node],
                                       json={"email": f"nobody{i}@example.com", "password": "x" * 12})
            codes.append(r.status_code)
        # Six attempts from this address in all, whichever node took them; the seventh is refused on either.
        assert codes == [401] * 6 + [429, 429], codes
    finally:
        n.stop()


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pg_cluster(*args) -> str:
    return subprocess.run([os.path.join(ROOT, "scripts/pg-cluster.sh"), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_losing_postgresql_mid_load_gives_503s_and_service_resumes(tmp_path_factory):
    # A cluster of its own: stopping the shared one would break the other tests' connections.
    cluster = tempfile.mkdtemp(prefix="gh-pg-", dir="/tmp")
    pg_cluster("start", cluster)
    n = None
    try:
        pg_cluster("createdb", cluster, "outage")
        n = TwoNodes(Stack(tmp_path_factory.mktemp("two-nodes-outage"),
                           {**SETTINGS, "DATABASE_URL": pg_cluster("url", cluster, "outage")}))
        _, tokens = new_user(n.stack)
        pids_before = n.stack.worker_pids()
        running = True
        statuses: list[int] = []
        errors: list[str] = []  # what a status 0 was, for the assertion's message

        def load():
            s = n.stack.session()
            while running:
                try:
                    r = s.post(n.stack.url("/auth/refresh"), json={"refresh_token": "A" * 43}, timeout=10)
                    statuses.append(r.status_code)
                    r = s.get(n.stack.url("/auth/me"), headers=bearer(tokens), timeout=10)
                    statuses.append(r.status_code)
                except requests.RequestException as e:
                    statuses.append(0)
                    errors.append(f"{time.strftime('%H:%M:%S')} {e!r}")

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(load) for _ in range(4)]
            time.sleep(1)
            pg_cluster("stop", cluster)
            try:
                time.sleep(2)
                down = n.stack.session().get(n.stack.url("/health"), timeout=10)
                assert down.status_code == 503, down.text
                assert down.headers["content-type"].startswith("application/problem+json")
            finally:
                pg_cluster("start", cluster)
            time.sleep(1)
            running = False
            for f in futures:
                f.result()
        assert 503 in statuses, sorted(set(statuses))
        assert 500 not in statuses and 502 not in statuses and 0 not in statuses, (sorted(set(statuses)), errors[:5])
        # Service resumes on both nodes without a restart, and no worker crashed.
        deadline = time.time() + 15
        while time.time() < deadline and not (n.health("a") == 200 and n.health("b") == 200):
            time.sleep(0.2)
        assert n.health("a") == 200 and n.health("b") == 200
        for node in ("a", "b"):
            for _ in range(8):  # every worker of the node, whichever took the request
                r = n.stack.session().get(n.stack.url("/auth/me"), headers={**bearer(tokens), **NODE[node]})
                assert r.status_code in (200, 503), (node, r.text)
            r = n.stack.session().get(n.stack.url("/auth/me"), headers={**bearer(tokens), **NODE[node]})
            assert r.status_code == 200, (node, r.text)
        assert n.stack.worker_pids() == pids_before
        log_a, log_b = n.logs()
        assert "Worker failed" not in log_a + log_b and "Worker killed" not in log_a + log_b
    finally:
        if n:
            n.stop()
        pg_cluster("stop", cluster)
        shutil.rmtree(cluster, ignore_errors=True)
