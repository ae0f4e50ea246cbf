"""Operating-system plumbing shared by the runner and the embedded backend: child processes
(spawned in their own session with a lifeline, stopped as whole trees) and waiting."""
