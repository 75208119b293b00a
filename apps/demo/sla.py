"""Demo data: sla."""


def load(*, stdout=None) -> None:
    """Load the demo sla (placeholder until this part of the demo is written)."""
