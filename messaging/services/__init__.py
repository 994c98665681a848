"""The verbs of messaging: receive, send, apply statuses, store webhooks."""
