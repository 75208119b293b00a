"""Bench-only settings: gridops' settings plus the floor view's URLconf (never used by the product)."""

from gridops.settings import *  # noqa: F403

ROOT_URLCONF = "bench.intake_urls"
