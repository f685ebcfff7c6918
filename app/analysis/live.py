"""What the whole analysis counts: the maintenance objects valid now."""


def live_now(alias: str = "o") -> str:
    """SQL condition: the row under alias is valid now (from valid_from, before valid_to)."""
    return f"{alias}.valid_from <= now() AND ({alias}.valid_to IS NULL OR {alias}.valid_to > now())"


# For one statement in a transaction: sorts and hashes over the whole municipality's objects
# stay in memory instead of spilling to disk.
WORK_MEM_SQL = "SET LOCAL work_mem = '256MB'"
