"""The API's OpenAPI schema: every operation's error answers, as well as its successes.

drf-spectacular documents what a view answers when all goes well. A client also meets the
answers DRF and the policy give on the way: input that does not parse or validate (400), a
missing or bad credential (401), a refusal (403, or 404 for what the caller may not know
exists), a body of a type no parser reads (415), a throttle (429). ``AutoSchema`` (the
``DEFAULT_SCHEMA_CLASS``) adds each to every operation that can give it, unless the view
documents that answer itself, as a shared response (``components/responses``) whose body is
one of two shared schemas: ``Error`` (``{"detail": …}``, DRF's own errors) and
``ValidationErrors`` (messages by input field, as serializers and ``web.api_errors`` answer).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticatedOrReadOnly

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="web.schema.Error",
    schema={
        "type": "object",
        "description": "An error that names no input field.",
        "properties": {"detail": {"type": "string", "description": "What went wrong, for a person to read."}},
        "required": ["detail"],
    },
)
VALIDATION_ERRORS = ResolvedComponent(
    name="ValidationErrors",
    type=ResolvedComponent.SCHEMA,
    object="web.schema.ValidationErrors",
    schema={
        "type": "object",
        "description": (
            "The input's errors by field name: each a list of messages, or a nested field's errors by "
            "name or position. Errors of no one field are under non_field_errors."
        ),
        "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
        "additionalProperties": {},
        "example": {"reason": ["This field is required."]},
    },
)


def _answer(
    code: str, name: str, description: str, bodies: list[ResolvedComponent], headers: dict[str, Any] | None = None
) -> tuple[str, ResolvedComponent, list[ResolvedComponent]]:
    """One shared error response: its status code, its component and the schemas it names."""
    refs = [body.ref for body in bodies]
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}},
    }
    if headers:
        response["headers"] = headers
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.RESPONSE, object=f"web.schema.{name}", schema=response
    )
    return code, component, bodies


BAD_REQUEST = _answer("400", "BadRequest", "The input does not parse or is not valid.", [VALIDATION_ERRORS, ERROR])
UNAUTHORIZED = _answer(
    "401",
    "Unauthorized",
    "No credential, or a bad one.",
    [ERROR],
    {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The scheme to authenticate with."}},
)
FORBIDDEN = _answer("403", "Forbidden", "Signed in, but the policy refuses this.", [ERROR])
NOT_FOUND = _answer("404", "NotFound", "Not found, or not for this caller to know about.", [ERROR])
UNSUPPORTED_MEDIA_TYPE = _answer(
    "415", "UnsupportedMediaType", "The body's content type is not one this operation reads.", [ERROR]
)
TOO_MANY_REQUESTS = _answer(
    "429",
    "TooManyRequests",
    "Too many requests; try again later.",
    [ERROR],
    {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}},
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, and the error answers each operation can give."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: ComponentRegistry
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, component, bodies in self._error_answers(operation):
            for body in bodies:
                self.registry.register_on_missing(body)
            if code not in responses:
                self.registry.register_on_missing(component)
                responses[code] = component.ref
            elif "content" not in responses[code]:
                # The view says what the answer means; the body is the shared one.
                responses[code] = {**component.schema, **responses[code]}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_answers(self, operation: dict[str, Any]) -> list[tuple[str, ResolvedComponent, list[ResolvedComponent]]]:
        answers = []
        if "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", [])):
            answers.append(BAD_REQUEST)
        if self.view.get_authenticators():
            # A credential that is given but bad is refused even where none is required.
            answers.append(UNAUTHORIZED)
        if self._requires_sign_in():
            answers += [FORBIDDEN, NOT_FOUND]
        if "requestBody" in operation:
            answers.append(UNSUPPORTED_MEDIA_TYPE)
        if self.view.get_throttles():
            answers.append(TOO_MANY_REQUESTS)
        return answers

    def _requires_sign_in(self) -> bool:
        permissions = self.view.get_permissions()
        if not permissions or any(isinstance(permission, AllowAny) for permission in permissions):
            return False
        return not (self.method in SAFE_METHODS and any(isinstance(p, IsAuthenticatedOrReadOnly) for p in permissions))
