"""The rasa-sdk action server and its dialogue adapters.

Layout:
- ``actions.__main__``: the action server entry point (parses ``settings.Settings`` once).
- ``actions.dialogue``: custom actions, thin adapters over the domain packages
  (``shop``, ``knowledge``, ``handoff``), which know nothing of Rasa.
"""
