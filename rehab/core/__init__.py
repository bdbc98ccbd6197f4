"""The pure core: landmarks, geometry, filters, the exercise schema, counting and analysis.

Pure Python + numpy/scipy/pydantic: nothing here imports a camera, model, database or UI
library, or any other `rehab` package, and nothing does I/O or reads a clock. Timestamps
come in as data. `tests/test_core_purity.py` enforces this for every module in the folder.
"""
