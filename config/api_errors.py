"""A service's ValidationError as an API's 400, shared by every API module."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError


def as_drf_error(error: DjangoValidationError, **renamed: str) -> ValidationError:
    """A service's field errors become DRF field errors (``renamed`` maps the service's field
    names to the endpoint's input names); errors of no field go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return ValidationError({renamed.get(name, name): errors for name, errors in error.message_dict.items()})
    return ValidationError({"non_field_errors": error.messages})
