from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "loudong.grids"
    verbose_name = "网格划分"
