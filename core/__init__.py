"""What every package shares, below all of them: the errors (errors.py), the
settings read from the environment (settings.py) and the rules for text in two
languages (text.py). It imports nothing of SafeCite."""
