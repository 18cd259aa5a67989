from django.urls import path

from cases import api, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("open/", views.case_open, name="open"),
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/edit/", views.case_edit, name="edit"),
    path("<uuid:case_id>/entries/add/", views.entry_add, name="entry_add"),
    path("<uuid:case_id>/documents/add/", views.document_upload, name="document_upload"),
    path("<uuid:case_id>/team/", views.team, name="team"),
    path("<uuid:case_id>/team/<int:member_id>/remove/", views.team_remove, name="team_remove"),
    path("<uuid:case_id>/access-log/", views.access_log, name="access_log"),
    path("<uuid:case_id>/close/", views.closure_request, name="close"),
    path("<uuid:case_id>/close/decide/", views.closure_decide, name="closure_decide"),
    path("entries/<uuid:entry_id>/", views.entry_detail, name="entry_detail"),
    path("entries/<uuid:entry_id>/correct/", views.entry_correct, name="entry_correct"),
    path("documents/<uuid:document_id>/download/", views.document_download, name="document_download"),
    # Joint assessments (views_assessment)
    # Meetings (views_meeting)
    # Plans (views_plan)
    # Supervisor's view and lead reassignment (views_supervisor)
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="api-case-list"),
    path("cases/search/", api.CaseSearchApi.as_view(), name="api-case-search"),
    path("cases/break-glass/", api.BreakGlassApi.as_view(), name="api-break-glass"),
    path("cases/<uuid:case_id>/", api.CaseDetailApi.as_view(), name="api-case-detail"),
    path("cases/<uuid:case_id>/why/", api.CaseWhyApi.as_view(), name="api-case-why"),
    path("cases/<uuid:case_id>/entries/", api.CaseEntriesApi.as_view(), name="api-case-entries"),
    path("cases/<uuid:case_id>/documents/", api.CaseDocumentsApi.as_view(), name="api-case-documents"),
    path("cases/<uuid:case_id>/team/", api.CaseTeamApi.as_view(), name="api-case-team"),
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
    # Joint assessments (api_assessment)
    # Meetings (api_meeting)
    # Plans (api_plan)
    # Supervisor's view and lead reassignment (api_supervisor)
]
