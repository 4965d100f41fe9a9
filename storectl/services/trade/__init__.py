"""Trade-ins and pre-orders: used units bought from customers (`tradeins`, TI-; the till calls into
it for the `tradein` payment) and pre-orders with deposits (`orders`, SO-; it calls into the till
to make the sale)."""
