"""What comes in: a student's hand-in, extracted safely (``archive``) and scanned for
forbidden imports (``scan``). Imports nothing, so the platform bundles can ship it."""
