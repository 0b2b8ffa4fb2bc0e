"""The study-area data: sources, build, the layers' schema and the reader.

:mod:`.sources` lists the input files, :mod:`.build` writes ``study.gpkg``,
:mod:`.schema` holds the contract both sides share and :mod:`.study` reads it.
"""
