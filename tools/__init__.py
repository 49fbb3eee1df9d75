"""The project's commands, each run from the repository root as ``python -m tools.<command>`` (the Makefile's
targets call them). Commands import only the helpers in :mod:`tools.lib` and the library, never each other."""
