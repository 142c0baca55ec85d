"""The business API through nginx over HTTPS: branches, assets, settings and the dashboard, their permissions,
zone isolation, validation, conflicts, ETag/If-Match, keyset paging under concurrent inserts, activity and audit.

The module runs its own stack with relaxed rate limits and logs in once per account: an administrator without a
zone, editors in ZoneA and ZoneB, a reader and a user without business permissions in ZoneA, and an editor in a
zone of its own for exact dashboard figures. Tests make their own branches, so they do not depend on each other.
"""
import json
import threading
import uuid

import pytest

from conftest import Stack
from helpers import assert_problem, error_fields

RELAXED = {"RATE_LIMIT_LOGIN": "1000/1m", "RATE_LIMIT_LOGIN_IDENTIFIER": "1000/1m", "RATE_LIMIT_API": "0/1m"}
PASSWORD = "correct horse battery staple"
AGENT = "gatehouse-e2e/business"
ASSET_KEYS = {"id", "zone", "branch_id", "tag", "name", "category", "status", "assigned_to", "purchased_at",
              "value_cents", "notes", "version", "created_at", "updated_at"}
BRANCH_KEYS = {"id", "zone", "name", "address", "version", "created_at", "updated_at"}
EDITOR = ["assets:read", "assets:write", "branches:read", "branches:write", "settings:read", "settings:write",
          "dashboard:read"]
READER = ["assets:read", "branches:read", "settings:read", "dashboard:read"]


def unique(tag="x"):
    return f"{tag}-{uuid.uuid4().hex[:10]}"


class Caller:
    """A logged-in account: `get/post/put/delete(path, ...)` through the stack with its bearer token."""

    def __init__(self, stack, token=None, user_id=None):
        self.stack = stack
        self.id = user_id
        self.http = stack.session()
        self.http.headers["User-Agent"] = AGENT
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kw):
        return self.http.get(self.stack.url(path), **kw)

    def post(self, path, **kw):
        return self.http.post(self.stack.url(path), **kw)

    def put(self, path, **kw):
        return self.http.put(self.stack.url(path), **kw)

    def delete(self, path, **kw):
        return self.http.delete(self.stack.url(path), **kw)


