"""Demo data: city."""


def load(*, stdout=None) -> None:
    """Load the demo city (placeholder until this part of the demo is written)."""
