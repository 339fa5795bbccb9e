from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "loudong.evaluation"
    verbose_name = "年度评议"
