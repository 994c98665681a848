"""The verbs of templates, by topic:

* ``status`` — applying what Meta reports (status, quality, category, components) and the history
* ``notices`` — telling the submitter that Meta approved, rejected or paused their template
* ``submit`` — drafts and submission (with the sample header file's upload handle)
* ``changes`` — edit and delete, with Meta's limits checked first
* ``sync`` — reconciling with Meta's list, and the outcome per account
* ``sending`` — sending an approved template with parameters that match it
* ``usage`` — sends and delivered / read / failed rates per template

Webhook handlers use the status functions re-exported here.
"""

from .status import (
    StatusReport,
    TemplateRef,
    apply_template_category,
    apply_template_components,
    apply_template_quality,
    apply_template_status,
    normalize_language,
)

__all__ = [
    "StatusReport",
    "TemplateRef",
    "apply_template_category",
    "apply_template_components",
    "apply_template_quality",
    "apply_template_status",
    "normalize_language",
]
