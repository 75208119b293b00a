"""Point-to-cell routing (in-memory spatial index). Filled in by the locator work."""


def locator_invalidate() -> None:
    """Drop this process's index; the next lookup rebuilds it."""
