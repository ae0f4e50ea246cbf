"""What people and machines see of runs: console tables, JSON (and later, reports)."""
