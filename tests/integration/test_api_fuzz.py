"""Schemathesis over /openapi.json, in-process against the ASGI app, on SQLite and PostgreSQL:
generated requests, valid and invalid, to every API operation never get a 5xx.

Bounded (`MAX_EXAMPLES` per operation and mode) so the whole run stays well under a minute.
The notification test is left out: its generated URLs would send messages to hosts on the
internet; its bad input has its own table in test_api_notifications.py. (Schemathesis's own
pytest plugin does not work with this pytest, so the operations are parametrized here and each
one runs its strategy under Hypothesis.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from api_support import GYM_TASK, add_account, add_attempt, add_booking, add_task, module_runtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from test_web_helpers import make_token

from autobook.config import Settings
from autobook.runtime import Runtime
from autobook.web.app import create_app

MAX_EXAMPLES = 12
NOT_FUZZED = {("POST", "/api/v1/notifications/test")}
# The schema does not depend on the database: read the operations once, at collection.
OPERATIONS = [
    (method.upper(), path)
    for path, methods in create_app(Settings()).openapi()["paths"].items()
    for method in methods
    if path.startswith("/api/") and (method.upper(), path) not in NOT_FUZZED
]


@pytest.fixture(scope="module")
def fuzzed(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A runtime with a few rows, so generated ids sometimes name something."""
    with module_runtime(db_url, tmp_path_factory.mktemp("data")) as runtime:
        yield _with_rows(runtime)


def _with_rows(runtime: Runtime) -> Runtime:
    account = add_account(runtime, "gym", "fuzz@example.com", "fuzz-pass-1")
    task = add_task(runtime, **GYM_TASK, account_ids=[account])
    add_attempt(runtime, task, "no_slot")
    add_booking(runtime, task_id=task, account_id=account)
    return runtime


@pytest.fixture(scope="module")
def api_schema(fuzzed: Runtime) -> schemathesis.BaseSchema:
    app = create_app(fuzzed.settings, runtime=fuzzed)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors(
    api_schema: schemathesis.BaseSchema, fuzzed: Runtime, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))
    headers = {"Authorization": f"Bearer {make_token(fuzzed, 'fuzz')}"}

    @given(case=cases)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def no_5xx(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    no_5xx()
