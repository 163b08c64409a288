"""Recommendations scored on this machine: models over the user-item matrix (``models``)."""
