"""hotspot: watch hot lists and news feeds, match them to accounts' themes, alert the operator."""

__version__ = "0.1.0"
