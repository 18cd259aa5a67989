"""Meetings' pages and API endpoints. ``cases/urls.py`` includes both lists, so the pages'
names stay in the ``cases`` namespace and the endpoints are mounted under /api/v1/ with the case
record's."""

from django.urls import path

from cases.meetings import api, views

urlpatterns = [
    path("<uuid:case_id>/meetings/", views.meeting_list, name="meeting_list"),
    path("<uuid:case_id>/meetings/schedule/", views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/reschedule/", views.meeting_reschedule, name="meeting_reschedule"),
    path("meetings/<uuid:meeting_id>/held/", views.meeting_held, name="meeting_held"),
    path("meetings/<uuid:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<uuid:meeting_id>/actions/add/", views.meeting_action_add, name="meeting_action_add"),
    path(
        "meeting-actions/<int:action_id>/complete/",
        views.meeting_action_complete,
        name="meeting_action_complete",
    ),
    path("meeting-actions/<int:action_id>/drop/", views.meeting_action_drop, name="meeting_action_drop"),
]

api_urlpatterns = [
    path("cases/<uuid:case_id>/meetings/", api.CaseMeetingsApi.as_view(), name="api-case-meetings"),
    path("meetings/<uuid:meeting_id>/", api.MeetingDetailApi.as_view(), name="api-meeting-detail"),
    path("meetings/<uuid:meeting_id>/held/", api.MeetingHeldApi.as_view(), name="api-meeting-held"),
    path("meetings/<uuid:meeting_id>/cancel/", api.MeetingCancelApi.as_view(), name="api-meeting-cancel"),
    path("meetings/<uuid:meeting_id>/actions/", api.MeetingActionsApi.as_view(), name="api-meeting-actions"),
    path(
        "meeting-actions/<int:action_id>/complete/",
        api.MeetingActionCompleteApi.as_view(),
        name="api-meeting-action-complete",
    ),
    path(
        "meeting-actions/<int:action_id>/drop/",
        api.MeetingActionDropApi.as_view(),
        name="api-meeting-action-drop",
    ),
]
