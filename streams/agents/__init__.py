"""The engine's agents, one concern per module; each exposes
``register(engine)`` that attaches its agent(s) to the Faust app."""
