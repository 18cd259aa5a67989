"""Joint assessments' pages and API endpoints. ``cases/urls.py`` includes both lists, so the pages'
names stay in the ``cases`` namespace and the endpoints are mounted under /api/v1/ with the case
record's."""

from django.urls import path

from cases.assessments import api, views

urlpatterns = [
    path("<uuid:case_id>/assessments/", views.assessment_list, name="assessments"),
    path("<uuid:case_id>/assessments/open/", views.assessment_open, name="assessment_open"),
    path("assessments/<uuid:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<uuid:assessment_id>/contributions/request/",
        views.contributions_request,
        name="contributions_request",
    ),
    path(
        "assessments/<uuid:assessment_id>/contributions/<uuid:contribution_id>/withdraw/",
        views.contribution_withdraw,
        name="contribution_withdraw",
    ),
    path("assessments/<uuid:assessment_id>/analysis/", views.analysis_edit, name="assessment_analysis"),
    path("assessments/<uuid:assessment_id>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<uuid:assessment_id>/decide/", views.assessment_decide, name="assessment_decide"),
    path("contributions/<uuid:contribution_id>/", views.contribution_edit, name="contribution_edit"),
]

api_urlpatterns = [
    path("cases/<uuid:case_id>/assessments/", api.CaseAssessmentsApi.as_view(), name="api-case-assessments"),
    path("assessments/<uuid:assessment_id>/", api.AssessmentDetailApi.as_view(), name="api-assessment"),
    path(
        "assessments/<uuid:assessment_id>/contributions/",
        api.ContributionRequestApi.as_view(),
        name="api-assessment-contributions",
    ),
    path(
        "assessments/<uuid:assessment_id>/contributions/<uuid:contribution_id>/withdraw/",
        api.ContributionWithdrawApi.as_view(),
        name="api-contribution-withdraw",
    ),
    path(
        "assessments/<uuid:assessment_id>/analysis/",
        api.AnalysisApi.as_view(),
        name="api-assessment-analysis",
    ),
    path(
        "assessments/<uuid:assessment_id>/submit/",
        api.AssessmentSubmitApi.as_view(),
        name="api-assessment-submit",
    ),
    path(
        "assessments/<uuid:assessment_id>/decision/",
        api.AssessmentDecisionApi.as_view(),
        name="api-assessment-decision",
    ),
    path("contributions/<uuid:contribution_id>/", api.ContributionApi.as_view(), name="api-contribution"),
    path(
        "contributions/<uuid:contribution_id>/submit/",
        api.ContributionSubmitApi.as_view(),
        name="api-contribution-submit",
    ),
]
