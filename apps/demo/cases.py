"""Demo data: cases."""


def load(*, stdout=None) -> None:
    """Load the demo cases (placeholder until this part of the demo is written)."""
