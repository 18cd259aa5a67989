from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The home page ("My work"): a practitioner's day at a glance, read across every app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "home"
