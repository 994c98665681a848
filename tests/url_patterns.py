"""Every URL pattern of the project, found by walking the URLconf (the admin's included), so the
sweeps over them (bad input, access) cover a new page as soon as it exists."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def patterns(resolvers=None, prefix="", namespace=""):
    """(url template with {name} holes, path converters by name, URL name, view) for every pattern."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route, converters = url_template(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for url, convs, name, view in patterns(entry.url_patterns, prefix + route, inner):
                yield url, {**converters, **convs}, name, view
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield "/" + prefix + route, converters, name, entry.callback


def url_template(pattern) -> tuple[str, dict]:
    """A pattern as a template with ``{name}`` holes, and the converter each hole has."""
    if hasattr(pattern, "_route"):  # path()
        route = pattern._route
        converters = {}
        for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
            converters[match.group(2)] = match.group(1) or "str"
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), converters
    regex = pattern._regex.lstrip("^").rstrip("$")  # re_path(): the admin's app list and catch-all
    names = re.findall(r"\(\?P<(\w+)>", regex)
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", regex).replace("\\", ""), {n: "regex" for n in names}
