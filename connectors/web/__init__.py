"""The web service (Python 3.11): the demo storefront, the widget's assets, the chat history
API and the agent desk. It reaches the dialogue only through Rasa's HTTP API and socket.io
channel (``connectors/web/rasa_api.py``); the shop and the hand-off queue are its domain
modules. Run with ``python -m connectors.web serve``.
"""
