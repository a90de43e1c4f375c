"""msrwe.derive."""
