"""Pure data: configuration, events and the incident state folded from them."""
