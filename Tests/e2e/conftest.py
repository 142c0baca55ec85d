"""End-to-end fixtures: a real Gatehouse supervisor behind a real nginx over HTTPS, in a temporary directory.

The stack is set up with the same script as `make run` (scripts/dev-stack.sh), so the tests exercise the
shipped nginx snippets and the dev-stack configuration.
"""
import os
import re
import signal
import sys
import socket
import sqlite3
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]

# The suite runs once per storage backend (Makefile `test-e2e`): GATEHOUSE_TEST_BACKEND=postgresql gives every stack
# a fresh database on the PostgreSQL server at GATEHOUSE_TEST_POSTGRES_URL (a private cluster the Makefile starts).
BACKEND = os.environ.get("GATEHOUSE_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("GATEHOUSE_TEST_POSTGRES_URL", "")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"GATEHOUSE_TEST_BACKEND={BACKEND}: expected sqlite or postgresql")
if BACKEND == "postgresql" and not POSTGRES_URL:
    raise RuntimeError("GATEHOUSE_TEST_BACKEND=postgresql needs GATEHOUSE_TEST_POSTGRES_URL")


def postgres_url(database: str, base: str | None = None) -> str:
    """The server URL with its database replaced by `database` (libpq URI: postgresql://[user@][host]/db?params)."""
    parts = urllib.parse.urlsplit(base or POSTGRES_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def psql(url: str, sql: str) -> list[list[str]]:
    """Rows of one statement run with psql (unaligned, tab-separated), for fixtures and assertions."""
    out = subprocess.run(["psql", url, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"psql: {out.stderr}")
    return [line.split("\t") for line in out.stdout.splitlines()]


def create_postgres_database(prefix: str = "gh_e2e") -> str:
    """A new, empty database on the test server; returns its URL."""
    name = f"{prefix}_{os.getpid()}_{time.monotonic_ns()}"
    psql(POSTGRES_URL, f'CREATE DATABASE "{name}"')
    return postgres_url(name)


def gatehouse_bin() -> str:
    path = os.environ.get("GATEHOUSE_BIN", str(ROOT / ".build/debug/gatehouse"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"gatehouse binary not found at {path}; run `swift build` or set GATEHOUSE_BIN")
    return path


def free_port() -> int:
    """A free port whose next two ports are free too (nginx listens on the first, the demo HTTP upstream on the
    second, the demo WebSocket upstream on the third)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if all(port_is_free(port + offset) for offset in (1, 2)):
            return port
    raise RuntimeError("no free run of three ports")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Stack:
    """One running Gatehouse + nginx pair; `url(path)` gives the HTTPS address of a path."""

    def __init__(self, directory: Path, settings: dict[str, str] | None = None):
        self.dir = directory
        self.port = free_port()
        self.bin = gatehouse_bin()
        subprocess.run([str(ROOT / "scripts/dev-stack.sh"), "setup", str(directory), str(self.port)], check=True)
        self.config = directory / "gatehouse.env"
        # The dev stack turns the access cookie (and with it the sign-in portal) on; test stacks keep the product's
        # default, off, unless a test asks for it (the portal's tests, the access-cookie tests).
        settings = {"ACCESS_COOKIE": "false", **(settings or {})}
        if BACKEND == "postgresql" and "DATABASE_URL" not in settings:
            settings["DATABASE_URL"] = create_postgres_database()
        if settings:
            with self.config.open("a") as f:
                for key, value in settings.items():
                    f.write(f"{key}={value}\n")
        self.cert = str(directory / "tls/cert.pem")
        self.log_path = directory / "log/gatehouse.log"
        self.gatehouse = None
        self.nginx = None
        self.app = None
        self.ws = None
        self.start()

    def start(self):
        log = self.log_path.open("ab")
        self.gatehouse = subprocess.Popen(
            [self.bin, "serve", "--config", str(self.config), "--pidfile", str(self.dir / "run/gatehouse.pid")],
            stdout=log, stderr=log)
        sock = self.dir / "run/gatehouse.sock"
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        self.app = subprocess.Popen([sys.executable, str(ROOT / "scripts/demo-upstream.py"), str(self.port + 1),
                                     str(self.dir / "run/demo-fcgi.sock")], stdout=log, stderr=log)
        self.ws = subprocess.Popen([sys.executable, str(ROOT / "scripts/demo-websocket.py"), str(self.port + 2)],
                                   stdout=log, stderr=log)
        self.nginx = subprocess.Popen(
            ["nginx", "-p", str(self.dir / "nginx"), "-c", str(self.dir / "nginx/nginx.conf"), "-g", "daemon off;"],
            stdout=log, stderr=log)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                # Up means Gatehouse answers through nginx and every demo upstream listens.
                if (self.session().get(self.url("/health"), timeout=2).status_code == 200
                        and (self.dir / "run/demo-fcgi.sock").exists() and self.app_listens()
                        and self.listens(self.port + 2)):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("stack did not come up:\n" + self.log())

    def app_listens(self) -> bool:
        return self.listens(self.port + 1)

    def listens(self, port: int) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def session(self) -> requests.Session:
        s = requests.Session()
        s.verify = self.cert
        s.trust_env = False  # REQUESTS_CA_BUNDLE or proxy settings in the environment must not override
        return s

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def cli(self, *args, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([self.bin, *args, "--config", str(self.config)], input=input, capture_output=True,
                              text=True, check=check)

    @property
    def supervisor_pid(self) -> int:
        return self.gatehouse.pid

    def worker_pids(self) -> set[int]:
        """The supervisor's worker processes (not its delivery process, `gatehouse deliver`)."""
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.supervisor_pid)], capture_output=True,
                             text=True)
        return {int(line.split()[0]) for line in out.stdout.splitlines() if " worker " in f" {line} "}

    @property
    def backend(self) -> str:
        return "postgresql" if self.setting("DATABASE_URL").startswith(("postgresql:", "postgres:")) else "sqlite"

    def sql(self, statement: str) -> list[tuple]:
        """Rows of one read-only statement against the stack's database, whichever backend holds it."""
        url = self.setting("DATABASE_URL")
        if self.backend == "postgresql":
            return [tuple(row) for row in psql(url, statement)]
        path = url.removeprefix("sqlite://")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return [tuple(str(v) if v is not None else "" for v in row) for row in db.execute(statement)]

    def count(self, table: str) -> int:
        return int(self.sql(f"SELECT count(*) FROM {table}")[0][0])

    def setting(self, key: str) -> str:
        """The last value of `key` in the stack's env file."""
        values = re.findall(rf"^{key}=(.*)$", self.config.read_text(), re.M)
        return values[-1] if values else ""

    def stop(self):
        for proc in (self.nginx, self.gatehouse, self.app, self.ws):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.nginx, self.gatehouse, self.app, self.ws):
            if proc:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


