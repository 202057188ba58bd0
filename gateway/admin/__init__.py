"""The admin graph: campaigns, templates, settings, users, API keys, the audit log."""
