"""Promotions: coupons (templates, the instances members hold, using them on a sale: `coupons`) and
flash sales (a price rule with a quota and its guarded counter: `flash`). The till calls in; this
area never imports the till."""
