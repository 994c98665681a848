"""Settings for the open consoles benchmark (bench/console/tabs.py): the console benchmark's, on its
own small database, with a bare view beside our URLs (the baseline)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_tabs_bench")

from bench.console.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.console.tabs_urls"
