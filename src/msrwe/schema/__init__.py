"""msrwe.schema."""
