"""The foundation through nginx over HTTPS: routing, errors, body limits, headers, and the process model."""
import os
import signal
import subprocess
import threading
import time

import requests

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


def assert_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code, dict(response.headers))


def test_health_over_https_with_verified_certificate(stack):
    r = stack.session().get(stack.url("/health"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.json() == {"status": "ok", "version": r.json()["version"]}
    assert r.json()["version"]
    assert_security_headers(r)


def test_http2_is_served(stack):
    out = subprocess.run(["curl", "-sS", "--http2", "--cacert", stack.cert, "-o", "/dev/null", "-w", "%{http_version}",
                          stack.url("/health")], capture_output=True, text=True, check=True)
    assert out.stdout == "2"


def test_unknown_route_is_404_problem_json(stack):
    r = stack.session().get(stack.url("/definitely/not/here"))
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "about:blank"
    assert body["status"] == 404
    assert body["code"] == "not_found"
    assert body["title"] == "Not Found"
    assert_security_headers(r)


def test_wrong_method_is_405_with_allow(stack):
    r = stack.session().delete(stack.url("/health"))
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert r.json()["code"] == "method_not_allowed"
    assert_security_headers(r)


def test_body_over_limit_is_413_problem_json_from_nginx(stack):
    r = stack.session().post(stack.url("/health"), data=b"x" * (64 * 1024 + 1),
                             headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "payload_too_large"
    assert_security_headers(r)


def test_body_at_limit_reaches_gatehouse(stack):
    r = stack.session().post(stack.url("/health"), data=b"x" * (64 * 1024),
                             headers={"Content-Type": "application/json"})
    assert r.status_code == 405  # routed: the body passed both limits


def test_metrics_from_loopback(stack):
    stack.session().get(stack.url("/health"))
    r = stack.session().get(stack.url("/metrics"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'http_requests_total{route="/health",status="200"}' in r.text
    assert "http_request_duration_seconds_count" in r.text


def test_connection_test_round_trips_the_database(stack):
    r = stack.session().get(stack.url("/connection/test"))
    assert r.status_code == 200
    assert r.json()["ok"] is True
    assert r.json()["latency_ms"] >= 0


def load(stack, seconds, results, stop=None):
    """Requests /health in a loop; appends status codes (or exception names) to results."""
    s = stack.session()
    end = time.time() + seconds
    while time.time() < end and not (stop and stop.is_set()):
        try:
            results.append(s.get(stack.url("/health"), timeout=10).status_code)
        except requests.RequestException as e:
            results.append(type(e).__name__)


def run_load(stack, threads, seconds):
    results: list = []
    workers = [threading.Thread(target=load, args=(stack, seconds, results)) for _ in range(threads)]
    for w in workers:
        w.start()
    return workers, results


def test_kill_9_of_a_worker_under_load(fresh_stack):
    stack = fresh_stack({"WORKERS": "4"})
    before = stack.worker_pids()
    assert len(before) == 4
    workers, results = run_load(stack, 6, 3.0)
    time.sleep(1.0)
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.time()
    replaced = None
    while time.time() - killed_at < 1.0:
        now = stack.worker_pids()
        if len(now) == 4 and victim not in now:
            replaced = time.time() - killed_at
            break
        time.sleep(0.02)
    for w in workers:
        w.join()
    assert replaced is not None and replaced < 1.0, stack.worker_pids()
    ok = results.count(200)
    # At most the request the victim held can fail (nginx answers it 503); everything else succeeds.
    assert ok >= len(results) - 2, {r: results.count(r) for r in set(results)}
    assert ok > 100
    assert stack.session().get(stack.url("/health")).status_code == 200
    assert "Worker killed" in stack.log()


def test_sighup_under_load_loses_no_request(fresh_stack):
    stack = fresh_stack({"WORKERS": "3"})
    before = stack.worker_pids()
    workers, results = run_load(stack, 6, 3.0)
    time.sleep(0.8)
    os.kill(stack.supervisor_pid, signal.SIGHUP)
    time.sleep(1.0)
    os.kill(stack.supervisor_pid, signal.SIGHUP)
    for w in workers:
        w.join()
    assert set(results) == {200}, {r: results.count(r) for r in set(results)}
    assert len(results) > 100
    after = stack.worker_pids()
    assert len(after) == 3 and not (after & before)
    assert stack.log().count("msg=Reloaded") == 2


def test_sighup_with_a_broken_config_keeps_serving(fresh_stack):
    stack = fresh_stack({"WORKERS": "2"})
    before = stack.worker_pids()
    with stack.config.open("a") as f:
        f.write("WORKERS=lots\n")
    os.kill(stack.supervisor_pid, signal.SIGHUP)
    time.sleep(0.5)
    assert stack.worker_pids() == before
    assert "Reload refused" in stack.log() and "WORKERS" in stack.log()
    assert stack.session().get(stack.url("/health")).status_code == 200


def test_sigterm_stops_every_process(fresh_stack):
    stack = fresh_stack({"WORKERS": "2"})
    workers = stack.worker_pids()
    stack.gatehouse.send_signal(signal.SIGTERM)
    assert stack.gatehouse.wait(timeout=5) == 0
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
    assert not (stack.dir / "run/gatehouse.sock").exists()
    assert not (stack.dir / "run/gatehouse.pid").exists()
