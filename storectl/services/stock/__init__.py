"""The stock area: the stock ledger (`ledger.move`, the one door every unit and quantity passes
through) and the moving-average cost of quantity products (`costing`)."""
