"""msrwe.report."""
