#!/usr/bin/env python3
"""Seeds a migrated Gatehouse database with business data for bench/business.sh, in one SQLite transaction.

    seed_business.py DB [--zones 5] [--branches 20] [--assets 100000]

Zones are Zone1..ZoneN; branches are spread evenly over the zones and assets evenly over the branches. Each
asset also gets its 'created' activity row, as the API would have written. Deterministic (fixed seed), so runs
compare. Prints one JSON line: the zones, and for Zone1 a branch id and a tag to search for.
"""
import argparse
import json
import random
import sqlite3
import time
import uuid

NAMES = ["Laptop", "Drill", "Forklift", "Projector", "Generator", "Ladder", "Printer", "Router", "Van", "Pump",
         "Compressor", "Scanner", "Monitor", "Welder", "Saw", "Radio", "Camera", "Tablet", "Heater", "Crane"]
CATEGORIES = ["it", "tools", "vehicles", "office", "safety"]
STATUSES = [("in_service", 70), ("in_repair", 10), ("retired", 15), ("lost", 5)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--zones", type=int, default=5)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--assets", type=int, default=100_000)
    args = parser.parse_args()

    rng = random.Random(6)
    now = int(time.time())
    zones = [f"Zone{z + 1}" for z in range(args.zones)]
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    db = sqlite3.connect(args.db, timeout=30)
    db.execute("PRAGMA foreign_keys = ON")
    with db:  # one transaction
        branches = []
        for b in range(args.branches):
            zone = zones[b % len(zones)]
            bid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            created = now - 400 * 86400 + b
            db.execute("INSERT INTO branches (id, zone, name, address, version, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, 1, ?, ?)", (bid, zone, f"Branch {b + 1:02d}", f"{b + 1} Main Street",
                                                         created, created))
            branches.append((bid, zone))
        assets, activity = [], []
        for n in range(args.assets):
            bid, zone = branches[n % len(branches)]
            aid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            created = now - 365 * 86400 + n * (365 * 86400 // args.assets)
            name = f"{rng.choice(NAMES)} {rng.randrange(1000):03d}"
            purchased = time.strftime("%Y-%m-%d", time.gmtime(created - rng.randrange(86400 * 30)))
            assets.append((aid, zone, bid, f"{zone[4:]}-{n:06d}", name, rng.choice(CATEGORIES), rng.choice(statuses),
                           None if rng.random() < 0.5 else f"Person {rng.randrange(500)}", purchased,
                           rng.randrange(1_000, 5_000_000), "", created, created))
            activity.append((created, zone, None, "created", "asset", aid))
        db.executemany("INSERT INTO assets (id, zone, branch_id, tag, name, category, status, assigned_to,"
                       " purchased_at, value_cents, notes, version, created_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)", assets)
        db.executemany("INSERT INTO activity (at, zone, actor_id, action, entity, entity_id)"
                       " VALUES (?, ?, ?, ?, ?, ?)", activity)
    db.close()
    print(json.dumps({"zones": zones, "branch": branches[0][0], "search": "drill"}))


if __name__ == "__main__":
    main()
