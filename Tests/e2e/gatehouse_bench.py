"""Runs the gatehouse-bench executable, which drives the Crypto module from the command line.

The binary comes from GATEHOUSE_BENCH_BIN, or .build/debug/gatehouse-bench under the repository root
(build it with `swift build --product gatehouse-bench`).
"""

import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def bench_binary() -> Path:
    """The gatehouse-bench binary; fails the test run (never skips) when it is missing."""
    path = Path(os.environ.get("GATEHOUSE_BENCH_BIN", REPO_ROOT / ".build" / "debug" / "gatehouse-bench"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"gatehouse-bench not found at {path}: build it with `swift build --product gatehouse-bench` "
            "or point GATEHOUSE_BENCH_BIN at it",
            pytrace=False,
        )
    return path


class Bench:
    """Calls one verb of gatehouse-bench and returns its completed process."""

    def __init__(self, binary: Path):
        self.binary = binary

    def run(self, verb: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.binary), verb, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"gatehouse-bench {verb} exited {result.returncode}: {result.stderr.strip()}")
        return result

    def out(self, verb: str, *args: str) -> str:
        return self.run(verb, *args).stdout.strip()
