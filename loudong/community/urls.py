from django.urls import include, path

from loudong.community import views

app_name = "community"

urlpatterns = [
    path("groups/", views.groups, name="groups"),
    path("communities/<id:pk>/groups/new/", views.register, name="register_group"),
    path("groups/<id:pk>/deactivate/", views.deactivate, name="deactivate_group"),
    # 自愿轮值单元长, 业务培训, 防护物资, 外来人员登记
    path("", include("loudong.community.duty_urls")),
]
