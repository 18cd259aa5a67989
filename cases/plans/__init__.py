"""Child protection and child in need plans: outcomes, the actions each agency owes, progress,
reviews and the plan's end. Each room as in the app: services (writes), queries (reads through
the policy), views and forms, api, urls."""
