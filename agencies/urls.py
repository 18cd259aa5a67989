from django.urls import path

from agencies import api, api_security, views, views_security

app_name = "agencies"

urlpatterns = [
    path("<int:agency_id>/members/", views.member_list, name="member_list"),
    path("<int:agency_id>/members/invite/", views.member_invite, name="member_invite"),
    path("<int:agency_id>/members/<int:membership_id>/", views.member_detail, name="member_detail"),
    path("<int:agency_id>/members/<int:membership_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("<int:agency_id>/members/<int:membership_id>/unlock/", views_security.member_unlock, name="member_unlock"),
    path("<int:agency_id>/security-log/", views_security.security_log, name="security_log"),
    path(
        "<int:agency_id>/members/<int:membership_id>/second-factor/reset/",
        views.member_reset_second_factor,
        name="member_reset_second_factor",
    ),
    path(
        "<int:agency_id>/members/<int:membership_id>/api-tokens/revoke/",
        views.member_revoke_tokens,
        name="member_revoke_tokens",
    ),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("memberships/", api.MyMembershipsApi.as_view(), name="api-my-memberships"),
    path("agencies/<int:agency_id>/members/", api.MemberListApi.as_view(), name="api-member-list"),
    path("agencies/<int:agency_id>/members/search/", api.MemberSearchApi.as_view(), name="api-member-search"),
    path("agencies/<int:agency_id>/security-log/", api_security.SecurityLogApi.as_view(), name="api-security-log"),
    path(
        "agencies/<int:agency_id>/members/<int:membership_id>/", api.MemberDetailApi.as_view(), name="api-member-detail"
    ),
    path(
        "agencies/<int:agency_id>/members/<int:membership_id>/deactivate/",
        api.MemberDeactivateApi.as_view(),
        name="api-member-deactivate",
    ),
]
