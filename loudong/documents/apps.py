from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "loudong.documents"
    verbose_name = "文书与公示"
