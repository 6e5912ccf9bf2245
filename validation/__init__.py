"""Design envelopes, the measurement registry, the envelope check and the software manifest."""
