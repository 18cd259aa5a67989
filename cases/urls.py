"""The case record's pages and API, and those of its sub-resources (assessments, meetings,
plans), each listed in its own package's urls.py and included here: every page is named in the
``cases`` namespace (``cases:meeting_detail``), and config/urls.py mounts ``api_urlpatterns``
under /api/v1/."""

from django.urls import URLPattern, URLResolver, include, path

from cases import api, api_family, views, views_chronology, views_family
from cases.assessments import urls as assessment_urls
from cases.meetings import urls as meeting_urls
from cases.plans import urls as plan_urls

app_name = "cases"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="list"),
    path("open/", views.case_open, name="open"),
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/edit/", views.case_edit, name="edit"),
    path("<uuid:case_id>/chronology/", views_chronology.chronology, name="chronology"),
    path("<uuid:case_id>/entries/add/", views.entry_add, name="entry_add"),
    path("<uuid:case_id>/documents/", views.documents, name="documents"),
    path("<uuid:case_id>/documents/add/", views.document_upload, name="document_upload"),
    path("<uuid:case_id>/team/", views.team, name="team"),
    path("<uuid:case_id>/family/", views_family.family, name="family"),
    path("<uuid:case_id>/family/<int:link_id>/edit/", views_family.family_link_edit, name="family_link_edit"),
    path("<uuid:case_id>/team/<int:member_id>/remove/", views.team_remove, name="team_remove"),
    path("<uuid:case_id>/access-log/", views.access_log, name="access_log"),
    path("<uuid:case_id>/close/", views.closure_request, name="close"),
    path("<uuid:case_id>/close/decide/", views.closure_decide, name="closure_decide"),
    path("entries/<uuid:entry_id>/", views.entry_detail, name="entry_detail"),
    path("entries/<uuid:entry_id>/correct/", views.entry_correct, name="entry_correct"),
    path("documents/<uuid:document_id>/download/", views.document_download, name="document_download"),
    path("", include(assessment_urls.urlpatterns)),
    path("", include(meeting_urls.urlpatterns)),
    path("", include(plan_urls.urlpatterns)),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", api.CaseListApi.as_view(), name="api-case-list"),
    path("cases/search/", api.CaseSearchApi.as_view(), name="api-case-search"),
    path("cases/break-glass/", api.BreakGlassApi.as_view(), name="api-break-glass"),
    path("cases/<uuid:case_id>/", api.CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<uuid:case_id>/why/", api.CaseWhyApi.as_view(), name="api-case-why"),
    path("cases/<uuid:case_id>/entries/", api.CaseEntriesApi.as_view(), name="api-case-entries"),
    path("cases/<uuid:case_id>/entries/search/", api.CaseEntriesSearchApi.as_view(), name="api-case-entries-search"),
    path("cases/<uuid:case_id>/documents/", api.CaseDocumentsApi.as_view(), name="api-case-documents"),
    path("cases/<uuid:case_id>/team/", api.CaseTeamApi.as_view(), name="api-case-team"),
    path("cases/<uuid:case_id>/family/", api_family.CaseFamilyApi.as_view(), name="api-case-family"),
    path(
        "cases/<uuid:case_id>/family/<int:link_id>/",
        api_family.FamilyLinkApi.as_view(),
        name="api-case-family-link",
    ),
    path(
        "cases/<uuid:case_id>/team/<int:member_id>/remove/",
        api.TeamMemberRemoveApi.as_view(),
        name="api-team-member-remove",
    ),
    path("cases/<uuid:case_id>/access-log/", api.CaseAccessLogApi.as_view(), name="api-case-access-log"),
    path("cases/<uuid:case_id>/closure/", api.ClosureRequestApi.as_view(), name="api-case-closure"),
    path("cases/<uuid:case_id>/closure/decision/", api.ClosureDecisionApi.as_view(), name="api-case-closure-decision"),
    path("entries/<uuid:entry_id>/", api.EntryDetailApi.as_view(), name="api-entry-detail"),
    path("entries/<uuid:entry_id>/correct/", api.EntryCorrectApi.as_view(), name="api-entry-correct"),
    path("documents/<uuid:document_id>/download/", api.DocumentDownloadApi.as_view(), name="api-document-download"),
    path("", include(assessment_urls.api_urlpatterns)),
    path("", include(meeting_urls.api_urlpatterns)),
    path("", include(plan_urls.api_urlpatterns)),
]
