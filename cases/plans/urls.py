"""Plans' pages and API endpoints. ``cases/urls.py`` includes both lists, so the pages'
names stay in the ``cases`` namespace and the endpoints are mounted under /api/v1/ with the case
record's."""

from django.urls import path

from cases.plans import api, views

urlpatterns = [
    path("<uuid:case_id>/plan/", views.plan, name="plan"),
    path("<uuid:case_id>/plan/start/", views.plan_start, name="plan_start"),
    path("plans/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/outcomes/add/", views.outcome_add, name="plan_outcome_add"),
    path("plans/<uuid:plan_id>/outcomes/<int:outcome_id>/edit/", views.outcome_edit, name="plan_outcome_edit"),
    path("plans/<uuid:plan_id>/actions/add/", views.action_add, name="plan_action_add"),
    path("plans/<uuid:plan_id>/review/", views.plan_review, name="plan_review"),
    path("plans/<uuid:plan_id>/end/", views.plan_end, name="plan_end"),
    path("plan-actions/<int:action_id>/", views.action_detail, name="plan_action"),
    path("plan-actions/<int:action_id>/complete/", views.action_complete, name="plan_action_complete"),
    path("plan-actions/<int:action_id>/drop/", views.action_drop, name="plan_action_drop"),
]

api_urlpatterns = [
    path("cases/<uuid:case_id>/plan/", api.CasePlanApi.as_view(), name="api-case-plan"),
    path("plans/<uuid:plan_id>/", api.PlanDetailApi.as_view(), name="api-plan-detail"),
    path("plans/<uuid:plan_id>/outcomes/", api.PlanOutcomesApi.as_view(), name="api-plan-outcomes"),
    path(
        "plans/<uuid:plan_id>/outcomes/<int:outcome_id>/",
        api.PlanOutcomeDetailApi.as_view(),
        name="api-plan-outcome-detail",
    ),
    path("plans/<uuid:plan_id>/actions/", api.PlanActionsApi.as_view(), name="api-plan-actions"),
    path("plans/<uuid:plan_id>/reviews/", api.PlanReviewsApi.as_view(), name="api-plan-reviews"),
    path("plans/<uuid:plan_id>/end/", api.PlanEndApi.as_view(), name="api-plan-end"),
    path("plan-actions/<int:action_id>/", api.PlanActionDetailApi.as_view(), name="api-plan-action-detail"),
    path(
        "plan-actions/<int:action_id>/progress/",
        api.PlanActionProgressApi.as_view(),
        name="api-plan-action-progress",
    ),
    path(
        "plan-actions/<int:action_id>/complete/",
        api.PlanActionCompleteApi.as_view(),
        name="api-plan-action-complete",
    ),
    path("plan-actions/<int:action_id>/drop/", api.PlanActionDropApi.as_view(), name="api-plan-action-drop"),
]
