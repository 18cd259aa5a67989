from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as account_urls
from accounts import views_lockout
from agencies import urls as agency_urls
from cases import urls as case_urls
from config.health import healthz
from deadlines import urls as deadline_urls
from home import urls as home_urls
from home import views as home_views
from referrals import urls as referral_urls
from supervision import urls as supervision_urls
from web.csp_reports import csp_report
from web.favicon import favicon

urlpatterns = [
    path("", home_views.home, name="home"),
    path("", include("home.urls")),
    path("healthz", healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp_report"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views_lockout.PasswordReset.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views_lockout.SetPassword.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/", include("accounts.urls")),
    path("agencies/", include("agencies.urls")),
    # The supervisor's pages share the /cases/ prefix; mounted first so that no pattern of
    # cases, now or later, can take their paths.
    path("cases/", include("supervision.urls")),
    path("cases/", include("cases.urls")),
    path("referrals/", include("referrals.urls")),
    path("deadlines/", include("deadlines.urls")),
    path("concern/", include((referral_urls.public_urlpatterns, "public"))),
    path("api/v1/", include(account_urls.api_urlpatterns)),
    path("api/v1/", include(agency_urls.api_urlpatterns)),
    path("api/v1/", include(case_urls.api_urlpatterns)),
    path("api/v1/", include(supervision_urls.api_urlpatterns)),
    path("api/v1/", include(referral_urls.api_urlpatterns)),
    path("api/v1/", include(deadline_urls.api_urlpatterns)),
    path("api/v1/", include(home_urls.api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI (served from drf-spectacular-sidecar, never a CDN) sets inline styles
    # as it renders; this page alone lets styles, not scripts, be inline.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
