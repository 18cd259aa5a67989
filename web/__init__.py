"""The ground floor: the web plumbing every app shares, kept low so no app reaches up or
across to another app's views for it.

Here: the API's exception handler (a service's ValidationError answered as a 400 by field,
``api_errors``) and the pages' half of it (``forms.ServiceErrorsMixin``, the same errors shown
on the form's fields; ``forms.saved``, a page's form handed to its service); pagination
(``PageWithCount``, which counts a policy read's rows in the same query as its page, for pages
and API alike; ``PaginatedApi`` for an endpoint answering one page); the list filters pages and
API share (``filters``); the response headers every answer carries (``middleware``), the API's
JSON parser with a bound on nesting (``parsers``), its throttles that fail open without Redis
(``throttling``) and where the CSP reports what it blocked (``csp_reports``).

``web`` imports Django, DRF, their libraries and the standard library, and no app of this
project: not even ``agencies``, which stands on it. So what needs a domain model stays with
that model, one floor up: the reference serializers of people and agencies in ``agencies.api``, which every
domain app may import; a child's brief with the case record in ``cases.api``, which
``referrals`` (built on cases) may import.
"""
