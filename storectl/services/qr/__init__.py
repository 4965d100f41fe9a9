"""QR codes: payloads and images (`codes`), masks (`qr_mask`) and the printable sheets (`qr_cards`)."""
