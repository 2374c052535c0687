"""Custom Rasa graph components (Python 3.10: import only rasa and the standard library).

``vocabulary`` holds the pure decision logic (no Rasa import, unit-tested on Python 3.11);
``oov_fallback`` is the Rasa wrapper named in config.yml.
"""
