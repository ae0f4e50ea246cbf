"""Running a scenario: the lab its method drives (real processes), settling, and the runner
that goes reset -> method -> stop everything -> observe -> check -> journal."""
