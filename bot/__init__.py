"""Rasa-side Python code loaded by the dialogue server (Python 3.10)."""
