"""Property-based tests of the API from its own OpenAPI document (schemathesis): generated
requests for every operation, checked for server errors, documented status codes, content
types and response schemas.  Bounded to a few examples per operation so the suite stays fast."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from service_support import policies

from policyrules.audit import open_store
from policyrules.service import Service, create_app

pytestmark = pytest.mark.slow

_folder = tempfile.mkdtemp(prefix="policyrules-st-")
atexit.register(shutil.rmtree, _folder, True)
_store = open_store(f"sqlite:///{_folder}/decisions.db")
_, EVALUATE = _store.add_key("evaluate")
_, AUDIT = _store.add_key("audit")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Service(policies(), _store)))
schema.config.phases.update(phases=["examples", "fuzzing"])  # the coverage phase alone takes ~50 s here


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: Any) -> None:
    key = AUDIT if case.operation.path.startswith("/decisions") else EVALUATE
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"},
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])
