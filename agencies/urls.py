from django.urls import path

from agencies import api, views

app_name = "agencies"

urlpatterns = [
    path("<int:agency_id>/members/", views.member_list, name="member_list"),
    path("<int:agency_id>/members/invite/", views.member_invite, name="member_invite"),
    path("<int:agency_id>/members/<int:membership_id>/", views.member_detail, name="member_detail"),
    path("<int:agency_id>/members/<int:membership_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("auth/token/", api.ObtainTokenApi.as_view(), name="api-token"),
    path("memberships/", api.MyMembershipsApi.as_view(), name="api-my-memberships"),
    path("agencies/<int:agency_id>/members/", api.MemberListApi.as_view(), name="api-member-list"),
    path(
        "agencies/<int:agency_id>/members/<int:membership_id>/", api.MemberDetailApi.as_view(), name="api-member-detail"
    ),
    path(
        "agencies/<int:agency_id>/members/<int:membership_id>/deactivate/",
        api.MemberDeactivateApi.as_view(),
        name="api-member-deactivate",
    ),
]
