"""Everything that measures OptiOR: the scale benchmark's harness (python -m optior bench) and the scripts beside it.

Run them from the repository root as modules (python -m benchmarks.load_test), so the harness is importable; it is
a tool beside the app, not part of the installed package.
"""
