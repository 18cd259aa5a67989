"""The supervisor's pages keep their paths under ``/cases/`` (``config.urls`` mounts this
module there, beside ``cases.urls``), and their endpoints under ``/api/v1/``."""

from django.urls import path

from supervision import api, api_handover, views, views_handover

app_name = "supervision"

urlpatterns = [
    path("team/", views.dashboard, name="dashboard"),
    path("team/<int:membership_id>/", views.worker_cases, name="worker"),
    path("team/<int:membership_id>/deadlines/", views.worker_deadlines, name="worker_deadlines"),
    path("team/<int:membership_id>/handover/", views_handover.handover_page, name="handover"),
    path("<uuid:case_id>/lead/", views.reassign_lead, name="reassign_lead"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("supervisor/caseload/", api.CaseloadApi.as_view(), name="api-supervisor-caseload"),
    path("supervisor/approvals/", api.ApprovalsApi.as_view(), name="api-supervisor-approvals"),
    path("cases/<uuid:case_id>/lead/", api.ReassignLeadApi.as_view(), name="api-case-lead"),
    path(
        "supervisor/team/<int:membership_id>/handover/",
        api_handover.HandoverApi.as_view(),
        name="api-supervisor-handover",
    ),
]
