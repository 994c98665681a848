from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("templates/", views.templates, name="templates"),
    path("cost/", views.cost, name="cost"),
    path("cost/refresh/", views.cost_refresh, name="cost-refresh"),
]
