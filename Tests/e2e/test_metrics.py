"""GET /metrics carries every metric API.md names, with HELP and TYPE, summed over all workers."""
import re

from helpers import PASSWORD, bearer, register, unique_email

COUNTERS = [
    "auth_token_validations_total", "auth_session_creations_total", "auth_api_key_validations_total",
    "auth_login_failures_total", "auth_lockouts_total", "auth_rate_limited_total",
    "gateway_ip_whitelist_rejections_total", "gateway_origin_rejections_total",
]
HISTOGRAMS = ["auth_token_validation_duration_seconds", "http_request_duration_seconds"]
GAUGES = ["auth_cache_hit_rate"]


def scrape(stack) -> str:
    r = stack.session().get(stack.url("/metrics"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return r.text


def value(text: str, sample: str) -> float:
    """The value of one sample line (`name` or `name{labels}`); 0 when the series has no line yet."""
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def declared(text: str, name: str, kind: str) -> bool:
    return (re.search(rf"^# HELP {name} \S", text, re.M) is not None
            and re.search(rf"^# TYPE {name} {kind}$", text, re.M) is not None)


def test_every_named_metric_is_declared_and_counts_move(fresh_stack):
    # Four workers: the numbers below are exact only if every worker's counts are summed.
    stack = fresh_stack({"WORKERS": "4", "REGISTRATION_OPEN": "true", "LOCKOUT_THRESHOLD": "3",
                         "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_LOGIN": "8/1m",
                         "ORIGIN_VALIDATION_ENABLED": "true"})
    before = scrape(stack)
    for name in COUNTERS:
        assert declared(before, name, "counter"), name
        assert re.search(rf"^{name} \d+$", before, re.M), f"{name} has no sample"
    for name in HISTOGRAMS:
        assert declared(before, name, "histogram"), name
    for name in GAUGES:
        assert declared(before, name, "gauge"), name
    assert declared(before, "http_requests_total", "counter")

    s = stack.session()
    user = register(stack)
    logins = []
    for _ in range(3):
        r = s.post(stack.url("/auth/login"), json={"email": user["email"], "password": PASSWORD})
        assert r.status_code == 200, r.text
        logins.append(r.json())
    for tokens in logins:
        for _ in range(2):  # the second check of a token comes from the cache
            assert s.get(stack.url("/app/x"), headers=bearer(tokens)).status_code == 200
    refused = s.get(stack.url("/app/x"), headers={**bearer(logins[0]), "Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
    victim = unique_email()
    register(stack, email=victim)
    statuses = [s.post(stack.url("/auth/login"), json={"email": victim, "password": "wrong password"}).status_code
                for _ in range(5)]
    # 3 failures lock the account (the third still answers 401), the next are 429 account_locked.
    assert statuses == [401, 401, 401, 429, 429], statuses
    # The address's ninth login attempt this minute passes its limit (8 per minute).
    limited = s.post(stack.url("/auth/login"), json={"email": victim, "password": "wrong password"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited", limited.text

    after = scrape(stack)
    delta = {name: value(after, name) - value(before, name) for name in COUNTERS}
    assert delta["auth_session_creations_total"] == 3
    # 6 protected requests and the one refused for its origin (checked before the token).
    assert delta["auth_token_validations_total"] >= 6
    assert delta["auth_login_failures_total"] >= 3
    assert delta["auth_lockouts_total"] == 1
    assert delta["auth_rate_limited_total"] >= 1
    assert delta["gateway_origin_rejections_total"] == 1
    # Registered for the API-key and allowlist checks, which nothing here makes.
    assert delta["auth_api_key_validations_total"] == 0
    assert delta["gateway_ip_whitelist_rejections_total"] == 0
    count = "auth_token_validation_duration_seconds_count"
    assert value(after, count) - value(before, count) == delta["auth_token_validations_total"]
    assert value(after, "auth_cache_hit_rate") > 0
    assert value(after, 'http_requests_total{route="/auth/login",status="200"}') == 3
    assert value(after, 'http_requests_total{route="/auth/verify",status="204"}') == 6
    assert value(after, "http_request_duration_seconds_count") > value(before, "http_request_duration_seconds_count")
