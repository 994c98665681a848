from django.urls import path

from . import views, webhooks

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("c/new/", views.conversation_new, name="conversation-new"),
    path("c/<int:pk>/", views.conversation_detail, name="conversation-detail"),
    path("c/<int:pk>/messages/", views.conversation_messages, name="conversation-messages"),
    path("c/<int:pk>/older/", views.conversation_older, name="conversation-older"),
    path("c/<int:pk>/compose/", views.conversation_compose, name="conversation-compose"),
    path("c/<int:pk>/send/", views.conversation_send, name="conversation-send"),
    path("c/<int:pk>/typing/", views.conversation_typing, name="conversation-typing"),
    path("c/<int:pk>/assign/", views.conversation_assign, name="conversation-assign"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/notes/", views.contact_notes, name="contact-notes"),
    path("webhooks/whatsapp/", webhooks.whatsapp_webhook, name="webhook"),
]
