"""Traceability of the devices DVW designs: the UDI and what it rests on, labels, and the device's trace.

- :mod:`traceability.gs1`: the GS1 codec (check digits, AI values, element strings, HRI, GS1 Digital Link);
- :mod:`traceability.families`: device families (company prefix, packaging levels, GTINs) from TOML files;
- :mod:`traceability.assignment`: one UDI per signed case revision (``udi_assigned`` events), serials never reused;
- :mod:`traceability.label`: the device label (GS1 DataMatrix, HRI) as PDF and PNG;
- :mod:`traceability.trace`: the critical tracking events of a device and their EPCIS export.

It builds on :mod:`records` (the event log, signatures) and sits beside the sync server, below the app.
"""
