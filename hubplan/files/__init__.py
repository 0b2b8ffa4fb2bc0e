"""File plumbing shared by every stage.

:mod:`.atomic`
    Atomic writes of output folders and single files; never replacing what hubplan did not write.
:mod:`.durable`
    The steps those writes share: fsync, Ctrl-C held back over renames, clean-up, one-line errors.
:mod:`.reading`
    Bounded reading: regular files only, within a size cap per kind of input.
:mod:`.tables`
    The one CSV reader for the files users give (client file, points, OD matrix).
"""
