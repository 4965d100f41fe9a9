"""Members and points: the points ledger (`ledger.post`, the one door for points), members,
check-ins, levels, and the points commands (`points`)."""
