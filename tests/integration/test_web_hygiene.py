"""Request hygiene (web/hygiene.py): deep JSON, oversized bodies, invalid Unicode and NUL in
paths are clear 4xx answers naming what is wrong, never a 500, on the API and the pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_web_helpers import make_token, row_counts, setup_admin

from autobook.config import Settings
from autobook.runtime import Runtime, open_runtime
from autobook.web.app import MAX_BODY_BYTES, create_app
from autobook.web.hygiene import MAX_JSON_DEPTH, json_depth

JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def module_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One SQLite runtime for the module: hygiene answers before any database work."""
    settings = Settings(AUTOBOOK_DATA_DIR=tmp_path_factory.mktemp("data"))
    rt = open_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def client(module_runtime: Runtime) -> Iterator[TestClient]:
    runtime = module_runtime
    with TestClient(create_app(runtime.settings, runtime=runtime)) as c:
        assert setup_admin(c).status_code == 303  # pages signed in
        c.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        yield c


def _detail(response) -> list[dict]:
    return response.json()["detail"]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'{"a": "[[[[{{{{\\"[["}') == 1
    assert json_depth(b"") == 0
    assert json_depth(_nested(100_000)) == 100_000


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deep_json_is_a_422_on_any_json_endpoint(client: TestClient, depth: int) -> None:
    response = client.post("/api/v1/tasks/1/stop", content=_nested(depth), headers=JSON)
    assert response.status_code == 422
    assert _detail(response) == [
        {"field": "body", "message": f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels"}
    ]
    page = client.post("/login", content=_nested(depth), headers=JSON)
    assert page.status_code == 422 and "nested deeper than" in page.text


def test_a_body_without_content_type_is_checked_as_json(client: TestClient) -> None:
    """FastAPI parses such a body as JSON, so hygiene does too."""
    response = client.post(
        "/api/v1/tasks/1/stop", content=_nested(5000), headers={"content-type": ""}
    )
    assert response.status_code == 422 and _detail(response)[0]["field"] == "body"
    assert client.post("/api/v1/tasks/1/stop", content=b"not json").status_code < 500


def test_json_at_the_depth_limit_reaches_the_route(
    client: TestClient, module_runtime: Runtime
) -> None:
    before = row_counts(module_runtime)
    response = client.post("/api/v1/accounts", content=_nested(MAX_JSON_DEPTH), headers=JSON)
    assert response.status_code == 422  # the route's own validation: a list is no account
    assert "nested deeper" not in response.text
    assert row_counts(module_runtime) == before


def test_bodies_over_the_limit_are_a_413_declared_or_streamed(client: TestClient) -> None:
    big = b'{"x": "' + b"a" * MAX_BODY_BYTES + b'"}'
    declared = client.post("/api/v1/accounts", content=big, headers=JSON)
    assert declared.status_code == 413
    assert declared.json()["detail"][0]["field"] == "body"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    streamed = client.post("/api/v1/accounts", content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    assert _detail(streamed)[0]["field"] == "body"
    assert "larger than" in _detail(streamed)[0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"site": "gym", "login": "a@b", "password": "\\ud800"}', "password"),
        (b'{"site": "gym", "login": "a@b", "password": "pw\\udfff-long-enough"}', "password"),
        (b'{"notes": {"deep": ["ok", "\\udc00"]}}', "notes.deep.1"),
        (b'{"\\ud800": 1}', "?"),
        (b'{"password": "\xed\xa0\x80"}', "body"),  # a surrogate's UTF-8 bytes: not UTF-8
        (b'{"password": "\xff"}', "body"),
    ],
)
def test_invalid_unicode_in_json_is_a_422_naming_the_field(
    client: TestClient, module_runtime: Runtime, body: bytes, field: str
) -> None:
    before = row_counts(module_runtime)
    response = client.post("/api/v1/accounts", content=body, headers=JSON)
    assert response.status_code == 422
    [entry] = _detail(response)
    assert entry["field"] == field and "not valid Unicode" in entry["message"]
    assert row_counts(module_runtime) == before


def test_valid_unicode_passes(client: TestClient) -> None:
    body = '{"urls": ["json://h/\U0001f3f8 \u200f\u00a0\U0001f469\u200d\U0001f4bb"]}'
    response = client.post("/api/v1/notifications/test", content=body.encode(), headers=JSON)
    assert "not valid Unicode" not in response.text and response.status_code < 500


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/login", b"username=%ED%A0%80&password=x", "username"),
        ("/login", b"username=owner&password=%FF%FE", "password"),
        ("/tasks/new", b"venue=\xed\xa0\x80", "venue"),
    ],
)
def test_invalid_unicode_in_a_form_is_a_422_naming_the_field(
    client: TestClient, path: str, body: bytes, field: str
) -> None:
    response = client.post(path, content=body, headers=FORM)
    assert response.status_code == 422
    assert field in response.text and "not valid Unicode" in response.text


def test_invalid_unicode_in_the_query_is_a_422(client: TestClient) -> None:
    response = client.get("/api/v1/bookings?venue=%ED%A0%80")
    assert response.status_code == 422
    assert _detail(response) == [{"field": "venue", "message": _detail(response)[0]["message"]}]
    assert "not valid Unicode" in _detail(response)[0]["message"]
    assert client.get("/bookings?venue=%FF").status_code == 422


@pytest.mark.parametrize(
    "path",
    ["/screenshots/x.png%00.png", "/api/v1/tasks/1%00", "/tasks/%00", "/static/%00.css"],
)
def test_nul_in_the_path_is_a_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "NUL" in response.text


def test_the_issues_requests_on_each_database(settings: Settings, runtime: Runtime) -> None:
    """The reported 500s, replayed on SQLite and PostgreSQL (the `runtime` fixture's)."""
    with TestClient(create_app(settings, runtime=runtime)) as c:
        assert setup_admin(c).status_code == 303
        c.headers["Authorization"] = f"Bearer {make_token(runtime)}"
        before = row_counts(runtime)
        account = b'{"site": "gym", "display_name": "A", "login": "a@b", "password": "\\ud800"}'
        answers = [
            c.post("/api/v1/accounts", content=account, headers=JSON),
            c.post("/api/v1/tasks/1/stop", content=_nested(100_000), headers=JSON),
            c.get("/screenshots/x.png%00.png"),
        ]
        assert [a.status_code for a in answers] == [422, 422, 404]
        assert row_counts(runtime) == before
