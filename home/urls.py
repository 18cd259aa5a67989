"""The home page's pages and its endpoint (``config.urls`` mounts ``""`` and ``/api/v1/``)."""

from django.urls import path

from home import api, views

app_name = "home"

urlpatterns = [
    path("my-work/meetings/", views.meetings, name="meetings"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("my-work/", api.MyWorkApi.as_view(), name="api-my-work"),
]
