"""hatang: run a Vietnamese province's government network and data centre from one inventory."""

__version__ = "0.1.0"
