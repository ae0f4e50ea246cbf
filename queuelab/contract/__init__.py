"""The contract between the runner and the processes it starts (producer, consumer).

Both sides import it; it imports nothing else of queuelab. It holds what the two sides must
agree on: the history vocabulary and its writer, message attribute names and the subject
rule, table keys, exit codes and the variables the runner sets, the knob declarations, the
file formats of the lab's side-effect logs, how clients are configured, and the lifeline.
"""
