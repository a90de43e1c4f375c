"""msrwe.stats."""
