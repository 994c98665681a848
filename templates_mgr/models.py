"""Message templates and their approval history arrive with the templates issue."""
