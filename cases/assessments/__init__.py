"""Joint assessments on a case: the lead's analysis over a contribution owed by each agency,
approved or returned by the lead's supervisor. Each room as in the app: services (writes),
queries (reads through the policy), views and forms, api, urls."""
