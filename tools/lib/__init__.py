"""Helpers the commands of ``tools/`` share. A helper imports only other helpers (without a circle) and the library,
never a command."""
