"""The supervisor's view: each supervisee's caseload, click-through to their cases and
deadlines, what waits for the supervisor's approval (closures, extensions, joint assessments,
triage sign-offs), and the page and endpoint that reassign a case's lead worker.

A cross-cutting floor of its own because it reads across ``cases``, ``referrals`` and
``deadlines``: it sits above them and may import them (and ``agencies``, the policy and
``web`` below them); none of them imports it, only ``config.urls`` does. So a write stays
with the data it changes: reassigning the lead is ``cases.services.reassign_lead``, which
these views call; this app holds no models and writes nothing itself.
"""
