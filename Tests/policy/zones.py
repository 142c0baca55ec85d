"""UTC offsets from Python's zoneinfo, which reads the same system tz database (/usr/share/zoneinfo) as
Gatehouse's ZoneInfo, written to Tests/AuthorizerTests/Fixtures/zone-offsets.json for ZoneInfoTests.swift.

    python3 Tests/policy/zones.py

Instants: every transition from 1970 to 2060 and one second before it, plus seeded random instants from 1900 to
2100 (past 2037 the TZif files' footer rules apply). The fixture names the tzdata version it came from; on a
system with another version, ZoneInfoTests.swift checks only the zones whose rules have long been settled.
"""

import json
import os
import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/Dublin", "America/Nuuk", "Asia/Kolkata",
         "America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe", "Africa/Casablanca", "UTC", "Etc/GMT+5"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "AuthorizerTests", "Fixtures", "zone-offsets.json")


def offset(zone, t):
    return int(datetime.fromtimestamp(t, tz=timezone.utc).astimezone(zone).utcoffset().total_seconds())


def transitions(zone, start, end, step=3 * 3600):
    """Instants where the offset changes, to the second (offsets never change twice within `step`)."""
    found = []
    t = start
    before = offset(zone, t)
    while t < end:
        after = offset(zone, t + step)
        if after != before:
            low, high = t, t + step  # offset(low) == before, offset(high) != before
            while high - low > 1:
                middle = (low + high) // 2
                if offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append(high)
        before = after
        t += step
    return found


def read_version():
    """The tz database's version as its tzdata.zi names it ("2025b"), which ZoneInfoTests.swift compares."""
    with open("/usr/share/zoneinfo/tzdata.zi") as f:
        first = f.readline().split()
    return first[2] if first[:2] == ["#", "version"] else "unknown"


def main():
    rng = random.Random(20261203)
    cases = []
    start = int(datetime(1970, 1, 1, tzinfo=timezone.utc).timestamp())
    end = int(datetime(2060, 1, 1, tzinfo=timezone.utc).timestamp())
    for name in ZONES:
        zone = ZoneInfo(name)
        instants = set()
        for t in transitions(zone, start, end):
            instants.update([t - 1, t])
        low = int(datetime(1900, 1, 1, tzinfo=timezone.utc).timestamp())
        high = int(datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp())
        instants.update(rng.randrange(low, high) for _ in range(300))
        cases.append({"zone": name, "samples": [[t, offset(zone, t)] for t in sorted(instants)]})
    version = read_version()
    with open(OUT, "w") as f:
        json.dump({"tzdata": version or "unknown", "zones": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{OUT}: {sum(len(c['samples']) for c in cases)} samples in {len(cases)} zones, tzdata {version}")


if __name__ == "__main__":
    main()
