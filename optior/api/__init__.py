"""The JSON API on the Dash app's own Flask server: register_api(server) mounts it under /api."""

from optior.api.blueprint import register_api

__all__ = ["register_api"]
