"""A separate process that saves an assessment's analysis through the API, as a second web
worker would (for the two-process lock test):

    python -m tests.clocked -m tests.cases.analysis_saver ASSESSMENT_ID USER_ID LABEL TIMES START_AT

It waits until START_AT (a Unix time), so two savers start together, then PUTs the analysis
TIMES times and prints each status code on one line."""

from __future__ import annotations

import os
import sys
import time

import django


def main(assessment_id: str, user_id: int, label: str, times: int, start_at: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from agencies.models import User

    setup_test_environment()  # the test client's host, and no email leaves
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=user_id))
    url = f"/api/v1/assessments/{assessment_id}/analysis/"
    time.sleep(max(0.0, start_at - time.time()))
    statuses = [
        client.put(
            url, {"analysis": f"{label} analysis {n}", "recommendation": f"{label} plan {n}"}, format="json"
        ).status_code
        for n in range(times)
    ]
    print(" ".join(str(status) for status in statuses), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
