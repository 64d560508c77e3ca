"""vibrails: a linter for AI-generated Python code."""

__version__ = "0.1.0"
