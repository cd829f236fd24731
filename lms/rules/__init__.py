"""The rules of certification as pure functions: grading, attempts and clearance.

No database and no Flask here, so every rule is unit-tested directly.
"""
