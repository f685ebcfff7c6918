"""Fault reports (felanmälan): categories, routing, photos, status, privacy, retention."""
