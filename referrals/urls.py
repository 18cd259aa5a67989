from django.urls import path

from referrals import api, api_service, views, views_service

app_name = "referrals"

urlpatterns = [
    # A professional's referrals
    path("", views.my_referrals, name="mine"),
    path("new/", views.referral_new, name="new"),
    path("<uuid:referral_id>/", views.referral_detail, name="detail"),
    path("<uuid:referral_id>/edit/", views.referral_edit, name="edit"),
    path("<uuid:referral_id>/submit/", views.referral_submit, name="submit"),
    path("<uuid:referral_id>/add/", views.referral_add, name="add"),
    # The front door
    path("inbox/", views.inbox, name="inbox"),
    path("<uuid:referral_id>/take/", views.referral_take, name="take"),
    path("<uuid:referral_id>/triage/", views.referral_triage, name="triage"),
    path("<uuid:referral_id>/sign-off/", views.referral_sign_off, name="sign_off"),
    # Service referrals between agencies
    path("services/", views_service.service_inbox, name="service_inbox"),
    path("services/<uuid:referral_id>/", views_service.service_referral_detail, name="service_detail"),
    path("services/new/<uuid:case_id>/", views_service.service_referral_new, name="service_new"),
]

# The public concern form, without an account: mounted at /concern/ by config/urls.py.
public_urlpatterns = [
    path("", views.public_concern, name="public_concern"),
    path("received/", views.public_concern_received, name="public_concern_received"),
    path("check/", views.public_reference_check, name="public_reference_check"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("referrals/", api.ReferralListApi.as_view(), name="api-referral-list"),
    path("referrals/inbox/", api.InboxApi.as_view(), name="api-referral-inbox"),
    path("referrals/inbox/search/", api.InboxSearchApi.as_view(), name="api-referral-inbox-search"),
    path("referrals/<uuid:referral_id>/", api.ReferralDetailApi.as_view(), name="api-referral-detail"),
    path("referrals/<uuid:referral_id>/submit/", api.ReferralSubmitApi.as_view(), name="api-referral-submit"),
    path("referrals/<uuid:referral_id>/additions/", api.ReferralAdditionApi.as_view(), name="api-referral-add"),
    path("referrals/<uuid:referral_id>/take/", api.ReferralTakeApi.as_view(), name="api-referral-take"),
    path("referrals/<uuid:referral_id>/matches/", api.ReferralMatchesApi.as_view(), name="api-referral-matches"),
    path("referrals/<uuid:referral_id>/decision/", api.ReferralDecisionApi.as_view(), name="api-referral-decision"),
    path("referrals/<uuid:referral_id>/sign-off/", api.ReferralSignOffApi.as_view(), name="api-referral-sign-off"),
    path("public/concerns/", api.PublicConcernApi.as_view(), name="api-public-concern"),
    path(
        "cases/<uuid:case_id>/service-referrals/",
        api_service.CaseServiceReferralsApi.as_view(),
        name="api-case-service-referrals",
    ),
    path("service-referrals/", api_service.ServiceInboxApi.as_view(), name="api-service-inbox"),
    path(
        "service-referrals/<uuid:referral_id>/",
        api_service.ServiceReferralDetailApi.as_view(),
        name="api-service-referral-detail",
    ),
    path(
        "service-referrals/<uuid:referral_id>/answer/",
        api_service.ServiceReferralAnswerApi.as_view(),
        name="api-service-referral-answer",
    ),
]
