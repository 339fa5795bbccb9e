from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "loudong.fieldwork"
    verbose_name = "日常工作"
