"""The layering is a test: an app imports only apps below it (docs/architecture.md).

insights → campaigns → templates_mgr → messaging → media_lib → accounts → cloudapi; cloudapi imports
no app. Every import of every module counts — module level and inside functions, ``import x`` and
``from x import y``, relative ones resolved — read with ``ast``. ``config`` only wires and may import
anything; tests and migrations are outside the check.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first. campaigns and insights are here for the issues that add them.
LAYERS = ["cloudapi", "accounts", "media_lib", "messaging", "templates_mgr", "campaigns", "insights"]
RANK = {app: rank for rank, app in enumerate(LAYERS)}


def upward_imports(source: str, *, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) of each import in ``source`` that reaches an app above ``module``'s.

    ``module`` is the dotted name of the file (``messaging.views.contacts``); ``is_package`` says it
    is an ``__init__.py``, which matters for resolving relative imports.
    """
    app = module.split(".", 1)[0]
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            targets = [".".join([*base, node.module] if node.module else base)]
        else:
            continue
        found += [(node.lineno, target) for target in targets if _above(target.split(".", 1)[0], app)]
    return found


def _above(imported: str, app: str) -> bool:
    return imported != app and imported in RANK and RANK[imported] > RANK[app]


def _modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            yield relative, ".".join(parts[:-1] if is_package else parts), is_package


def test_no_app_imports_an_app_above_it():
    modules = list(_modules())
    assert len(modules) > 100  # the walk really finds the apps' code

    upward = [
        f"{path}:{line} imports {target}"
        for path, module, is_package in modules
        for line, target in upward_imports((ROOT / path).read_text(), module=module, is_package=is_package)
    ]

    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        ("import templates_mgr.models\n", "messaging.views", False, [(1, "templates_mgr.models")]),
        ("from messaging.models import Message\n", "accounts.access", False, [(1, "messaging.models")]),
        ("def f():\n    from media_lib import services\n", "cloudapi.errors", False, [(2, "media_lib")]),
        ("import os, campaigns\n", "templates_mgr.rules", False, [(1, "campaigns")]),
        ("from accounts import roles\n", "cloudapi.client", True, [(1, "accounts")]),
        # Relative imports resolve within the app, and going up a package stays inside it.
        ("from ..models import Message\n", "messaging.views.contacts", False, []),
        ("from . import roles\n", "accounts", True, []),
        # Downward and third-party imports are fine; so is a name that merely starts like an app.
        ("from accounts.models import PhoneNumber\nimport django\nimport messaging_extra\n", "messaging.admin", False, []),
        ("from cloudapi.webhook_payloads import InvalidPayload\n", "templates_mgr.webhook_events", False, []),
    ],
)
def test_the_checker_names_the_line_of_each_upward_import(source, module, is_package, expected):
    assert upward_imports(source, module=module, is_package=is_package) == expected
