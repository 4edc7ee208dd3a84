"""cc-tui: a keyboard-first terminal client for a Client Connect style portal."""

__version__ = "0.1.0"
