"""Functions `vibrails verify` must contain; each reported ``def`` says so with ``# expect``."""
