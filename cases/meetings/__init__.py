"""Multi-agency meetings on a case: scheduling with emailed invitations (``ics`` builds the
calendar file, ``invitations`` sends each attendee's once through the outbox), recording a
meeting held, the actions agreed. Each room as in the app: services (writes), queries (reads through the policy), views
and forms, api, urls."""
