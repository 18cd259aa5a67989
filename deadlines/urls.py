from django.urls import path

from deadlines import api, views

app_name = "deadlines"

urlpatterns = [
    path("tasks/", views.tasks, name="tasks"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/preference/", views.notification_preference, name="notification_preference"),
    path("<uuid:deadline_id>/extend/", views.extend, name="extend"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:extension_id>/", views.decide, name="decide"),
]

# Mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("tasks/", api.MyTasksApi.as_view(), name="api-my-tasks"),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", api.NotificationReadApi.as_view(), name="api-notification-read"),
    path("notifications/preference/", api.NotificationPreferenceApi.as_view(), name="api-notification-preference"),
]
