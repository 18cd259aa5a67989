"""What every API module shares: the signed-in user, and a service's ValidationError as a 400."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from agencies.models import User


def request_user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


def as_drf_error(error: DjangoValidationError) -> ValidationError:
    """A service's field errors become DRF field errors; others go under non_field_errors."""
    if hasattr(error, "error_dict"):
        return ValidationError(error.message_dict)
    return ValidationError({"non_field_errors": error.messages})
