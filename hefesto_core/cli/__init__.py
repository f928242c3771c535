"""The ``hefesto`` command line (typer). Each command group lives in its own
module with a ``register(app)`` function; :mod:`.main` wires them up."""
