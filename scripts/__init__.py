"""Set-up steps that run before the virtual environment exists: the standard library only."""
