from django.urls import path

from . import views

app_name = "settings"

urlpatterns = [
    path("", views.settings_home, name="home"),
    path("numbers/<str:phone_number_id>/profile/", views.number_profile, name="number-profile"),
    path("numbers/<str:phone_number_id>/profile/check/", views.number_profile_check, name="number-profile-check"),
    path("people/", views.people_list, name="people"),
    path("people/add/", views.person_add, name="person-add"),
    path("people/<id:pk>/", views.person_detail, name="person-detail"),
    path("people/<id:pk>/active/", views.person_active, name="person-active"),
    path("people/<id:pk>/password-link/", views.person_password_link, name="person-password-link"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_log_csv, name="audit-log-csv"),
]
