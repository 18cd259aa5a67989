"""Bad input never answers 5xx: every API operation of the schema, called with an example of
its input made from the schema, then with malformed input (nesting thousands deep, wrong
types, missing fields, nulls, huge strings, bodies that are not JSON, query parameters that
are not what they say), by the demo person that part of the API is for, on real ids. Anything
may be refused (400, 403, 404, 415); nothing may be a server error."""

from __future__ import annotations

import json
import traceback
from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Operation, operations, resolve

HUGE = "x" * 100_000
DEEP = "[" * 5_000 + "]" * 5_000


def example_of(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits ``schema``: its example or first choice, else one of its type and format."""
    schema = resolve(schema)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return next((choice for choice in schema["enum"] if choice not in ("", None)), schema["enum"][0])
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return example_of(schema[combined][0], depth)
    kind = schema.get("type", "object")
    if kind == "object":
        if depth > 3:
            return {}
        properties = schema.get("properties", {})
        return {name: example_of(field, depth + 1) for name, field in properties.items() if not field.get("readOnly")}
    if kind == "array":
        return [example_of(schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {
        "date": date.today().isoformat(),
        "date-time": f"{date.today().isoformat()}T10:00:00Z",
        "email": "someone@agency.test",
        "uuid": "7c4f2d38-95c1-4c55-9d8f-2b4a6e0f1d3a",
        "uri": "https://example.test/",
        "binary": "synthetic file content",
    }.get(schema.get("format", ""), "Synthetic text")


def wrong_type(value: Any) -> Any:
    """A value of another JSON type than ``value``."""
    if isinstance(value, str):
        return {"nested": [1, {"deeper": None}]}
    if isinstance(value, bool | int | float):
        return "not a number"
    if isinstance(value, list):
        return "not a list"
    return ["not", "an", "object"]


def malformed_json(example: Any) -> list[tuple[str, str]]:
    """Bodies sent as application/json: (what it is, the raw body)."""
    fields = example if isinstance(example, dict) else {}
    return [
        ("the example", json.dumps(example)),
        ("missing fields", "{}"),
        ("nulls", json.dumps(dict.fromkeys(fields))),
        ("wrong types", json.dumps({name: wrong_type(value) for name, value in fields.items()})),
        ("huge strings", json.dumps(dict.fromkeys(fields, HUGE) or {"text": HUGE})),
        ("deep nesting", DEEP),
        ("deep nesting in a field", json.dumps(dict.fromkeys(fields, None) | {"x": None}).replace("null", DEEP, 1)),
        ("a list, not an object", json.dumps([example, example])),
        ("a bare string", json.dumps("text")),
        ("not JSON", '{"unterminated": '),
        ("not UTF-8", "\udcff\udcfe"),
        ("NUL characters", json.dumps(dict.fromkeys(fields, "a\x00b") or {"text": "a\x00b"})),
    ]


def query_cases(spec: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    parameters = [parameter for parameter in spec.get("parameters", []) if parameter["in"] == "query"]
    if not parameters:
        return []
    names = [parameter["name"] for parameter in parameters]
    return [
        ("example query", {p["name"]: str(example_of(p.get("schema", {}))) for p in parameters}),
        ("wrong-typed query", dict.fromkeys(names, "not-a-number-{}[]")),
        ("negative query", dict.fromkeys(names, "-1")),
        ("huge query", dict.fromkeys(names, "9" * 5_000)),
        ("query past a bigint", dict.fromkeys(names, "9" * 25)),
        ("NUL in query", dict.fromkeys(names, "a\x00b")),
    ]


def _send(client: APIClient, method: str, url: str, body: Any = None, content_type: str | None = None) -> Any:
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    if body is None:
        return getattr(client, method)(url)
    return client.generic(method.upper(), url, body, content_type=content_type or "application/octet-stream")


def attempts(operation: Operation, url: str) -> list[tuple[str, str, Any, str | None]]:
    """(what it is, url, body, content type) for each request made of ``operation``."""
    method, spec = operation.method, operation.spec
    made: list[tuple[str, str, Any, str | None]] = [("no input", url, None, None)]
    for what, query in query_cases(spec):
        made.append((what, f"{url}?{'&'.join(f'{name}={value}' for name, value in query.items())}", None, None))
    if method == "get":
        return made
    content = spec.get("requestBody", {}).get("content", {})
    if "application/json" in content or not content:
        example = example_of(content.get("application/json", {}).get("schema", {"type": "object"}))
        made += [(what, url, body, "application/json") for what, body in malformed_json(example)]
    if "multipart/form-data" in content:
        boundary = "SyntheticBoundary"
        made += [
            ("multipart without its boundary", url, b"--x\r\nnonsense", "multipart/form-data"),
            (
                "multipart cut short",
                url,
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nab',
                f"multipart/form-data; boundary={boundary}",
            ),
        ]
    made += [
        ("a content type no parser reads", url, "<xml/>", "application/xml"),
        ("form-encoded garbage", url, "%%%=&&=%zz", "application/x-www-form-urlencoded"),
    ]
    return made


@pytest.mark.parametrize("operation", operations(), ids=lambda operation: operation.label)
def test_no_operation_answers_a_server_error_to_bad_input(operation, demo_world, reset_throttles, db):
    signed_in = demo_world.sign_in(operation.path)
    caller = signed_in.user
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=signed_in.authorization)
    url = demo_world.url(operation.path, signed_in)
    errors, first_cause = [], ""
    for what, target, body, content_type in attempts(operation, url):
        reset_throttles(caller)
        response = _send(client, operation.method, target, body, content_type)
        if response.status_code >= 500:
            errors.append(f"{what}: {response.status_code} {_cause(response.exc_info)}")
            first_cause = first_cause or "".join(traceback.format_exception(*response.exc_info or (None, None, None)))
    assert not errors, f"{operation.label} as {caller.email}:\n" + "\n".join(errors) + "\n\n" + first_cause


def _cause(exc_info: Any) -> str:
    """The exception, and where in the project it was raised."""
    if not exc_info:
        return ""
    frames = [frame for frame in traceback.extract_tb(exc_info[2]) if "/.venv/" not in frame.filename]
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{exc_info[0].__name__}: {exc_info[1]}{where}"
