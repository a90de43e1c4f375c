"""msrwe.study."""
