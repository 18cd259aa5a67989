"""``/favicon.ico``, which browsers ask for on their own: sent on to the icon among the static
files (``templates/base.html`` names it too), so a first visit has no 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe

FAVICON = "favicon.svg"


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    # Not permanent: in production the static name carries a hash of its content.
    return HttpResponseRedirect(static(FAVICON))
