"""The session layer: `SessionManager` (manager.py), the device registry and models.

Nothing is imported here so that `import blebench.session.models` stays light.
"""
