"""Input channels loaded by the Rasa server (``connectors/*.py``, Python 3.10: they import
only what the Rasa venv has), the web service (``connectors/web/``, Python 3.11) and the chat
widget (``connectors/widget/``)."""
