"""Audience pages: contact imports and segments (contacts themselves are messaging's pages)."""
