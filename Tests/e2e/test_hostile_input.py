"""Inputs the fuzz targets and Schemathesis found, sent through nginx as an attacker would: each once crashed a
worker or got an answer outside the contract (fuzz/targets/*/corpus keeps the inputs themselves)."""
import pytest

from helpers import assert_problem


@pytest.mark.parametrize("content_type", [";", "; charset=utf-8", ";;"])
def test_a_content_type_without_a_media_type_is_415_not_a_dead_worker(stack, content_type):
    pids = stack.worker_pids()
    r = stack.session().post(stack.url("/auth/login"), data=b'{"email": "a@example.com", "password": "x"}',
                             headers={"Content-Type": content_type})
    assert_problem(r, 415, "unsupported_media_type")
    assert stack.worker_pids() == pids


@pytest.mark.parametrize("path", ["/auth/login", "/auth/refresh", "/auth/logout", "/sdk/refresh", "/sdk/logout"])
def test_a_null_body_is_400_invalid_request(stack, path):
    r = stack.session().post(stack.url(path), data=b"null", headers={"Content-Type": "application/json"})
    assert_problem(r, 400, "invalid_request")
