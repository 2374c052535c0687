"""Action server and the plain-Python domain modules it calls.

Layout:
- ``actions.settings``: typed settings, parsed once at each entry point.
- ``actions.shop``: the shop back end (catalog, inventory, carts, orders, returns).
- ``actions.dialogue``: rasa-sdk custom actions, thin adapters over the domain modules.
"""
