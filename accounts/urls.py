from django.urls import path

from accounts import api, views, views_mfa

app_name = "accounts"

# Mounted at /accounts/ beside Django's sign-in, sign-out and password reset (config/urls.py).
urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    # API tokens: one revoked, or all (each asks first).
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("tokens/revoke-all/", views.tokens_revoke_all, name="tokens_revoke_all"),
    # A second factor: setting it up, new recovery codes, and the code step of signing in.
    path("two-factor/", views_mfa.enrol, name="mfa_enrol"),
    path("two-factor/recovery-codes/", views_mfa.recovery_codes, name="mfa_recovery_codes"),
    path("two-factor/code/", views_mfa.verify, name="mfa_verify"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("auth/token/", api.ObtainTokenApi.as_view(), name="api-token"),
    path("auth/tokens/", api.MyTokensApi.as_view(), name="api-my-tokens"),
    path("auth/tokens/<int:token_id>/", api.MyTokenApi.as_view(), name="api-my-token"),
    path("auth/logout/", api.LogoutApi.as_view(), name="api-logout"),
]