# The shared stack: registration open, mail delivered into a file, rate limits high enough for a test run
# (tests of the limits themselves use a fresh stack with the defaults or lower ones).
SHARED_SETTINGS = {
    "REGISTRATION_OPEN": "true",
    "RATE_LIMIT_LOGIN": "1000/1m",
    "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m",
    "RATE_LIMIT_REGISTER": "1000/1m",
    "RATE_LIMIT_RESET": "1000/1m",
    "RATE_LIMIT_REFRESH": "1000/1m",
    "RATE_LIMIT_MFA": "1000/1m",
    "RATE_LIMIT_API": "100000/1m",
    # Webhook receivers of the tests listen on loopback.
    "WEBHOOK_ALLOW_PRIVATE": "true",
}


def mail_settings(directory: Path) -> dict[str, str]:
    return {"MAILER_COMMAND": f"cat >> {directory}/mail.txt; echo '=== end of message ===' >> {directory}/mail.txt"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stack")
    s = Stack(directory, {**SHARED_SETTINGS, **mail_settings(directory)})
    yield s
    s.stop()


@pytest.fixture
def fresh_stack(tmp_path_factory):
    """A stack of its own, for tests that signal or kill processes."""
    stacks = []

    def make(settings=None):
        directory = tmp_path_factory.mktemp("fresh")
        s = Stack(directory, {**mail_settings(directory), **(settings or {})})
        stacks.append(s)
        return s

    yield make
    for s in stacks:
        s.stop()
