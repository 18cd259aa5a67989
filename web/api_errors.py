"""A service's ValidationError as an API's 400, answered once for every API view.

Services validate with Django's ValidationError, which DRF would let through as a 500. The
handler set as DRF's ``EXCEPTION_HANDLER`` turns it into the 400 a serializer's own error
gets, so no API view catches it; every other exception is answered exactly as DRF answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and a service's ValidationError as field errors by field. A view whose
    input names a field differently from the service says so in ``service_field_aliases``
    (the service's names to the endpoint's), as the pages' forms do."""
    if isinstance(exc, DjangoValidationError):
        exc = _as_drf_error(exc, getattr(context["view"], "service_field_aliases", {}))
    return exception_handler(exc, context)


def _as_drf_error(error: DjangoValidationError, aliases: Mapping[str, str]) -> ValidationError:
    """Field errors under the endpoint's input names; errors of no field under non_field_errors."""
    if hasattr(error, "error_dict"):
        return ValidationError({aliases.get(name, name): errors for name, errors in error.message_dict.items()})
    return ValidationError({"non_field_errors": error.messages})
