"""The account's forms: the codes of a second factor."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms

from web.forms import ServiceErrorsMixin


def _code_input(*, numeric: bool) -> forms.TextInput:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "class": "input-code"}
    if numeric:
        attrs["inputmode"] = "numeric"
    return forms.TextInput(attrs=attrs)


class ConfirmAppForm(ServiceErrorsMixin, forms.Form):
    """Setting up: the code the new app shows now."""

    code = forms.CharField(
        label="Code from the app",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows for Tandem.",
        widget=_code_input(numeric=True),
    )


class SignInCodeForm(ServiceErrorsMixin, forms.Form):
    """Signing in: a code from the app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        widget=_code_input(numeric=False),
    )


# --- choosing a password ----------------------------------------------------------------

NEW_PASSWORD_HELP = (
    "At least 12 characters, and hard to guess: not like your name or email address, and not a "  # noqa: S105
    "password seen before. A short phrase of unrelated words is strong and easy to remember."
)


class _ChosenPassword(auth_forms.SetPasswordForm):
    """Django's form, with one short help text, and a weak password's reasons shown on the new
    password (where it was typed), not on its confirmation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = NEW_PASSWORD_HELP
        self.fields["new_password2"].help_text = "The same again, to be sure of it."

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self) or {}


class SetPasswordForm(_ChosenPassword):
    """A password chosen from an emailed link (a new member, or a forgotten password)."""


class PasswordChangeForm(_ChosenPassword, auth_forms.PasswordChangeForm):
    """A new password, the current one first."""

    field_order = ["old_password", "new_password1", "new_password2"]
