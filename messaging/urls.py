from django.urls import path

from . import views, webhooks

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation-detail"),
    path("c/<int:pk>/messages/", views.conversation_messages, name="conversation-messages"),
    path("c/<int:pk>/send/", views.conversation_send, name="conversation-send"),
    path("webhooks/whatsapp/", webhooks.whatsapp_webhook, name="webhook"),
]
