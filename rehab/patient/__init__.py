"""The patient's side in plain words: what the home page says about their progress.

Pure functions over numbers and dates, in the patient's language; the pages fetch the numbers
from the store and show the words.
"""
