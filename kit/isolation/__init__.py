"""Keeping student code apart: slot uids (``uids``), the grader's mount-namespace sandbox
(``sandbox``) and the batch's temporary directories (``scratch``). Imports nothing, so the
platform bundles can ship it with ``uids``."""
