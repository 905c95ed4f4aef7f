"""LSTM Lab: the entry point. The pages and their shared setup live in ui/navigation.py."""

from ui import navigation

navigation.run()
