import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.console.tabs_settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
