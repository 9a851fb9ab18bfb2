"""Reading reports: from English or Arabic text to proposed places, dates, forces and events.

``gazetteer`` (place names, with the scenario's own places first), ``geoparse`` (finding and
resolving place mentions, spatial phrases), ``dates``, ``lexicon`` (force names and event verbs),
``events`` and ``mentions`` (the proposals), ``extract`` (the pipeline that runs them, with its
limits), ``review`` (the analyst's decisions into records) and ``highlight`` (report text with
its mentions marked).
"""
