"""The registry service: the organisation tree, the culture venue network, groups."""
