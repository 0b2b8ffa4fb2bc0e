"""File plumbing shared by every stage: atomic writes (:mod:`.atomic`)."""
