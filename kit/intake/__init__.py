"""What comes in: a student's hand-in, extracted safely (``archive``). Imports nothing, so the
platform bundles can ship it. (The static import scan is the autograder's:
autograder/grader/import_scan.py, so that ./grade.sh runs it too.)"""
