"""Contracted code for `vibrails verify`: each line that must be reported says so
with a trailing ``# expect: VBRnnn`` comment; every other function is correct."""
