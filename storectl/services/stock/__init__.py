"""The stock area: the stock ledger (`ledger.move`, the one door for units and quantities, and its
movement `kinds`), the moving average (`costing`), receiving and taking out (`inventory`), one
unit's story (`trace`), reading the clerk's input (`unit_input`), transfers, counts, and the
stock invariants of `db check`."""
