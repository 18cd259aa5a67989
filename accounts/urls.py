from django.urls import path

from accounts import views

app_name = "accounts"

# Mounted at /accounts/ beside Django's sign-in, sign-out and password reset (config/urls.py).
urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
