"""Helpers the tests share: local servers (feeds, model), hand-made digests, a site builder."""
