"""Writes a policy of N lines and requests for bench/policy-engine, and times pycasbin on the same policy.

    .build-venv/bin/python bench/policies_engine.py OUT_DIR [N_LINES] [N_PYCASBIN_REQUESTS]

pycasbin's enforce() walks every p line and searches the role graph for each, so its time per request grows
faster than the policy: about 0.03 s at 1,000 lines, 3 s at 10,000 and 218 s (one enforce(), loaded machine) at
100,000 here, so the script times it on fewer lines by default (bench/policies-engine.sh).
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "policy"))
from differential import enforcer, policy  # noqa: E402


def main():
    out = sys.argv[1]
    n_lines = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    n_timed = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    world = policy(seed=7, n_lines=n_lines)
    rng = world["rng"]
    requests = []
    for _ in range(1000):
        if rng.random() < 0.5:
            _, domain, obj, act = rng.choice(world["p_lines"])
            holders = world["user_domains"].get(domain) or world["users"]
            user = rng.choice(holders)
        else:
            domain, obj, act = rng.choice(world["domains"]), rng.choice(world["objects"]), rng.choice(world["actions"])
            user = rng.choice(world["users"])
        requests.append(([user[0], user[1]], domain, obj, act))
    with open(os.path.join(out, "policy.csv"), "w") as f:
        f.write("\n".join(world["oracle_lines"]) + "\n")

    answers = []
    if n_timed > 0:
        start = time.perf_counter()
        e = enforcer(world["oracle_lines"], extended=False)
        load = time.perf_counter() - start
        start = time.perf_counter()
        for subjects, domain, obj, act in requests[:n_timed]:
            answers.append(any(e.enforce(s, domain, obj, act) for s in subjects))
        spent = time.perf_counter() - start
        print(f"pycasbin: {len(world['oracle_lines'])} lines loaded in {load:.2f} s; "
              f"{n_timed / spent:.3f} two-alias requests/s ({spent / n_timed:.3f} s each, {n_timed} requests)")
    else:
        print(f"pycasbin: not timed on {len(world['oracle_lines'])} lines")
    with open(os.path.join(out, "requests.tsv"), "w") as f:
        for i, (subjects, domain, obj, act) in enumerate(requests):
            expected = ("1" if answers[i] else "0") if i < len(answers) else "-"
            f.write("\t".join(["|".join(subjects), domain, obj, act, expected]) + "\n")


if __name__ == "__main__":
    main()
