"""msrwe.io."""
