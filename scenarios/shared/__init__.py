"""Measures and knobs more than one scenario uses."""
