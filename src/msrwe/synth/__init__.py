"""msrwe.synth."""