def login(stack, email):
    r = stack.session().post(stack.url("/auth/login"), json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    return Caller(stack, body["access_token"], body["user"]["id"])


@pytest.fixture(scope="module")
def bstack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("business"), RELAXED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(bstack):
    """Every account the tests use, logged in once."""
    admin_email = f"{unique('admin')}@example.com"
    bstack.cli("create-admin", "--email", admin_email, "--password-stdin", input=PASSWORD + "\n")
    admin = login(bstack, admin_email)
    for name, permissions in (("biz-editor", EDITOR), ("biz-reader", READER), ("biz-none", ["read:data"])):
        r = admin.put(f"/roles/{name}", json={"permissions": permissions})
        assert r.status_code in (200, 201), r.text

    def account(zone, role):
        email = f"{unique(role)}@example.com"
        r = admin.post("/users", json={"email": email, "password": PASSWORD, "name": "Business User"})
        assert r.status_code == 201, r.text
        uid = r.json()["id"]
        r = admin.post(f"/users/{uid}/assignments",
                       json={"zone": zone, "department": "Ops", "role": role, "primary": True})
        assert r.status_code == 201, r.text
        return login(bstack, email)

    dash_zone = unique("ZoneDash")
    return {
        "admin": admin,
        "a": account("ZoneA", "biz-editor"),
        "b": account("ZoneB", "biz-editor"),
        "reader": account("ZoneA", "biz-reader"),
        "none": account("ZoneA", "biz-none"),
        "dash": account(dash_zone, "biz-editor"),
        "dash_zone": dash_zone,
        "anonymous": Caller(bstack),
    }




def new_branch(caller, **fields):
    r = caller.post("/v1/branches", json={"name": unique("Branch"), "address": "1 Quay St"} | fields)
    assert r.status_code == 201, r.text
    return r.json()


def new_asset(caller, branch, **fields):
    body = {"branch_id": branch["id"], "tag": unique("T"), "name": "Laptop", "category": "it"} | fields
    r = caller.post("/v1/assets", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def walk(caller, path, limit=50, **params):
    """Every item of a list, page by page; also checks each page's shape."""
    items, cursor = [], None
    while True:
        r = caller.get(path, params={"limit": limit, **params} | ({"cursor": cursor} if cursor else {}))
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"} and len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


# MARK: Branches


def test_branch_crud_with_etags(world):
    a = world["a"]
    r = a.post("/v1/branches", json={"name": "  Harbour depot ", "address": "1 Quay St\nDock 4"})
    assert r.status_code == 201, r.text
    branch = r.json()
    assert set(branch) == BRANCH_KEYS
    assert branch["zone"] == "ZoneA" and branch["name"] == "Harbour depot" and branch["version"] == 1
    assert branch["address"] == "1 Quay St\nDock 4" and branch["created_at"].endswith("Z")
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/v1/branches/{branch['id']}"
    assert r.headers["cache-control"] == "no-store"
    path = f"/v1/branches/{branch['id']}"

    r = a.get(path)
    assert r.status_code == 200 and r.json() == branch and r.headers["etag"] == '"1"'
    assert a.get(path, headers={"If-None-Match": '"1"'}).status_code == 304
    assert a.get(path, headers={"If-None-Match": '"7"'}).status_code == 200

    r = a.put(path, json={"address": "2 Quay St"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["address"] == "2 Quay St" and r.json()["name"] == "Harbour depot" and r.json()["version"] == 2
    assert r.headers["etag"] == '"2"'
    assert_problem(a.put(path, json={"name": "Stale"}, headers={"If-Match": '"1"'}), 412, "precondition_failed")
    # A weak form of the current tag (as nginx's gzip would make it) and a list that contains it both match.
    assert a.put(path, json={"name": "Harbour"}, headers={"If-Match": 'W/"2"'}).status_code == 200
    assert a.put(path, json={"name": "Harbour 2"}, headers={"If-Match": '"1", "3"'}).status_code == 200
    # Without If-Match the last write wins.
    r = a.put(path, json={"name": "Harbour 3"})
    assert r.status_code == 200 and r.json()["version"] == 5 and r.headers["etag"] == '"5"'

    assert_problem(a.delete(path, headers={"If-Match": '"4"'}), 412, "precondition_failed")
    assert a.delete(path, headers={"If-Match": '"5"'}).status_code == 204
    assert_problem(a.get(path), 404, "not_found")
    assert_problem(a.put(path, json={"name": "x"}), 404, "not_found")
    assert_problem(a.delete(path), 404, "not_found")


def test_branch_validation_and_conflicts(world):
    a, b = world["a"], world["b"]
    assert error_fields(a.post("/v1/branches", json={})) == {"name": "is required"}
    assert "name" in error_fields(a.post("/v1/branches", json={"name": "   "}))
    assert "name" in error_fields(a.post("/v1/branches", json={"name": "x" * 201}))
    assert "name" in error_fields(a.post("/v1/branches", json={"name": "two\nlines"}))
    assert "address" in error_fields(a.post("/v1/branches", json={"name": unique(), "address": "x" * 501}))
    assert_problem(a.post("/v1/branches", json={"name": 5}), 400, "invalid_request")
    assert_problem(a.post("/v1/branches", json=["a"]), 400, "invalid_request")
    assert_problem(a.post("/v1/branches", data="{", headers={"Content-Type": "application/json"}), 400,
                   "invalid_request")
    assert_problem(a.post("/v1/branches", data="name=x", headers={"Content-Type": "text/plain"}), 415,
                   "unsupported_media_type")

    name = unique("Depot")
    first = new_branch(a, name=name)
    assert_problem(a.post("/v1/branches", json={"name": name}), 409, "conflict")
    other = new_branch(a, name=unique("Depot"))
    assert_problem(a.put(f"/v1/branches/{other['id']}", json={"name": name}), 409, "conflict")
    # The same name in another zone is another branch.
    assert new_branch(b, name=name)["zone"] == "ZoneB"
    # A zoned caller may name their own zone, not another; rows never change zone.
    assert new_branch(a, zone="ZoneA")["zone"] == "ZoneA"
    assert "zone" in error_fields(a.post("/v1/branches", json={"name": unique(), "zone": "ZoneB"}))
    assert "zone" in error_fields(a.put(f"/v1/branches/{first['id']}", json={"zone": "ZoneB"}))
    assert a.put(f"/v1/branches/{first['id']}", json={"zone": "ZoneA"}).status_code == 200


def test_branch_with_assets_cannot_be_deleted(world):
    a = world["a"]
    branch = new_branch(a)
    asset = new_asset(a, branch)
    body = assert_problem(a.delete(f"/v1/branches/{branch['id']}"), 409, "conflict")
    assert "assets" in body["detail"]
    assert a.get(f"/v1/branches/{branch['id']}").status_code == 200
    assert a.delete(f"/v1/assets/{asset['id']}").status_code == 204
    assert a.delete(f"/v1/branches/{branch['id']}").status_code == 204


def test_branch_list_sort_search_and_paging(world):
    a = world["a"]
    prefix = unique("Sorted")
    made = [new_branch(a, name=f"{prefix}-{n}") for n in ("c", "a", "d", "b")]
    names = [b["name"] for b in walk(a, "/v1/branches", limit=3, q=prefix)]
    assert names == sorted(b["name"] for b in made)
    assert [b["name"] for b in walk(a, "/v1/branches", limit=2, q=prefix.upper(), sort="-name")] == names[::-1]
    by_time = [b["id"] for b in walk(a, "/v1/branches", limit=3, q=prefix, sort="created_at")]
    assert set(by_time) == {b["id"] for b in made}
    assert "sort" in error_fields(a.get("/v1/branches", params={"sort": "address"}))
    cursor = a.get("/v1/branches", params={"limit": 1}).json()["next_cursor"]
    assert "cursor" in error_fields(a.get("/v1/branches", params={"cursor": cursor, "sort": "-name"}))


# MARK: Assets


def test_asset_crud_with_etags(world):
    a = world["a"]
    branch, other_branch = new_branch(a), new_branch(a)
    tag = unique("A")
    r = a.post("/v1/assets", json={"branch_id": branch["id"], "tag": f" {tag} ", "name": "Laptop", "category": "it",
                                   "assigned_to": "Ada", "purchased_at": "2024-02-29", "value_cents": 129900,
                                   "notes": "Screen\ncracked"})
    assert r.status_code == 201, r.text
    asset = r.json()
    assert set(asset) == ASSET_KEYS
    assert asset | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None, "zone": "ZoneA", "branch_id": branch["id"], "tag": tag, "name": "Laptop", "category": "it",
        "status": "in_service", "assigned_to": "Ada", "purchased_at": "2024-02-29", "value_cents": 129900,
        "notes": "Screen\ncracked", "version": 1, "created_at": None, "updated_at": None}
    assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/v1/assets/{asset['id']}"
    path = f"/v1/assets/{asset['id']}"

    r = a.get(path)
    assert r.status_code == 200 and r.json() == asset and r.headers["etag"] == '"1"'
    assert a.get(path, headers={"If-None-Match": 'W/"1"'}).status_code == 304

    # A partial update: omitted fields keep, null clears the nullable ones.
    r = a.put(path, json={"status": "in_repair", "assigned_to": None, "branch_id": other_branch["id"]},
              headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["status"] == "in_repair" and updated["assigned_to"] is None and updated["version"] == 2
    assert updated["branch_id"] == other_branch["id"] and updated["purchased_at"] == "2024-02-29"
    assert updated["value_cents"] == 129900 and updated["tag"] == tag and r.headers["etag"] == '"2"'
    assert updated["created_at"] == asset["created_at"]
    assert_problem(a.put(path, json={"status": "lost"}, headers={"If-Match": '"1"'}), 412, "precondition_failed")
    assert a.get(path).json()["status"] == "in_repair"
    r = a.put(path, json={"purchased_at": None, "value_cents": 0, "notes": ""})
    assert r.status_code == 200 and r.json()["purchased_at"] is None and r.json()["version"] == 3

    assert_problem(a.delete(path, headers={"If-Match": '"2"'}), 412, "precondition_failed")
    assert a.delete(path, headers={"If-Match": '"3"'}).status_code == 204
    assert_problem(a.get(path), 404, "not_found")


def test_asset_validation(world):
    a, b = world["a"], world["b"]
    branch = new_branch(a)
    errors = error_fields(a.post("/v1/assets", json={}))
    assert set(errors) == {"branch_id", "tag", "name", "category"}
    base = {"branch_id": branch["id"], "tag": unique(), "name": "Drill", "category": "tools"}
    for field, value in (("status", "stolen"), ("status", None), ("purchased_at", "2023-02-29"),
                         ("purchased_at", "yesterday"), ("value_cents", -1), ("value_cents", 1.5),
                         ("value_cents", 1e300), ("tag", ""), ("tag", "x" * 65), ("name", None),
                         ("category", "a\tb"), ("notes", "x" * 4001), ("assigned_to", "x" * 201)):
        assert field in error_fields(a.post("/v1/assets", json=base | {field: value})), (field, value)
    assert_problem(a.post("/v1/assets", json=base | {"value_cents": "12"}), 400, "invalid_request")
    assert_problem(a.post("/v1/assets", json=base | {"tag": 12}), 400, "invalid_request")

    # The branch must exist in the asset's zone.
    b_branch = new_branch(b)
    assert "branch_id" in error_fields(a.post("/v1/assets", json=base | {"branch_id": b_branch["id"]}))
    assert "branch_id" in error_fields(a.post("/v1/assets", json=base | {"branch_id": str(uuid.uuid4())}))
    asset = new_asset(a, branch, tag=base["tag"])
    assert "branch_id" in error_fields(a.put(f"/v1/assets/{asset['id']}", json={"branch_id": b_branch["id"]}))
    assert "zone" in error_fields(a.put(f"/v1/assets/{asset['id']}", json={"zone": "ZoneB"}))

    # Tags are unique within a zone, not across zones.
    assert_problem(a.post("/v1/assets", json=base), 409, "conflict")
    other = new_asset(a, branch)
    assert_problem(a.put(f"/v1/assets/{other['id']}", json={"tag": base["tag"]}), 409, "conflict")
    assert new_asset(b, b_branch, tag=base["tag"])["zone"] == "ZoneB"
    # Checks run 404, then 412, then 422.
    assert_problem(a.put(f"/v1/assets/{uuid.uuid4()}", json={"status": "bad"}), 404, "not_found")
    assert_problem(a.put(f"/v1/assets/{asset['id']}", json={"status": "bad"}, headers={"If-Match": '"9"'}), 412,
                   "precondition_failed")


def test_asset_list_filters_sorts_and_search(world):
    a = world["a"]
    branch = new_branch(a)
    rows = [("Laptop", "it", "in_service", 300), ("Old laptop", "it", "retired", 100),
            ("Drill", "tools", "in_repair", 200), ("Saw", "tools", "in_service", 200)]
    made = [new_asset(a, branch, tag=f"{unique('Q')}", name=name, category=category, status=status, value_cents=v)
            for name, category, status, v in rows]

    def ids(**params):
        return [x["id"] for x in walk(a, "/v1/assets", limit=3, branch_id=branch["id"], **params)]

    by = {x["id"]: x for x in made}
    # Creation order, ties (the same second) broken by id.
    assert ids() == [x["id"] for x in sorted(made, key=lambda x: (x["created_at"], x["id"]))]
    for sort, key in (("name", lambda x: (x["name"], x["id"])), ("tag", lambda x: (x["tag"], x["id"])),
                      ("value_cents", lambda x: (x["value_cents"], x["id"]))):
        expected = [x["id"] for x in sorted(made, key=key)]
        assert ids(sort=sort) == expected, sort
        assert ids(sort=f"-{sort}") == expected[::-1], sort
    assert [by[i]["name"] for i in ids(status="in_service", sort="name")] == ["Laptop", "Saw"]
    assert [by[i]["name"] for i in ids(category="tools", sort="name")] == ["Drill", "Saw"]
    assert [by[i]["name"] for i in ids(q="LAPTOP", sort="-name")] == ["Old laptop", "Laptop"]
    assert ids(q=made[2]["tag"][2:]) == [made[2]["id"]]
    assert ids(status="lost") == []

    assert "status" in error_fields(a.get("/v1/assets", params={"status": "stolen"}))
    assert "sort" in error_fields(a.get("/v1/assets", params={"sort": "notes"}))
    assert "q" in error_fields(a.get("/v1/assets", params={"q": "x" * 101}))
    for limit in ("0", "201", "ten"):
        assert "limit" in error_fields(a.get("/v1/assets", params={"limit": limit}))
    assert "cursor" in error_fields(a.get("/v1/assets", params={"cursor": "!!!"}))
    cursor = a.get("/v1/assets", params={"limit": 1, "sort": "name"}).json()["next_cursor"]
    assert cursor
    assert a.get("/v1/assets", params={"limit": 1, "sort": "name", "cursor": cursor}).status_code == 200
    assert "cursor" in error_fields(a.get("/v1/assets", params={"cursor": cursor}))
    assert "cursor" in error_fields(a.get("/v1/assets", params={"cursor": cursor, "sort": "-name"}))


def test_list_rows_match_single_reads_and_follow_updates(world):
    a = world["a"]
    branch = new_branch(a)
    tricky = 'Quote " backslash \\ slash / tab\t CR\r newline\n é 😀'
    asset = new_asset(a, branch, name='Name / "quoted"', notes=tricky)
    path = f"/v1/assets/{asset['id']}"
    # Every worker writes the row once and then serves it from what it wrote; all must agree with GET by id.
    for _ in range(8):
        assert walk(a, "/v1/assets", branch_id=branch["id"]) == [a.get(path).json()]
    for raw in (a.get("/v1/assets", params={"branch_id": branch["id"]}).text, a.get(path).text):
        # Byte for byte what a JSON encoder with sorted keys and no escaping of / or non-ASCII writes.
        assert raw == json.dumps(json.loads(raw), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    assert a.get(path).json()["notes"] == tricky
    assert a.put(path, json={"name": "Renamed"}).status_code == 200
    for _ in range(8):
        assert [x["name"] for x in walk(a, "/v1/assets", branch_id=branch["id"])] == ["Renamed"]
    assert a.delete(path).status_code == 204
    assert walk(a, "/v1/assets", branch_id=branch["id"]) == []


def test_paging_walks_1000_assets_without_repeats_or_gaps_while_others_are_inserted(world):
    admin = world["admin"]
    zone = unique("ZonePaging")
    branch = new_branch(admin, zone=zone)
    existing = set()
    for n in range(1000):
        r = admin.post("/v1/assets", json={"zone": zone, "branch_id": branch["id"], "tag": f"P-{n:04d}",
                                           "name": f"Item {(n * 7919) % 1000:03d}", "category": "bulk",
                                           "value_cents": (n * 31) % 97})
        assert r.status_code == 201, r.text
        existing.add(r.json()["id"])

    inserted, stop, failures = set(), threading.Event(), []

    def insert_while_walking():
        writer = Caller(admin.stack, admin.http.headers["Authorization"].split()[1])
        n = 0
        while not stop.is_set():
            r = writer.post("/v1/assets", json={"zone": zone, "branch_id": branch["id"], "tag": f"N-{n:05d}",
                                                "name": f"Item {n % 1000:03d}", "category": "bulk", "value_cents": n % 97})
            if r.status_code != 201:
                failures.append(r.text)
                return
            inserted.add(r.json()["id"])
            n += 1

    thread = threading.Thread(target=insert_while_walking)
    thread.start()
    walks = {}
    try:
        for sort in ("created_at", "-name", "value_cents", "-tag"):
            walks[sort] = [x["id"] for x in walk(admin, "/v1/assets", limit=37, zone=zone, sort=sort)]
    finally:
        stop.set()
        thread.join()
    assert not failures, failures[:1]
    assert inserted, "the writer inserted nothing during the walks"
    for sort, walked in walks.items():
        assert len(walked) == len(set(walked)), f"{sort}: a row came twice"
        assert existing <= set(walked), f"{sort}: {len(existing - set(walked))} rows skipped"
        # Checked after the writer stopped: a row can be visible to a walk before the writer has recorded its id.
        assert set(walked) <= existing | inserted, sort


# MARK: Zones


def test_zone_isolation(world):
    a, b = world["a"], world["b"]
    b_branch = new_branch(b)
    b_asset = new_asset(b, b_branch)
    new_asset(a, new_branch(a))
    for path in (f"/v1/assets/{b_asset['id']}", f"/v1/branches/{b_branch['id']}"):
        assert_problem(a.get(path), 404, "not_found")
        assert_problem(a.put(path, json={"name": "Taken"}), 404, "not_found")
        assert_problem(a.put(path, json={"name": "Taken"}, headers={"If-Match": '"1"'}), 404, "not_found")
        assert_problem(a.delete(path), 404, "not_found")
        assert b.get(path).json()["name"] != "Taken"
    # Lists and the dashboard never show another zone's rows, filters included.
    assert {x["zone"] for x in walk(a, "/v1/assets", limit=200)} == {"ZoneA"}
    assert {x["zone"] for x in walk(a, "/v1/branches", limit=200)} == {"ZoneA"}
    assert walk(a, "/v1/assets", branch_id=b_branch["id"]) == []
    assert walk(a, "/v1/assets", q=b_asset["tag"]) == []
    dashboard = a.get("/v1/dashboard").json()
    assert b_branch["id"] not in {x["branch_id"] for x in dashboard["assets_by_branch"]}
    assert b_asset["id"] not in {x["entity_id"] for x in dashboard["recent_activity"]}
    # Naming another zone is the caller's mistake (422), whether that zone exists or not; their own is fine.
    for path in ("/v1/assets", "/v1/branches", "/v1/dashboard", "/v1/settings", f"/v1/assets/{b_asset['id']}"):
        assert "zone" in error_fields(a.get(path, params={"zone": "ZoneB"})), path
        assert "zone" in error_fields(a.get(path, params={"zone": "NoSuchZone"})), path
    assert a.get("/v1/assets", params={"zone": "ZoneA"}).status_code == 200
    assert "zone" in error_fields(a.post("/v1/assets", json={"zone": "ZoneB", "branch_id": b_branch["id"],
                                                             "tag": unique(), "name": "x", "category": "y"}))


def test_caller_without_a_zone_names_it(world):
    admin, a, b = world["admin"], world["a"], world["b"]
    a_branch, b_branch = new_branch(a), new_branch(b)
    b_asset = new_asset(b, b_branch)
    # Creating needs a zone; reading by id and listing see every zone, ?zone= narrows.
    assert "zone" in error_fields(admin.post("/v1/branches", json={"name": unique()}))
    assert "zone" in error_fields(admin.post("/v1/assets", json={"branch_id": b_branch["id"], "tag": unique(),
                                                                 "name": "x", "category": "y"}))
    assert "zone" in error_fields(admin.post("/v1/branches", json={"name": unique(), "zone": "a/b"}))
    made = new_asset(admin, a_branch, zone="ZoneA")
    assert made["zone"] == "ZoneA" and a.get(f"/v1/assets/{made['id']}").status_code == 200
    assert "branch_id" in error_fields(admin.post("/v1/assets", json={
        "zone": "ZoneA", "branch_id": b_branch["id"], "tag": unique(), "name": "x", "category": "y"}))
    assert admin.get(f"/v1/assets/{b_asset['id']}").status_code == 200
    assert admin.put(f"/v1/assets/{b_asset['id']}", json={"notes": "seen by admin"}).status_code == 200
    assert_problem(admin.get(f"/v1/assets/{b_asset['id']}", params={"zone": "ZoneA"}), 404, "not_found")
    zones = {x["zone"] for x in walk(admin, "/v1/branches", limit=200)}
    assert {"ZoneA", "ZoneB"} <= zones
    assert {x["zone"] for x in walk(admin, "/v1/branches", limit=200, zone="ZoneB")} == {"ZoneB"}
    # Settings need a zone.
    assert "zone" in error_fields(admin.get("/v1/settings"))
    assert "zone" in error_fields(admin.put("/v1/settings/currency", json={"value": "EUR"}))
    assert admin.get("/v1/settings", params={"zone": "ZoneB"}).status_code == 200


# MARK: Permissions


def test_permissions(world):
    a, reader, none, anonymous = world["a"], world["reader"], world["none"], world["anonymous"]
    branch = new_branch(a)
    asset = new_asset(a, branch)
    reads = ["/v1/assets", f"/v1/assets/{asset['id']}", "/v1/branches", f"/v1/branches/{branch['id']}",
             "/v1/settings", "/v1/dashboard"]
    writes = [("post", "/v1/assets", {"branch_id": branch["id"], "tag": unique(), "name": "x", "category": "y"}),
              ("put", f"/v1/assets/{asset['id']}", {"name": "x"}), ("delete", f"/v1/assets/{asset['id']}", None),
              ("post", "/v1/branches", {"name": unique()}), ("put", f"/v1/branches/{branch['id']}", {"name": "x"}),
              ("delete", f"/v1/branches/{branch['id']}", None), ("put", "/v1/settings/currency", {"value": "EUR"})]
    for path in reads:
        assert reader.get(path).status_code == 200, path
        assert_problem(none.get(path), 403, "forbidden")
        r = anonymous.get(path)
        assert_problem(r, 401, "token_missing")
        r = anonymous.get(path, headers={"Authorization": "Bearer not.a.token"})
        assert_problem(r, 401, "token_invalid")
        assert r.headers["www-authenticate"].startswith('Bearer realm="gatehouse"')
    for method, path, body in writes:
        assert_problem(getattr(reader, method)(path, json=body), 403, "forbidden")
        assert_problem(getattr(none, method)(path, json=body), 403, "forbidden")
        assert_problem(getattr(anonymous, method)(path, json=body), 401, "token_missing")
    assert a.get(f"/v1/assets/{asset['id']}").json()["name"] == asset["name"]


def test_a_revoked_session_is_refused(world, bstack):
    email = world["a"].get("/auth/me").json()["email"]
    fresh = login(bstack, email)
    assert fresh.get("/v1/assets", params={"limit": 1}).status_code == 200
    assert fresh.post("/auth/logout").status_code == 204
    assert_problem(fresh.get("/v1/assets", params={"limit": 1}), 401, "token_revoked")


def test_routing_errors(world):
    a = world["a"]
    assert_problem(a.get("/v1/nothing"), 404, "not_found")
    r = a.http.patch(a.stack.url("/v1/assets"), json={})
    assert_problem(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    r = a.http.post(a.stack.url(f"/v1/assets/{uuid.uuid4()}"), json={})
    assert_problem(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "PUT", "DELETE"}
    assert set(a.http.post(a.stack.url("/v1/dashboard")).headers["allow"].split(", ")) == {"GET", "HEAD"}


# MARK: Settings


def test_settings(world):
    a, b, admin = world["a"], world["b"], world["admin"]
    defaults = {"currency": "USD", "timezone": "UTC", "asset_tag_prefix": "", "low_value_threshold_cents": 0}
    r = admin.get("/v1/settings", params={"zone": unique("ZoneFresh")})
    assert r.status_code == 200 and r.json() == {"settings": defaults}

    key = f"ui.{uuid.uuid4().hex[:8]}"
    for k, value in (("currency", "EUR"), ("timezone", "America/Argentina/Buenos_Aires"), ("asset_tag_prefix", "ZA-"),
                     ("low_value_threshold_cents", 5000), (key, {"columns": ["tag", "name"], "dense": True})):
        r = a.put(f"/v1/settings/{k}", json={"value": value})
        assert r.status_code == 200, r.text
        assert r.json() == {"key": k, "value": value}
    settings = a.get("/v1/settings").json()["settings"]
    assert settings["currency"] == "EUR" and settings["low_value_threshold_cents"] == 5000
    assert settings[key] == {"columns": ["tag", "name"], "dense": True}
    assert a.put(f"/v1/settings/{key}", json={"value": None}).json() == {"key": key, "value": None}
    assert a.get("/v1/settings").json()["settings"][key] is None
    # Another zone has its own; the administrator names the zone.
    assert b.get("/v1/settings").json()["settings"].get(key, "absent") == "absent"
    assert admin.get("/v1/settings", params={"zone": "ZoneA"}).json()["settings"]["currency"] == "EUR"
    assert admin.put("/v1/settings/currency", params={"zone": "ZoneB"}, json={"value": "GBP"}).status_code == 200
    assert b.get("/v1/settings").json()["settings"]["currency"] == "GBP"
    assert a.get("/v1/settings").json()["settings"]["currency"] == "EUR"

    for k, value in (("currency", "eur"), ("currency", "EURO"), ("currency", 978), ("timezone", "Not a zone"),
                     ("timezone", "/Paris"), ("asset_tag_prefix", "x" * 17), ("asset_tag_prefix", "A B"),
                     ("low_value_threshold_cents", -1), ("low_value_threshold_cents", 2.5),
                     ("low_value_threshold_cents", "5"), ("currency", None), ("custom", "x" * 5000)):
        assert "value" in error_fields(a.put(f"/v1/settings/{k}", json={"value": value})), (k, value)
    assert "key" in error_fields(a.put("/v1/settings/Bad%20Key", json={"value": 1}))
    assert "key" in error_fields(a.put(f"/v1/settings/{'k' * 65}", json={"value": 1}))
    assert error_fields(a.put("/v1/settings/custom", json={})) == {"value": "is required"}
    assert_problem(a.put("/v1/settings/custom", json=[1]), 400, "invalid_request")
    assert a.get("/v1/settings").json()["settings"]["currency"] == "EUR"


# MARK: Dashboard, activity and audit


def test_dashboard_counts_total_and_recent_activity(world):
    dash, admin = world["dash"], world["admin"]
    empty = new_branch(dash, name="B empty")
    depot = new_branch(dash, name="A depot")
    statuses = ["in_service", "in_service", "in_repair", "lost", "in_service"]
    assets = [new_asset(dash, depot, status=s, value_cents=1000 * (i + 1)) for i, s in enumerate(statuses)]
    assert dash.put(f"/v1/assets/{assets[0]['id']}", json={"status": "retired"}).status_code == 200
    assert dash.delete(f"/v1/assets/{assets[1]['id']}").status_code == 204
    assert dash.put("/v1/settings/currency", json={"value": "EUR"}).status_code == 200

    r = dash.get("/v1/dashboard")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"assets_by_status", "assets_by_branch", "total_value_cents", "recent_activity"}
    assert body["assets_by_status"] == {"in_service": 1, "in_repair": 1, "retired": 1, "lost": 1}
    assert body["assets_by_branch"] == [{"branch_id": depot["id"], "name": "A depot", "count": 4},
                                        {"branch_id": empty["id"], "name": "B empty", "count": 0}]
    assert body["total_value_cents"] == 1000 + 3000 + 4000 + 5000
    recent = body["recent_activity"]
    assert all(set(x) == {"at", "actor_id", "action", "entity", "entity_id"} for x in recent)
    assert all(x["actor_id"] == dash.id and x["at"].endswith("Z") for x in recent)
    assert [(x["action"], x["entity"], x["entity_id"]) for x in recent[:4]] == [
        ("created", "setting", "currency"), ("deleted", "asset", assets[1]["id"]),
        ("updated", "asset", assets[0]["id"]), ("created", "asset", assets[4]["id"])]
    assert recent[-1] == {**recent[-1], "action": "created", "entity": "branch", "entity_id": empty["id"]}
    assert len(recent) == 10

    # The newest 20 only; the administrator sees the same zone with ?zone=, or every zone without.
    for i in range(15):
        new_asset(dash, depot, value_cents=1)
    body = dash.get("/v1/dashboard").json()
    assert len(body["recent_activity"]) == 20 and body["total_value_cents"] == 13015
    assert admin.get("/v1/dashboard", params={"zone": world["dash_zone"]}).json() == body
    everything = admin.get("/v1/dashboard").json()
    assert everything["total_value_cents"] >= body["total_value_cents"]
    assert sum(everything["assets_by_status"].values()) >= 19
    assert {depot["id"], empty["id"]} <= {x["branch_id"] for x in everything["assets_by_branch"]}


def test_every_change_is_audited_with_actor_ip_and_agent(world):
    a, admin = world["a"], world["admin"]
    branch = new_branch(a)
    asset = new_asset(a, branch)
    assert a.put(f"/v1/assets/{asset['id']}", json={"name": "Renamed", "value_cents": 5}).status_code == 200
    assert a.delete(f"/v1/assets/{asset['id']}").status_code == 204
    assert a.put(f"/v1/branches/{branch['id']}", json={"address": "Elsewhere"}).status_code == 200
    assert a.delete(f"/v1/branches/{branch['id']}").status_code == 204
    key = f"audit.{uuid.uuid4().hex[:8]}"
    assert a.put(f"/v1/settings/{key}", json={"value": 1}).status_code == 200
    assert a.put(f"/v1/settings/{key}", json={"value": 2}).status_code == 200

    entries = [e for e in walk(admin, "/audit", limit=200) if e["event"].split(".")[0] in ("asset", "branch", "setting")
               and e["details"].get("asset_id", e["details"].get("branch_id", e["details"].get("key")))
               in (asset["id"], branch["id"], key)]
    assert [e["event"] for e in entries] == [
        "setting.updated", "setting.created", "branch.deleted", "branch.updated", "asset.deleted", "asset.updated",
        "asset.created", "branch.created"]
    for entry in entries:
        assert entry["actor_id"] == a.id and entry["ip"] == "127.0.0.1" and entry["user_agent"] == AGENT
        assert entry["details"]["zone"] == "ZoneA"
    assert entries[5]["details"]["fields"] == "name,value_cents" and entries[5]["details"]["tag"] == asset["tag"]
    assert entries[3]["details"]["fields"] == "address"
