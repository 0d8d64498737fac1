"""The monitors' workplace: the HTTP API and the web pages, served by `ceasefire serve`."""

from ceasefire.web.app import create_app

__all__ = ["create_app"]
