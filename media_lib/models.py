"""Media assets (uploads and inbound downloads) arrive with the media-library issue."""
