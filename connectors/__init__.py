"""Input channels loaded by the Rasa server (Python 3.10: import only rasa, sanic, stdlib)."""
