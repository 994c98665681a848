"""The baseline: pywa 4.5's own Flask receiver, as small as a pywa app gets.

It checks each webhook's signature (``validate_updates`` with the app secret), parses it and skips
duplicates (pywa's in-memory cache); it stores nothing and no handler is registered, so nothing
more happens to the event. Served by run.py under gunicorn from var/bench-pywa-venv
(requirements.txt beside this file), never from the product's environment.
"""

import logging
import os

from flask import Flask
from pywa import WhatsApp

app = Flask(__name__)
wa = WhatsApp(
    phone_id=os.environ["BENCH_PHONE_NUMBER_ID"],
    token="bench-unused",  # nothing is sent
    server=app,
    webhook_endpoint="/webhooks/whatsapp/",
    verify_token="bench-verify-token",
    app_secret=os.environ["BENCH_APP_SECRET"],
    validate_updates=True,
)
logging.getLogger("pywa").setLevel(logging.WARNING)
