from django.urls import path

from . import views

app_name = "settings"

urlpatterns = [
    path("", views.settings_home, name="home"),
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/connect/", views.account_connect, name="account-connect"),
    path("accounts/<id:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<id:pk>/test/", views.account_test, name="account-test"),
    path("accounts/<id:pk>/subscribe/", views.account_subscribe, name="account-subscribe"),
    path("accounts/<id:pk>/rotate/", views.account_rotate, name="account-rotate"),
    path("accounts/<id:pk>/disconnect/", views.account_disconnect, name="account-disconnect"),
    path("accounts/<id:pk>/reconnect/", views.account_reconnect, name="account-reconnect"),
]
