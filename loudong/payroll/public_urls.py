"""Residents' award slips (nominate, then vote): no login."""

from django.urls import path

from loudong.payroll import views

app_name = "payroll_public"

urlpatterns = [path("<str:key>/", views.award_slip, name="slip")]
