"""The deposit ledger: an RFC 9162 Merkle log with C2SP signed checkpoints.

The pure parts (merkle, memstore, entries, note, verify_bundle) import nothing from Flask or the
database, so they can be tested, benchmarked and copied into evidence bundles on their own.
"""
