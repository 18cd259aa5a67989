from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    label = "supervision"
    verbose_name = "Supervisor's view"
