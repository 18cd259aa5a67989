"""What every app's forms share: a service's errors shown on the form (the pages' half of what
``api_errors`` does for the API), and ``saved``, the one way a page hands a valid form to its
service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

T = TypeVar("T")


class ServiceErrorsMixin:
    """Show a service's ValidationError on the field it names (``service_field_aliases`` maps
    the service's names to this form's), or above the form when it names none."""

    service_field_aliases: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        assert isinstance(self, forms.Form)
        if hasattr(error, "error_dict"):
            for name, texts in error.message_dict.items():
                name = self.service_field_aliases.get(name, name)
                self.add_error(name if name in self.fields else None, texts)
        else:
            self.add_error(None, error.messages)


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What the service answered for an accepted form (a created object, for the redirect)."""

    result: T


def saved(
    request: HttpRequest,
    form: ServiceErrorsMixin,
    save: Callable[[dict[str, Any]], T],
    success: str | None = None,
) -> Saved[T] | None:
    """Hand a posted, valid form's ``cleaned_data`` to ``save`` (the service call) and show
    ``success`` when the service accepts it: the answer is then ``Saved``, and the page redirects.

    Otherwise ``None``, and the page renders the form again, with what was typed and every error
    at once: the form's own, or the service's ValidationError on the fields it names (the rest
    above the form). Only a ValidationError is caught: a service's PermissionDenied still
    answers 403. A message built from what was saved or chosen is the page's to add."""
    assert isinstance(form, forms.Form)
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as error:
        form.add_service_errors(error)
        return None
    if success is not None:
        messages.success(request, success)
    return Saved(result)
