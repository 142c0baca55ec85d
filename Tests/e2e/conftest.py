"""End-to-end fixtures: a real Gatehouse supervisor behind a real nginx over HTTPS, in a temporary directory.

The stack is set up with the same script as `make run` (scripts/dev-stack.sh), so the tests exercise the
shipped nginx snippets and the dev-stack configuration.
"""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def gatehouse_bin() -> str:
    path = os.environ.get("GATEHOUSE_BIN", str(ROOT / ".build/debug/gatehouse"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"gatehouse binary not found at {path}; run `swift build` or set GATEHOUSE_BIN")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """One running Gatehouse + nginx pair; `url(path)` gives the HTTPS address of a path."""

    def __init__(self, directory: Path, settings: dict[str, str] | None = None):
        self.dir = directory
        self.port = free_port()
        self.bin = gatehouse_bin()
        subprocess.run([str(ROOT / "scripts/dev-stack.sh"), "setup", str(directory), str(self.port)], check=True)
        self.config = directory / "gatehouse.env"
        if settings:
            with self.config.open("a") as f:
                for key, value in settings.items():
                    f.write(f"{key}={value}\n")
        self.cert = str(directory / "tls/cert.pem")
        self.log_path = directory / "log/gatehouse.log"
        self.gatehouse = None
        self.nginx = None
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
        self.nginx = subprocess.Popen(
            ["nginx", "-p", str(self.dir / "nginx"), "-c", str(self.dir / "nginx/nginx.conf"), "-g", "daemon off;"],
            stdout=log, stderr=log)
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                if self.session().get(self.url("/health"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("stack did not come up:\n" + self.log())

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
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.supervisor_pid)], capture_output=True, text=True)
        return {int(p) for p in out.stdout.split()}

    def stop(self):
        for proc in (self.nginx, self.gatehouse):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.nginx, self.gatehouse):
            if proc:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("stack"))
    yield s
    s.stop()


@pytest.fixture
def fresh_stack(tmp_path_factory):
    """A stack of its own, for tests that signal or kill processes."""
    stacks = []

    def make(settings=None):
        s = Stack(tmp_path_factory.mktemp("fresh"), settings)
        stacks.append(s)
        return s

    yield make
    for s in stacks:
        s.stop()
