from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("parameters/", views.campaign_parameters, name="campaign-parameters"),
    path("<id:pk>/", views.campaign_detail, name="campaign-detail"),
    path("<id:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("<id:pk>/dry-run/", views.campaign_dry_run, name="campaign-dry-run"),
    path("<id:pk>/launch/", views.campaign_launch, name="campaign-launch"),
    path("<id:pk>/test-send/", views.campaign_test_send, name="campaign-test-send"),
    path("<id:pk>/pause/", views.campaign_pause, name="campaign-pause"),
    path("<id:pk>/resume/", views.campaign_resume, name="campaign-resume"),
    path("<id:pk>/cancel/", views.campaign_cancel, name="campaign-cancel"),
    path("<id:pk>/progress/", views.campaign_progress, name="campaign-progress"),
    path("<id:pk>/rate/", views.campaign_rate, name="campaign-rate"),
    path("<id:pk>/cost/", views.campaign_cost, name="campaign-cost"),
    path("<id:pk>/export.csv", views.campaign_export, name="campaign-export"),
]
