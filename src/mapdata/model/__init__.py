"""The domain model: records (forces, places, sources, events, control periods) and their rules.

``models`` (frozen dataclasses), ``records`` (the one home of the per-record rules: ids, colours,
geometry types, limits, required fields), ``errors`` (the exception root and located problems),
``load`` (a scenario folder into a checked :class:`~mapdata.model.models.Scenario`), ``validate``
(rules across records), ``timeline`` (who holds each place on a day, and the evidence; with the
whole-map array index) and ``geometry``.
Everything else in mapdata builds on this package; it imports nothing above it.
"""
