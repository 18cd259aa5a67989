from django.urls import path

from cases import (
    api,
    api_assessment,
    api_meeting,
    api_plan,
    api_supervisor,
    views,
    views_assessment,
    views_meeting,
    views_plan,
    views_supervisor,
)

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
    path("<uuid:case_id>/assessments/", views_assessment.assessment_list, name="assessments"),
    path("<uuid:case_id>/assessments/open/", views_assessment.assessment_open, name="assessment_open"),
    path("assessments/<uuid:assessment_id>/", views_assessment.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<uuid:assessment_id>/contributions/request/",
        views_assessment.contributions_request,
        name="contributions_request",
    ),
    path(
        "assessments/<uuid:assessment_id>/contributions/<uuid:contribution_id>/withdraw/",
        views_assessment.contribution_withdraw,
        name="contribution_withdraw",
    ),
    path("assessments/<uuid:assessment_id>/analysis/", views_assessment.analysis_edit, name="assessment_analysis"),
    path("assessments/<uuid:assessment_id>/submit/", views_assessment.assessment_submit, name="assessment_submit"),
    path("assessments/<uuid:assessment_id>/decide/", views_assessment.assessment_decide, name="assessment_decide"),
    path("contributions/<uuid:contribution_id>/", views_assessment.contribution_edit, name="contribution_edit"),
    # Meetings (views_meeting)
    path("<uuid:case_id>/meetings/", views_meeting.meeting_list, name="meeting_list"),
    path("<uuid:case_id>/meetings/schedule/", views_meeting.meeting_schedule, name="meeting_schedule"),
    path("meetings/<uuid:meeting_id>/", views_meeting.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/reschedule/", views_meeting.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<uuid:meeting_id>/held/", views_meeting.meeting_held, name="meeting_held"),
    path("meetings/<uuid:meeting_id>/cancel/", views_meeting.meeting_cancel, name="meeting_cancel"),
    path("meetings/<uuid:meeting_id>/actions/add/", views_meeting.meeting_action_add, name="meeting_action_add"),
    path(
        "meeting-actions/<int:action_id>/complete/",
        views_meeting.meeting_action_complete,
        name="meeting_action_complete",
    ),
    path("meeting-actions/<int:action_id>/drop/", views_meeting.meeting_action_drop, name="meeting_action_drop"),
    # Plans (views_plan)
    path("<uuid:case_id>/plan/", views_plan.plan, name="plan"),
    path("<uuid:case_id>/plan/start/", views_plan.plan_start, name="plan_start"),
    path("plans/<uuid:plan_id>/", views_plan.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/outcomes/add/", views_plan.outcome_add, name="plan_outcome_add"),
    path("plans/<uuid:plan_id>/outcomes/<int:outcome_id>/edit/", views_plan.outcome_edit, name="plan_outcome_edit"),
    path("plans/<uuid:plan_id>/actions/add/", views_plan.action_add, name="plan_action_add"),
    path("plans/<uuid:plan_id>/review/", views_plan.plan_review, name="plan_review"),
    path("plans/<uuid:plan_id>/end/", views_plan.plan_end, name="plan_end"),
    path("plan-actions/<int:action_id>/", views_plan.action_detail, name="plan_action"),
    path("plan-actions/<int:action_id>/complete/", views_plan.action_complete, name="plan_action_complete"),
    path("plan-actions/<int:action_id>/drop/", views_plan.action_drop, name="plan_action_drop"),
    # Supervisor's view and lead reassignment (views_supervisor)
    path("team/", views_supervisor.dashboard, name="supervisor"),
    path("team/<int:membership_id>/", views_supervisor.worker_cases, name="supervisor_worker"),
    path(
        "team/<int:membership_id>/deadlines/",
        views_supervisor.worker_deadlines,
        name="supervisor_worker_deadlines",
    ),
    path("<uuid:case_id>/lead/", views_supervisor.reassign_lead, name="reassign_lead"),
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
    path("cases/<uuid:case_id>/assessments/", api_assessment.CaseAssessmentsApi.as_view(), name="api-case-assessments"),
    path("assessments/<uuid:assessment_id>/", api_assessment.AssessmentDetailApi.as_view(), name="api-assessment"),
    path(
        "assessments/<uuid:assessment_id>/contributions/",
        api_assessment.ContributionRequestApi.as_view(),
        name="api-assessment-contributions",
    ),
    path(
        "assessments/<uuid:assessment_id>/contributions/<uuid:contribution_id>/withdraw/",
        api_assessment.ContributionWithdrawApi.as_view(),
        name="api-contribution-withdraw",
    ),
    path(
        "assessments/<uuid:assessment_id>/analysis/",
        api_assessment.AnalysisApi.as_view(),
        name="api-assessment-analysis",
    ),
    path(
        "assessments/<uuid:assessment_id>/submit/",
        api_assessment.AssessmentSubmitApi.as_view(),
        name="api-assessment-submit",
    ),
    path(
        "assessments/<uuid:assessment_id>/decision/",
        api_assessment.AssessmentDecisionApi.as_view(),
        name="api-assessment-decision",
    ),
    path("contributions/<uuid:contribution_id>/", api_assessment.ContributionApi.as_view(), name="api-contribution"),
    path(
        "contributions/<uuid:contribution_id>/submit/",
        api_assessment.ContributionSubmitApi.as_view(),
        name="api-contribution-submit",
    ),
    # Meetings (api_meeting)
    path("cases/<uuid:case_id>/meetings/", api_meeting.CaseMeetingsApi.as_view(), name="api-case-meetings"),
    path("meetings/<uuid:meeting_id>/", api_meeting.MeetingDetailApi.as_view(), name="api-meeting-detail"),
    path("meetings/<uuid:meeting_id>/held/", api_meeting.MeetingHeldApi.as_view(), name="api-meeting-held"),
    path("meetings/<uuid:meeting_id>/cancel/", api_meeting.MeetingCancelApi.as_view(), name="api-meeting-cancel"),
    path("meetings/<uuid:meeting_id>/actions/", api_meeting.MeetingActionsApi.as_view(), name="api-meeting-actions"),
    path(
        "meeting-actions/<int:action_id>/complete/",
        api_meeting.MeetingActionCompleteApi.as_view(),
        name="api-meeting-action-complete",
    ),
    path(
        "meeting-actions/<int:action_id>/drop/",
        api_meeting.MeetingActionDropApi.as_view(),
        name="api-meeting-action-drop",
    ),
    # Plans (api_plan)
    path("cases/<uuid:case_id>/plan/", api_plan.CasePlanApi.as_view(), name="api-case-plan"),
    path("plans/<uuid:plan_id>/", api_plan.PlanDetailApi.as_view(), name="api-plan-detail"),
    path("plans/<uuid:plan_id>/outcomes/", api_plan.PlanOutcomesApi.as_view(), name="api-plan-outcomes"),
    path(
        "plans/<uuid:plan_id>/outcomes/<int:outcome_id>/",
        api_plan.PlanOutcomeDetailApi.as_view(),
        name="api-plan-outcome-detail",
    ),
    path("plans/<uuid:plan_id>/actions/", api_plan.PlanActionsApi.as_view(), name="api-plan-actions"),
    path("plans/<uuid:plan_id>/reviews/", api_plan.PlanReviewsApi.as_view(), name="api-plan-reviews"),
    path("plans/<uuid:plan_id>/end/", api_plan.PlanEndApi.as_view(), name="api-plan-end"),
    path("plan-actions/<int:action_id>/", api_plan.PlanActionDetailApi.as_view(), name="api-plan-action-detail"),
    path(
        "plan-actions/<int:action_id>/progress/",
        api_plan.PlanActionProgressApi.as_view(),
        name="api-plan-action-progress",
    ),
    path(
        "plan-actions/<int:action_id>/complete/",
        api_plan.PlanActionCompleteApi.as_view(),
        name="api-plan-action-complete",
    ),
    path("plan-actions/<int:action_id>/drop/", api_plan.PlanActionDropApi.as_view(), name="api-plan-action-drop"),
    # Supervisor's view and lead reassignment (api_supervisor)
    path("supervisor/caseload/", api_supervisor.CaseloadApi.as_view(), name="api-supervisor-caseload"),
    path("supervisor/approvals/", api_supervisor.ApprovalsApi.as_view(), name="api-supervisor-approvals"),
    path("cases/<uuid:case_id>/lead/", api_supervisor.ReassignLeadApi.as_view(), name="api-case-lead"),
]
