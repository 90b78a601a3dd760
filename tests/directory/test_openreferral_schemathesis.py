"""schemathesis against the pinned UK profile openapi.json: generated requests for every operation, against
the live test server, each answer checked (never a server error; a 200 valid against its schema).

A bounded run (`SCHEMATHESIS_EXAMPLES` per operation, 25 by default). The spec is used as pinned, with
three faults of the spec itself put right here, each explained:

- its schemas are referenced by URLs on raw.githubusercontent.com (no network in the suite): they are
  read from the pinned copy instead, the same files;
- `start_time` and `end_time` are `{"type": "time"}`, which is not a JSON Schema type: they are taken as
  the strings the parameter's description means (HH:MM or HH:MM:SS);
- no operation documents any answer but 200, so the API's honest 400s (a filter it cannot apply) and
  404s (an id it does not have) would all be "undocumented": the status-code check is left out, and the
  400s and 404s are checked to be JSON with a message instead.
"""

import copy
import json
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .test_openreferral_conformance import directory_data  # noqa: F401 - the fixture, shared

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "oruk-uk-profile" / "schema"
RAW = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


def _inline(node, here: Path):
    """Replace each `$ref` to another file (by URL or relative path) with that file's schema, recursively."""
    if isinstance(node, list):
        return [_inline(item, here) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        target = SCHEMAS / ref.removeprefix(RAW) if ref.startswith(RAW) else here / ref
        loaded = json.loads(target.read_text())
        return _inline({k: v for k, v in loaded.items() if k not in ("$id", "$schema")}, target.parent)
    return {key: _inline(value, here) for key, value in node.items()}


def pinned_spec() -> dict:
    spec = _inline(json.loads((SCHEMAS / "openapi.json").read_text()), SCHEMAS)
    spec = copy.deepcopy(spec)
    for name in ("start_time", "end_time"):
        spec["components"]["parameters"][name]["schema"] = {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        }
    return spec


schema = schemathesis.openapi.from_dict(pinned_spec())


@pytest.fixture
def api_base(live_server, directory_data):  # noqa: F811 - the shared fixture
    return live_server.url + "/openreferral"


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_generated_requests_within_the_spec(case, api_base):
    response = case.call(base_url=api_base)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    # schemathesis gives headers by lower-case name, each a list of values.
    assert response.headers["access-control-allow-origin"] == ["*"]
    if response.status_code == 204:  # a preflight (schemathesis tries OPTIONS too): no body
        assert response.request.method == "OPTIONS" and "content-type" not in response.headers
        return
    assert response.headers["content-type"] == ["application/json"]
    if response.status_code == 405:  # schemathesis also tries the methods the operation does not have
        assert response.request.method not in ("GET", "HEAD", "OPTIONS")
    elif response.status_code in (400, 404):
        assert response.json()["error"]
    else:
        assert response.status_code == 200, (case.path, case.query, response.status_code, response.text[:200])
