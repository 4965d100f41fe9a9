"""After-sales (售后): warranty by any code, service tickets, exchanges, and their cost in the books."""
