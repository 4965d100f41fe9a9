"""The till: prices (`pricing`), sales and their receipts (`sales`, `sale_views`), payment methods
and a sale's settlement (`payments`), returns, and what customers owe (`receivables`)."""
