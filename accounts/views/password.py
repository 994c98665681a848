"""The set-password page a new person opens from the link an administrator handed them."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's password-reset confirmation (its token, its one-time use), in our look, for active
    people only; afterwards the person logs in with the new password."""

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Log in with it now.")
        return response


password_set = SetPasswordView.as_view()
