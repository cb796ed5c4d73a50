"""Similarity between hand-ins: normalised tokens (``tokens``), winnowed fingerprints and the
ranking of pairs (``fingerprints``), the HTML report (``report``)."""
