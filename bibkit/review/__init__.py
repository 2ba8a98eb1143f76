"""Changing and comparing claims.yaml with a whole project in hand.

``session``: ``bibkit review``, the reviewer's accept/reject decisions; ``update``: ``claims extract
--update`` from the manuscript; ``diff``: the claim map between two revisions (the pull-request
summary). May import :mod:`bibkit.manuscripts` and every layer below it.
"""
