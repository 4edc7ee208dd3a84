"""The portal's rules: pure functions and data, no I/O, no framework."""
