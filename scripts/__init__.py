"""Platform scripts: the process supervisor and the stack definition shared by tests and bench."""
