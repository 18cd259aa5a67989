"""What every app's forms share: a service's errors shown on the form (the pages' half of what
``api_errors`` does for the API)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class ServiceErrorsMixin:
    """Show a service's ValidationError on the field it names (``service_field_aliases`` maps
    the service's names to this form's), or above the form when it names none."""

    service_field_aliases: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        assert isinstance(self, forms.Form)
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                name = self.service_field_aliases.get(name, name)
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)
