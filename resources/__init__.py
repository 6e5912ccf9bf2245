"""Bundled resources: sample case, sample envelopes, icons, translations, report templates."""
