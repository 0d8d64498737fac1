"""ceasefire: open software for monitoring a ceasefire."""

__version__ = "0.1.0"
