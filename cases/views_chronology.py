"""The case's chronology tab: every entry the user may see, opened in place to read it, with
filters by date, agency, kind and significance (in the URL: codes and dates only) and a search
of the entries' text (posted and kept in the session per case: the words may name a person).

Thin, like ``cases.views``: the case through the policy's door, the entries through
``cases.queries.chronology``, which starts from the entries the policy lets this user see."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from access_control import policy
from access_control.policy import Action
from access_control.request_context import request_user
from agencies.models import User
from cases import queries
from cases.filters import ChronologyFilters
from cases.forms_chronology import ChronologySearchForm
from cases.models import ChronologyEntry
from web.pagination import PageWithCount

ENTRIES_PER_PAGE = 20
# The words searched for, by case id: {"<case id>": "words"}.
SEARCH_SESSION_KEY = "chronology_search"


def searched(request: HttpRequest, case_id: UUID) -> str:
    """The words this session last searched this case's chronology for ("" for none)."""
    kept = request.session.get(SEARCH_SESSION_KEY)
    words = kept.get(str(case_id), "") if isinstance(kept, dict) else ""
    return words if isinstance(words, str) else ""


def _keep_search(request: HttpRequest, case_id: UUID, words: str) -> None:
    kept = request.session.get(SEARCH_SESSION_KEY)
    kept = dict(kept) if isinstance(kept, dict) else {}
    if words:
        kept[str(case_id)] = words
    else:
        kept.pop(str(case_id), None)
    request.session[SEARCH_SESSION_KEY] = kept


def _filter_query(data: QueryDict) -> str:
    """The filters as they were asked for, to carry to the next page and back from a search."""
    return urlencode({name: data[name] for name in ChronologyFilters.base_filters if data.get(name)})


@login_required
@require_http_methods(["GET", "POST"])
def chronology(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = request_user(request)
    query = _filter_query(request.GET)
    if request.method == "POST":
        # The door first: a case out of sight answers 404 and nothing is kept.
        policy.get_case(user, case_id)
        search_form = ChronologySearchForm(request.POST)
        if request.POST.get("action") == "clear":
            _keep_search(request, case_id, "")
        elif search_form.is_valid():
            _keep_search(request, case_id, " ".join(search_form.cleaned_data["words"].split()))
        else:
            return _page(request, user, case_id, query=query, search_form=search_form)
        url = reverse("cases:chronology", kwargs={"case_id": case_id})
        return redirect(f"{url}?{query}" if query else url)
    return _page(request, user, case_id, query=query)


def _page(
    request: HttpRequest, user: User, case_id: UUID, *, query: str, search_form: ChronologySearchForm | None = None
) -> HttpResponse:
    words = searched(request, case_id)
    # The view of the case and the listing (or search) of its entries: one access-log write.
    # The words searched for are not logged: only that the chronology was searched.
    with policy.get_case(user, case_id, log_with_page=True) as access:
        filters = ChronologyFilters(request.GET, agencies=queries.entry_agencies(access))
        criteria = filters.criteria()
        entries = queries.chronology_to_read(
            access,
            agency_id=criteria.get("agency"),
            kind=criteria.get("kind", ""),
            significance=criteria.get("significance", ""),
            date_from=criteria.get("date_from"),
            date_to=criteria.get("date_to"),
            search=words,
        )
        page = PageWithCount(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        rows_on_page: list[ChronologyEntry] = list(page.object_list)
        histories = queries.correction_histories(access, rows_on_page)
        action = "search_entries" if words else "list_entries"
        access.log_many([access.event(action, object_type="chronologyentry")])
    rows = [{"entry": entry, "history": histories.get(entry.pk, [])} for entry in rows_on_page]
    return render(
        request,
        "cases/chronology.html",
        {
            "access": access,
            "case": access.case,
            "tab": "chronology",
            "page": page,
            "rows": rows,
            "query": query,
            "filters": filters.form,
            "filters_invalid": filters.is_bound and not filters.is_valid(),
            "filtered": bool(query),
            "search": search_form or ChronologySearchForm(initial={"words": words}),
            "words": words,
            "me": user.pk,
            "may_add_entry": access.can(Action.ADD_ENTRY).allowed,
        },
        status=400 if search_form is not None else 200,
    )
