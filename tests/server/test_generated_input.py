"""Every endpoint, from /openapi.json, with generated input (Schemathesis): no answer is a 5xx.

Valid and invalid cases per operation, with and without working credentials (a paired till's,
an owner's), so generation reaches past the doors into the use cases. Bounded by the number of
examples, not by time; it prints how many requests it made.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.server.owner_api import HEADERS, auth, client, pair, sign_up
from tests.support.server import ServerHarness

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES = 40  # per operation and mode


@pytest.fixture
def api_server(database_url):
    """Throttles opened wide: generated logins would otherwise be refused at the door only."""
    harness = ServerHarness(database_url, signups_allowed=100_000, auth_failures_allowed=100_000,
                            account_failures_allowed=100_000).start()
    yield harness
    harness.stop()


def _headers_for(path: str, owner: str, device: str) -> dict[str, str]:
    if path.startswith("/v1/sync/"):
        return {**HEADERS, **auth(device)}
    if path.startswith("/v1/owners/") or path == "/v1/devices/pair":
        return dict(HEADERS)
    return {**HEADERS, **auth(owner)}


def test_generated_input_never_gets_a_server_error(api_server, capsys):
    with client(api_server.url) as api:
        owner = sign_up(api)["token"]
        device = pair(api, owner)["credential"]
    schema = schemathesis.openapi.from_url(f"{api_server.url}/openapi.json")
    sent: Counter[str] = Counter()
    failures: list[str] = []

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Valid cases carry working credentials; invalid ones keep what was generated.
            headers = (_headers_for(operation.path, owner, device)
                       if mode is GenerationMode.POSITIVE else dict(HEADERS))
            _run(operation, mode, headers, api_server.url, sent, failures)

    with capsys.disabled():
        print(f"\ngenerated-input API test: {sum(sent.values())} requests over "
              f"{len(sent)} operations, {len(failures)} answered 5xx")
    assert len(sent) >= 10
    assert not failures, "\n".join(failures[:20])


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], url: str,
         sent: Counter[str], failures: list[str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        response = case.call(base_url=url, headers=headers, timeout=30)
        sent[operation.label] += 1
        if response.status_code >= 500:
            failures.append(f"{operation.label} → {response.status_code}: "
                            f"{response.text[:200]} (case: {case.body!r:.300})")

    try:
        call()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body): nothing to send
        assert mode is GenerationMode.NEGATIVE
