"""The frame around every page: its layout, and the callbacks behind its navbar, status banner and Retrain button.

Each module here registers its callbacks when imported; optior.app imports them all, as it does the pages.
"""
