"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest.

No request this API takes nests more than a few levels, and a body nested thousands deep makes
Python's decoder (or whatever walks the result later: validation, error messages) run out of
stack: a 500 for the price of a few kilobytes. Such a body is answered 400 instead, however
deep, and before any view sees it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - the body nests more than {MAX_DEPTH} levels deep."


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects or arrays more than ``limit`` deep (without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
