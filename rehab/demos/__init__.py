"""Demonstrations generated from an exercise's definition (shell: drawing and files).

The synthetic body of `rehab.core.demonstration` does the exercise as its rule counts it;
this package draws it (`draw`), frame by frame (`scene`), and writes GIF, MP4 or PNG stills
(`output`). `rehab exercises demo ID -o FILE` is `commands`.
"""
