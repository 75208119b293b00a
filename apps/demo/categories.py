"""Demo data: categories."""


def load(*, stdout=None) -> None:
    """Load the demo categories (placeholder until this part of the demo is written)."""
