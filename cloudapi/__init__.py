"""Plain-Python access to Meta's WhatsApp Cloud API (Graph API).

This package sits below every app: it imports none of them and holds no models.
"""
