"""feedindex's version (what the build records, feeds name as their generator, the API reports)."""

__version__ = "0.1.0"
