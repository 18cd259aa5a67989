"""The chronology tab's search box: words looked for in the case's entries. What is typed may
name a person, so it is posted and kept in the session, never put in a URL or the access log."""

from __future__ import annotations

from django import forms

SEARCH_MAX_LENGTH = 200


class ChronologySearchForm(forms.Form):
    words = forms.CharField(
        label="Words to look for",
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        strip=True,
        help_text="Finds the entries whose title or detail has every word you type, in capitals or not.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
        error_messages={"max_length": f"Search for at most {SEARCH_MAX_LENGTH} characters."},
    )
