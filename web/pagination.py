"""Pages of a list read through the policy, for the pages and the API alike."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# PostgreSQL's OFFSET and LIMIT are bigints.
LARGEST_OFFSET = 2**63 - 1


class PageWithCount(Paginator[Any]):
    """A paginator for a list read through the policy: the page's rows and the number of all
    rows come in one query (``COUNT(*) OVER ()`` on the page), not a COUNT and then the page,
    which for the policy's reads would plan the user's id lists twice. Only when there is no
    row to carry the count (a page past the end) does it count the usual way.

    For lists as long as the user's own work (a caseload, what waits at a front door): the
    count is taken over every row before the page is cut, so every row is sorted. A list as
    long as a front door's whole history is paged the usual way (a COUNT, then a top-N page)."""

    COUNTED = "rows_in_all_pages"

    def get_page(self, number: Any) -> Page[Any]:
        # Django's asks for the count first, to check the number: read the page, then check.
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number: Any) -> Page[Any]:
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # PageNotAnInteger, as Django says it
        bottom = (wanted - 1) * self.per_page
        # A page whose rows start past what an OFFSET can say (a bigint) is past the end:
        # Django counts and says EmptyPage, where the query would fail.
        too_far = bottom + self.per_page > LARGEST_OFFSET
        if wanted < 1 or too_far or self.orphans or not isinstance(self.object_list, QuerySet):
            return super().page(number)
        counted = self.object_list.annotate(**{self.COUNTED: Window(Count("pk"))})
        rows = list(counted[bottom : bottom + self.per_page])
        if not rows and (wanted > 1 or not self.allow_empty_first_page):
            return super().page(number)  # EmptyPage, as Django says it
        self.__dict__["count"] = getattr(rows[0], self.COUNTED) if rows else 0
        return Page(rows, wanted, self)


class CountedPagination(PageNumberPagination):
    """An API's pages of a policy read whose rows and total come in one query (``PageWithCount``)."""

    django_paginator_class = PageWithCount


class PaginatedApi(APIView):
    """An endpoint whose GET answers one page of rows (``?page=``)."""

    pagination_class: type[PageNumberPagination] = PageNumberPagination

    def paginated_response(
        self,
        request: Request,
        rows: QuerySet[Any],
        serializer_class: type[serializers.ModelSerializer[Any]],
        *,
        pagination: type[PageNumberPagination] | None = None,
    ) -> Response:
        paginator = (pagination or self.pagination_class)()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)
