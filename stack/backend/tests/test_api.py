"""The tasks API end to end against a real PostgreSQL: CRUD, paging, filters, headers, health, metrics."""

from __future__ import annotations

import httpx

from app import migrations

from .tokens import tasks

TASKS = tasks("alice")


def create(client: httpx.Client, title: str, **extra) -> dict:
    response = client.post(TASKS, json={"title": title, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_the_task(client):
    response = client.post(TASKS, json={"title": "  buy milk  ", "description": "2 litres"})
    assert response.status_code == 201
    task = response.json()
    assert set(task) == {"id", "user_id", "title", "description", "completed", "created_at", "updated_at"}
    assert task["user_id"] == "alice"
    assert task["title"] == "buy milk"  # surrounding whitespace is stripped
    assert task["description"] == "2 litres"
    assert task["completed"] is False
    assert task["created_at"] == task["updated_at"]


def test_get_update_complete_delete(client):
    task = create(client, "write tests")
    assert client.get(f"{TASKS}/{task['id']}").json() == task

    patched = client.patch(f"{TASKS}/{task['id']}", json={"description": "all of them"})
    assert patched.status_code == 200
    assert patched.json()["description"] == "all of them"
    assert patched.json()["title"] == "write tests"
    assert patched.json()["updated_at"] > task["updated_at"]

    replaced = client.put(f"{TASKS}/{task['id']}", json={"title": "write more tests"})
    assert replaced.status_code == 200
    assert replaced.json()["description"] == ""

    done = client.post(f"{TASKS}/{task['id']}/complete")
    assert done.status_code == 200 and done.json()["completed"] is True
    # Completing twice is harmless.
    assert client.post(f"{TASKS}/{task['id']}/complete").json()["completed"] is True

    assert client.delete(f"{TASKS}/{task['id']}").status_code == 204
    gone = client.get(f"{TASKS}/{task['id']}")
    assert gone.status_code == 404
    assert gone.json() == {"detail": f"task {task['id']} not found"}
    assert client.delete(f"{TASKS}/{task['id']}").status_code == 404
    assert client.patch(f"{TASKS}/{task['id']}", json={"completed": True}).status_code == 404
    assert client.post(f"{TASKS}/{task['id']}/complete").status_code == 404


def test_list_pages_and_filters(client):
    ids = [create(client, f"task {i}")["id"] for i in range(7)]
    for task_id in ids[:3]:
        client.post(f"{TASKS}/{task_id}/complete")

    page = client.get(TASKS, params={"limit": 3}).json()
    assert [t["id"] for t in page["items"]] == ids[:3]
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 0)
    page2 = client.get(TASKS, params={"limit": 3, "offset": 6}).json()
    assert [t["id"] for t in page2["items"]] == ids[6:]

    done = client.get(TASKS, params={"completed": "true"}).json()
    assert [t["id"] for t in done["items"]] == ids[:3] and done["total"] == 3
    open_ = client.get(TASKS, params={"completed": "false"}).json()
    assert [t["id"] for t in open_["items"]] == ids[3:] and open_["total"] == 4


def test_every_response_names_version_and_replica(client, backend):
    for response in (client.get("/healthz"), client.get(TASKS), client.get(TASKS + "/999"),
                     client.post(TASKS, json={}), client.get("/nope")):
        assert response.headers["X-App-Version"] == "test-1"
        assert response.headers["X-Served-By"] == f"pytest-{backend.port}"
        assert response.headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "abc123"}).headers["X-Request-ID"] == "abc123"


def test_a_wrong_method_is_a_405_naming_every_method_of_the_path(client):
    # Starlette named only its first route's (Allow: GET for /tasks, which also takes POST): found by schemathesis.
    for path, allowed in ((TASKS, "GET, POST"), (TASKS + "/1", "DELETE, GET, PATCH, PUT")):
        response = client.request("OPTIONS", path)
        assert response.status_code == 405 and response.headers["Allow"] == allowed
    assert client.request("TRACE", "/api/alice/chat").headers["Allow"] == "POST"


def test_health_readiness_version(client, backend):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "schema_version": migrations.latest_version()}
    version = client.get("/version").json()
    assert version["version"] == "test-1"
    assert version["served_by"] == f"pytest-{backend.port}"
    assert version["schema_version"] == migrations.latest_version() == 3


def test_sql_injection_is_data(client, db):
    title = "x'); DROP TABLE tasks; --"
    task = create(client, title)
    assert client.get(f"{TASKS}/{task['id']}").json()["title"] == title
    assert db.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1


def test_metrics(client):
    create(client, "measured")
    client.get(TASKS + "/424242")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/api/{user_id}/tasks",status="201"}' in text
    # Routes are labelled by template, not by the raw path nor the user (bounded label values).
    assert 'http_requests_total{method="GET",route="/api/{user_id}/tasks/{task_id}",status="404"}' in text
    assert "alice" not in text
    assert "http_request_duration_seconds_bucket" in text
    assert "db_pool_connections_max 20.0" in text
    assert "db_pool_requests_waiting" in text
    assert 'app_info{served_by="' in text


def test_json_log_line_per_request(client, backend):
    import json
    import time

    client.get(TASKS, headers={"X-Request-ID": "log-check-1"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in backend.lines:
            if "log-check-1" in line:
                entry = json.loads(line)
                assert entry["msg"] == "request"
                assert entry["route"] == "/api/{user_id}/tasks" and entry["status"] == 200
                assert entry["path"] == TASKS and entry["user_id"] == "alice"
                assert entry["version"] == "test-1"
                assert isinstance(entry["duration_ms"], float)
                return
        time.sleep(0.05)
    raise AssertionError("no log line for the request")
